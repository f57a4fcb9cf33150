"""No secret leaves: feed credentials, keys and tokens never reach a public answer, a log line or a settings error."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis
from werkzeug.security import generate_password_hash

from app import create_app
from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.layers import LAYERS
from dashboard.models import SourceState, SourceStatus
from dashboard.redact import Redactor, redact_url
from dashboard.settings import ConfigError, Settings, load_settings
from dashboard.startup import configure_logging
from dashboard.store import Store, open_store
from tests.factories import sign_in_client
from tests.feed_server import FeedServer, Hit, Reply
from tests.live_app import LiveApp, signed_in_client
from tests.redis_server import RedisServer, free_port
from tests.test_request_limits import CALLBACKS

FEED_USER = "canary-user"
FEED_PASSWORD = "CANARY-PASS-1234"
API_KEY = "CANARY-KEY-5678"
HEADER_TOKEN = "CANARY-HEADER-3456"
SECRET_KEY = "CANARY-SECRET-KEY-0001"
WALL_TOKEN = "CANARY-WALL-TOKEN-0002"
REDIS_PASSWORD = "CANARY-REDIS-PASS-9012"
MANAGER_HASH = generate_password_hash("demo")
CANARIES = (FEED_USER, FEED_PASSWORD, API_KEY, HEADER_TOKEN, SECRET_KEY, WALL_TOKEN, REDIS_PASSWORD, MANAGER_HASH)
DATASET = "/api/explore/v2.1/catalog/datasets/parkings"
SOURCES_CALLBACK = CALLBACKS["sources"]


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


@pytest.fixture(scope="module")
def secured_redis() -> Iterator[RedisServer]:
    server = RedisServer(password=REDIS_PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def quiet_http_loggers() -> Iterator[None]:
    """Put back the HTTP client loggers' levels that the start-up configuration changes."""
    saved = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def _echo_the_key(hit: Hit) -> Reply:
    # A publisher's error page that repeats the key and the token it was sent, as some do.
    token = hit.headers.get("x-api-token", "").removeprefix("Token ")
    body = f'{{"error_code": "InvalidKey", "message": "Invalid API key {hit.query.get("apikey")} or token {token}"}}'
    return Reply(401, body.encode(), {"Content-Type": "application/json"})


def _settings(feed_server: FeedServer, redis_url: str) -> Settings:
    host = feed_server.url.removeprefix("http://")
    return load_settings(
        {},
        redis_url=redis_url,
        secret_key=SECRET_KEY,
        wall_token=WALL_TOKEN,
        managers=[{"name": "demo", "password_hash": MANAGER_HASH}],
        session_cookie_secure=False,
        sources=[
            {
                "name": "parkings",
                "format": "opendatasoft",
                "layer": "parking",
                "url": f"http://{FEED_USER}:{FEED_PASSWORD}@{host}{DATASET}",
                "params": {"apikey": API_KEY},
                "headers": {"X-Api-Token": f"Token {HEADER_TOKEN}"},
            }
        ],
    )


def _public_paths() -> list[str]:
    public_layers = [f"/api/v1/public/layers/{name}" for name, layer in LAYERS.items() if layer.public]
    return [
        "/healthz",
        "/api/v1/public/versions",
        *public_layers,
        "/embed/parking",
        "/embed/_dash-layout",
        "/api/v1/public/no-such-thing",
        "/no-such-page",
        "/login",
        "/wall/",
    ]


