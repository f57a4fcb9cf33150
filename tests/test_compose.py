"""The compose recipe (deploy/compose.yaml, Dockerfile) is valid and refers to what the repository really has.

No container engine runs here: `docker-compose config` (the Debian package, which needs no daemon for it)
validates and resolves the file, and the checks below read what it resolved. The YAML is read by the PyYAML
of the interpreter docker-compose itself runs on, since the dashboard does not depend on a YAML library.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.settings import CONFIG_ENV, Settings, env_name, load_settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "cityops.env.example"
DASHBOARD_SERVICES = ("collectors", "web")
# Read by the process or a library rather than by dashboard.settings (glibc's allocator, see the README).
PROCESS_VARIABLES = {"MALLOC_ARENA_MAX"}
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def _docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        pytest.fail("docker-compose is not installed (make system-deps installs it when run as root)")
    return found


def _resolved(tmp_path: Path, *options: str) -> dict:
    """`docker-compose config` of a copy of deploy/ with a cityops.env made from the example, as a dict."""
    program = _docker_compose()
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    shutil.copy(EXAMPLE, tmp_path / "deploy" / "cityops.env")
    env = {"PATH": "/usr/bin:/bin", "REDIS_PASSWORD": "compose-test-password"}
    done = subprocess.run(
        [program, "-f", str(tmp_path / "deploy" / "compose.yaml"), *options, "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    interpreter = Path(program).read_text(encoding="utf-8").splitlines()[0].removeprefix("#!").split()
    as_json = subprocess.run(
        [*interpreter, "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
        input=done.stdout,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(as_json.stdout)


@pytest.fixture(scope="module")
def compose(tmp_path_factory) -> dict:
    return _resolved(tmp_path_factory.mktemp("compose"))


def test_the_file_parses_and_the_sentinel_services_are_a_profile(compose, tmp_path):
    assert "version" not in (DEPLOY / "compose.yaml").read_text(encoding="utf-8").split("services:")[0]
    services = compose["services"]
    # docker-compose 1.29's `config` lists every service; `up` starts the profile's only when asked.
    always = {name for name, service in services.items() if "profiles" not in service}
    assert always == {"redis", "collectors", "web", "nginx"}
    assert {name: services[name]["profiles"] for name in set(services) - always} == {
        "redis-replica": ["sentinel"],
        "sentinel": ["sentinel"],
    }
    assert services["sentinel"]["deploy"]["replicas"] == 3
    with_sentinel = _resolved(tmp_path, "--profile", "sentinel")
    assert set(with_sentinel["services"]) == set(services)


def test_dashboard_commands_name_modules_and_files_of_the_repository(compose):
    services = compose["services"]
    collectors = services["collectors"]["command"]
    assert collectors[:2] == ["python", "-m"] and services["collectors"]["deploy"]["replicas"] == 2
    spec = importlib.util.find_spec(collectors[2])
    assert spec is not None and Path(spec.origin).is_relative_to(ROOT)
    assert (Path(spec.origin).parent / "__main__.py").exists()  # `python -m` runs the package's __main__

    web = services["web"]["command"]
    assert web[0] == "gunicorn"
    assert (ROOT / web[web.index("-c") + 1]).is_file()
    module, _, call = web[-1].partition(":")
    assert (ROOT / f"{module}.py").is_file() and call == "create_app()"
    assert f"def {call.removesuffix('()')}(" in (ROOT / f"{module}.py").read_text(encoding="utf-8")
    # Scalable with --scale web=N: no fixed container name, no port of its own on the host.
    assert "container_name" not in services["web"] and "ports" not in services["web"]
    # Both read deploy/cityops.env (docker-compose config writes its values into `environment`).
    assert "  env_file: cityops.env\n" in (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for name in DASHBOARD_SERVICES:
        assert services[name]["environment"]["CITYOPS_WALL_TOKEN"] == "change-me-too"


def test_the_image_is_built_from_the_lock_and_runs_as_a_user(compose):
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert compose["services"]["web"]["build"]["dockerfile"] == "Dockerfile"
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    assert "pip install -c requirements.lock ." in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "tests" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_healthchecks_and_start_order(compose):
    services = compose["services"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert how == {"condition": "service_healthy"}, name
            assert "healthcheck" in services[needed], f"{name} waits for {needed}, which has no healthcheck"
    assert set(services["nginx"]["depends_on"]) == {"web"}
    assert all(set(services[name]["depends_on"]) == {"redis"} for name in DASHBOARD_SERVICES)


def _mounts(service: dict) -> dict[str, str]:
    """{path inside the container: source} of a service's volumes."""
    return {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}


def test_redis_runs_the_recipes_append_only_configuration(compose):
    redis = compose["services"]["redis"]
    config = redis["command"][1]
    source = Path(_mounts(redis)[config])
    assert source.name == "cityops-redis.conf" and (DEPLOY / "redis" / source.name).is_file()
    assert "appendonly yes" in (DEPLOY / "redis" / source.name).read_text(encoding="utf-8")


def test_nginx_mounts_the_recipes_files(compose):
    mounts = _mounts(compose["services"]["nginx"])
    site, snippet = mounts["/etc/nginx/conf.d/default.conf"], mounts["/etc/nginx/snippets/cityops-proxy.conf"]
    for source in (site, snippet):
        assert (DEPLOY / Path(source).relative_to(_copy_root(source))).is_file(), source
    site_text = (DEPLOY / Path(site).relative_to(_copy_root(site))).read_text(encoding="utf-8")
    assert "include /etc/nginx/snippets/cityops-proxy.conf;" in site_text
    assert "server web:8050" in site_text
    # The certificates are the operator's: a folder (CITYOPS_TLS_DIR) mounted where the site looks for them.
    for path in re.findall(r"ssl_certificate(?:_key)? (\S+);", site_text):
        assert Path(path).parent == Path("/etc/ssl/cityops") and "/etc/ssl/cityops" in mounts


def _copy_root(source: str) -> Path:
    """The copied deploy/ folder a resolved mount source lies in."""
    path = Path(source)
    return next(parent for parent in path.parents if parent.name == "deploy")


def _example_assignments() -> list[tuple[str, str, bool]]:
    """(name, value, commented out) of every assignment in the env example, the commented alternatives too."""
    found = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found.append((match.group(1), match.group(2).strip().strip('"'), line.startswith("#")))
    return found


def test_the_environment_names_are_settings_the_dashboard_accepts(compose, tmp_path):
    known = {env_name(field) for field in Settings.model_fields} | {CONFIG_ENV}
    names = {name for name, _value, _commented in _example_assignments()}
    for name in DASHBOARD_SERVICES:
        names |= set(compose["services"][name]["environment"])
    assert sorted(names - known - PROCESS_VARIABLES) == []

    # Loaded through dashboard.settings: the example as written, then each commented alternative on top of it.
    active = {name: value for name, value, commented in _example_assignments() if not commented}
    config = tmp_path / "cityops.toml"
    config.write_text("", encoding="utf-8")
    base = {**active, **compose["services"]["web"]["environment"]}
    # Paths of the container, read here: the (empty) TOML file and folders of this machine instead.
    base.update(
        {
            CONFIG_ENV: str(config),
            "CITYOPS_BOUNDARIES_CACHE_DIR": str(tmp_path / "cache"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
    )
    load_settings(base)
    for name, value, commented in _example_assignments():
        if commented and name.startswith(("CITYOPS_", "REDIS_URL")):
            load_settings({**base, name: value})