def test_a_failing_feed_leaks_no_credential_to_the_public_or_the_logs(
    feed_server, secured_redis, caplog, quiet_http_loggers
):
    feed_server.route(f"{DATASET}/records", _echo_the_key)
    settings = _settings(feed_server, secured_redis.url)
    configure_logging("DEBUG")  # what every entry point does
    caplog.set_level(logging.DEBUG)
    store = open_store(settings)
    store.redis.flushdb()
    # The source was fine a minute ago (a previous leader's status): this failure is a change, and is logged.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    store.write_status(SourceStatus("parking", "parkings", SourceState.OK, last_success=a_minute_ago))
    job = CollectorRunner(store, configured_sources(settings), settings).jobs[0]
    assert job.leader.hold()
    job.run_once()
    assert feed_server.hits and feed_server.hits[0].query["apikey"] == API_KEY  # the key was really sent
    assert feed_server.hits[0].headers["x-api-token"] == f"Token {HEADER_TOKEN}"  # and the token

    app = create_app(settings)
    anonymous = app.test_client()
    for path in _public_paths():
        response = anonymous.get(path, headers={"Referer": "http://localhost/embed/parking"})
        assert _leaks(response.get_data(as_text=True) + str(response.headers)) == [], path

    health = anonymous.get("/healthz").get_json()
    assert health["sources"]["parking"]["state"] == "degraded"
    assert set(health["sources"]["parking"]) == {"state", "age_seconds"}
    assert 60 <= health["sources"]["parking"]["age_seconds"] < 120
    assert health["sources"]["energy"] == {"state": "waiting", "age_seconds": None}
    assert "parkings" not in str(health) and "127.0.0.1" not in str(health)

    manager = sign_in_client(app.test_client())
    details = manager.get("/healthz").get_json()["sources"]["parking"]
    assert details["source"] == "parkings" and details["consecutive_failures"] == 1
    # Still says what failed, and where: host and path kept, credentials and key masked.
    where = f"http://***@{feed_server.url.removeprefix('http://')}{DATASET}/records"
    assert details["last_error"] == f"HTTP 401 : {where} (Invalid API key *** or token ***)"
    for path in ("/api/v1/layers", "/api/v1/layers/parking"):
        assert _leaks(manager.get(path).get_data(as_text=True)) == [], path
    # The sources panel and its API show the feed's address and error to managers: masked there too.
    assert anonymous.get("/api/v1/sources").status_code == 401
    sources = manager.get("/api/v1/sources")
    assert _leaks(sources.get_data(as_text=True)) == []
    assert sources.get_json()["sources"][0]["url"] == f"http://***@{feed_server.url.removeprefix('http://')}{DATASET}"
    panel = manager.post(SOURCES_CALLBACK[0], json=SOURCES_CALLBACK[1]).get_data(as_text=True)
    assert "Invalid API key ***" in panel and f"***@{feed_server.url.removeprefix('http://')}" in panel
    assert _leaks(panel) == []

    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "source parkings is degraded: HTTP 401" in logged  # the change was logged, masked
    assert _leaks(logged) == []


def test_the_public_health_keeps_state_and_age_and_hides_the_redis_error(redis_client):
    from dashboard.store import connect

    down = Store(connect(f"redis://:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0", timeout_seconds=0.2))
    app = create_app(load_settings({}), store=down)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "redis": "down"}
    public_api = app.test_client().get("/api/v1/public/versions?lang=en")
    assert public_api.status_code == 503
    assert public_api.get_json() == {"error": "Data unavailable for now: the cache does not answer", "status": 503}
    assert "Redis" in sign_in_client(app.test_client()).get("/healthz").get_json()["error"]


def test_a_status_stored_before_the_redactor_is_masked_when_read(redis_client):
    settings = load_settings({}, secret_key=SECRET_KEY)
    raw = Store(redis_client)
    raw.write_status(SourceStatus("parking", "p", SourceState.DOWN, last_error=f"echo {SECRET_KEY}"))
    assert raw.status("parking").last_error == f"echo {SECRET_KEY}"  # nothing told this store about the key
    assert Store(redis_client, redactor=settings.redactor()).status("parking").last_error == "echo ***"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@host:8443/a/b?x=1", "https://***@host:8443/a/b?x=1"),
        ("https://host/a?apikey=K1&limit=5", "https://host/a?apikey=***&limit=5"),
        ("https://host/a?API_KEY=K1&Token=T&Signature=S", "https://host/a?API_KEY=***&Token=***&Signature=***"),
        (
            "https://host/a?access_token=A&password=P&secret=S&key=K",
            "https://host/a?access_token=***&password=***&secret=***&key=***",
        ),
        ("redis://:pw@redis:6379/0", "redis://***@redis:6379/0"),
        ("https://host/a", "https://host/a"),
    ],
)
def test_urls_lose_credentials_and_keep_where_they_point(url, expected):
    assert redact_url(url) == expected


def test_configured_parameters_are_masked_by_name_in_urls():
    assert redact_url("https://host/a?Code=abc&limit=5", ["code"]) == "https://host/a?Code=***&limit=5"


def test_known_secrets_are_masked_anywhere_in_a_text_even_url_encoded():
    redactor = Redactor(["s3cret/key+plus", "short"])
    text = "echo s3cret/key+plus then s3cret%2Fkey%2Bplus and s3cret%2Fkey%2Bplus in https://h/p?q=1 short"
    # A value too short to be a key (a page size, a name) would blank ordinary words: it is left in texts.
    assert redactor.text(text) == "echo *** then *** and *** in https://h/p?q=1 short"
    assert redactor.text("see https://u:p@h/x?token=t (HTTP 401)") == "see https://***@h/x?token=*** (HTTP 401)"


def test_settings_errors_never_echo_a_secret():
    environ = {
        "REDIS_URL": f"http://user:{REDIS_PASSWORD}@cache:6379/0",
        "CITYOPS_SECRET_KEY": "CANARY-SK-01",  # too short
        "CITYOPS_WALL_TOKEN": "CANARY-W",  # too short
        "CITYOPS_MANAGERS": f"ann:{FEED_PASSWORD}",  # a password where its hash belongs
    }
    source = {
        "name": "parkings",
        "format": "opendatasoft",
        "layer": "parking",
        "url": f"ftp://{FEED_USER}:{FEED_PASSWORD}@host{DATASET}",
        "params": {"apikey": [API_KEY]},
        "headers": {"Authorization": [f"Bearer {HEADER_TOKEN}"]},
    }
    misplaced = {**source, "name": "other", "url": "https://host/x", "params": {}, "headers": {}, "apikey": API_KEY}
    managed = {**misplaced, "name": "third", "headers": {"Host": HEADER_TOKEN}}
    del managed["apikey"]
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, sources=[source, misplaced, managed])
    message = str(caught.value)
    assert "CANARY-SK-01" not in message and "CANARY-W" not in message and _leaks(message) == []
    for what in ("REDIS_URL", "CITYOPS_SECRET_KEY", "CITYOPS_WALL_TOKEN", "CITYOPS_MANAGERS[0.password_hash]"):
        assert what in message
    assert "CITYOPS_SOURCES[0.url]" in message and "CITYOPS_SOURCES[0.params.apikey]" in message
    assert "CITYOPS_SOURCES[1.apikey]: Extra inputs are not permitted" in message
    assert "CITYOPS_SOURCES[0.headers.Authorization]" in message
    assert "CITYOPS_SOURCES[2.headers]: Value error, source third: header Host is set by the feed client" in message


def test_a_whole_table_is_never_echoed_with_its_hashes():
    twice = [{"name": "ann", "password_hash": MANAGER_HASH}] * 2
    with pytest.raises(ConfigError, match=r"listed more than once .*: ann") as caught:
        load_settings({}, managers=twice)
    assert MANAGER_HASH not in str(caught.value)


def test_the_running_dashboard_logs_no_secret(feed_server, secured_redis, tmp_path):
    """`python app.py` as deployed: its own logging set-up, start-up line, collectors and a failing keyed feed."""
    feed_server.route(f"{DATASET}/records", _echo_the_key)
    host = feed_server.url.removeprefix("http://")
    config = tmp_path / "cityops.toml"
    config.write_text(
        f"""
[[sources]]
name = "parkings"
format = "opendatasoft"
layer = "parking"
url = "http://{FEED_USER}:{FEED_PASSWORD}@{host}{DATASET}"
params = {{ apikey = "{API_KEY}" }}
headers = {{ X-Api-Token = "Token {HEADER_TOKEN}" }}
""",
        encoding="utf-8",
    )
    redis.Redis.from_url(secured_redis.url).flushdb()
    app = LiveApp(
        REDIS_URL=secured_redis.url,
        CITYOPS_CONFIG=str(config),
        CITYOPS_SECRET_KEY=SECRET_KEY,
        CITYOPS_WALL_TOKEN=WALL_TOKEN,
        CITYOPS_LOG_LEVEL="DEBUG",
        CITYOPS_REFRESH_SECONDS="1",
        CITYOPS_BACKOFF_MAX_SECONDS="1",
    )
    app.start(until_data=False)
    try:
        deadline = time.monotonic() + 60
        failures = 0
        while failures < 2 and time.monotonic() < deadline:  # two failed fetches: the second is a retry
            time.sleep(0.5)
            try:
                with signed_in_client(app.url, timeout=5) as client:
                    failures = client.get(f"{app.url}/healthz").json()["sources"]["parking"]["consecutive_failures"]
            except (httpx.HTTPError, RuntimeError):
                continue
        assert failures >= 2, app.log_path.read_text()
        assert feed_server.hits[0].headers["x-api-token"] == f"Token {HEADER_TOKEN}"  # the token was really sent
        public = httpx.get(f"{app.url}/healthz", timeout=5).text
        assert _leaks(public) == [] and "parkings" not in public
    finally:
        app.stop()
    logged = app.log_path.read_text()
    assert "Redis: redis://***@127.0.0.1" in logged  # the start-up line, without the password
    assert "DEBUG" in logged and _leaks(logged) == []


def test_a_boundary_url_with_credentials_is_masked_where_its_failure_is_told(caplog, tmp_path):
    from dashboard.geo import configured_geography

    url = f"http://{FEED_USER}:{FEED_PASSWORD}@127.0.0.1:{free_port()}/communes.geojson?token={API_KEY}"
    settings = load_settings({}, communes_path=url, boundaries_cache_dir=tmp_path)
    problem = configured_geography(settings).problem
    assert problem.startswith("http://***@127.0.0.1:") and "/communes.geojson?token=*** :" in problem
    assert _leaks(problem) == [] and _leaks(caplog.text) == []
