"""With no boundary path configured, the communes and quartiers are downloaded once and cached.

Each "start" is a real Python process reading its settings from the environment, as the web and collector
processes do; the open-data portal is played by a local server serving the shared reference files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.geo import boundary_locations, configured_boundaries, configured_geography
from dashboard.settings import ConfigError, load_settings
from tests.feed_server import FeedServer, Reply
from tests.shared_data import COMMUNES_FILE, QUARTIERS_FILE

ROOT = Path(__file__).resolve().parents[1]
CAPITOLE = (1.4440, 43.6045)

# What a start reports: the reason shown when there are no boundaries, the areas, and where the Capitole lies.
START = """
import json, sys
from dashboard.geo import configured_boundaries, configured_geography
from dashboard.settings import load_settings

settings = load_settings()
boundaries, _ = configured_boundaries(settings)
report = {"problem": configured_geography(settings).problem, "communes": 0, "quartiers": 0}
if boundaries is not None:
    where = boundaries.locate([float(sys.argv[1])], [float(sys.argv[2])])
    report.update(
        communes=len(boundaries.communes),
        quartiers=len(boundaries.quartiers),
        commune=str(where["commune"][0]),
        commune_code=str(where["commune_code"][0]),
        quartier=int(where["quartier"][0]),
    )
print(json.dumps(report))
"""


def _environment(cache: Path, server_url: str, **settings: str) -> dict[str, str]:
    """Settings with the boundaries left unset and the portal's URLs pointed at `server_url`."""
    return {
        "CITYOPS_BOUNDARIES_DOWNLOAD": "true",
        "CITYOPS_COMMUNES_URL": f"{server_url}/communes/exports/geojson",
        "CITYOPS_QUARTIERS_URL": f"{server_url}/quartiers-de-democratie-locale/exports/geojson",
        "CITYOPS_BOUNDARIES_CACHE_DIR": str(cache),
        **settings,
    }


def _start(cache: Path, server_url: str, **settings: str) -> dict:
    """Start a process with the boundaries left unset and the portal's URLs pointed at `server_url`."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")},
        "PYTHONPATH": str(ROOT),
        **_environment(cache, server_url, **settings),
    }
    done = subprocess.run(
        [sys.executable, "-c", START, *map(str, CAPITOLE)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _portal_communes() -> bytes:
    """The shared communes file with the properties named as another publisher might name them."""
    document = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    for feature in document["features"]:
        properties = feature["properties"]
        feature["properties"] = {"code_insee": properties["code"], "nom_commune": properties["nom"]}
    return json.dumps(document).encode()


@pytest.fixture
def portal(boundary_files):
    server = FeedServer()
    server.route("/communes/exports/geojson", Reply(body=_portal_communes()))
    server.route("/quartiers-de-democratie-locale/exports/geojson", Reply(body=QUARTIERS_FILE.read_bytes()))
    server.start()
    yield server
    server.stop()


def test_first_start_downloads_then_later_starts_read_the_cache_without_network(portal, tmp_path):
    cache = tmp_path / "cache"
    first = _start(cache, portal.url)
    assert first == {
        "problem": "",
        "communes": 37,
        "quartiers": 20,
        "commune": "Toulouse",
        "commune_code": "31555",
        "quartier": 1,
    }
    assert len(portal.hits) == 2
    assert sorted(path.suffix for path in cache.iterdir()) == [".geojson", ".geojson"]

    portal.stop()  # the portal is out of reach: the copies downloaded at the first start serve
    assert _start(cache, portal.url) == first


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(500, b"Internal Server Error"), "HTTP 500"),
        (Reply(body=b"\x00\x9f garbage \xff"), "JSON invalide"),
        (Reply(body=b"<html><body>Maintenance</body></html>", headers={"Content-Type": "text/html"}), "page HTML"),
        (Reply(body=b'{"results": []}'), "pas une FeatureCollection"),
        (
            Reply(
                body=b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": 1}, '
                b'"geometry": {"type": "Point", "coordinates": [1.44, 43.6]}}]}'
            ),
            "attendu code (code ou code_insee ou insee",
        ),
    ],
    ids=["http-500", "garbage", "html", "other-json", "unknown-properties"],
)
def test_a_failed_download_leaves_no_boundaries_a_reason_and_no_cache(portal, tmp_path, reply, reason):
    cache = tmp_path / "cache"
    portal.route("/communes/exports/geojson", reply)
    geography = configured_geography(load_settings(_environment(cache, portal.url)))
    assert geography.areas == {}
    assert f"{portal.url}/communes/exports/geojson : " in geography.problem
    assert reason in geography.problem
    assert not cache.exists() or list(cache.iterdir()) == []


def test_the_next_start_after_a_failed_download_tries_again(portal, tmp_path):
    cache = tmp_path / "cache"
    good = portal.routes["/communes/exports/geojson"]
    portal.route("/communes/exports/geojson", Reply(503, b"Service Unavailable"))
    assert "HTTP 503" in _start(cache, portal.url)["problem"]
    portal.routes["/communes/exports/geojson"] = good  # the portal is back
    assert _start(cache, portal.url)["communes"] == 37


def test_download_switched_off_makes_no_request_and_shows_no_boundaries(portal, tmp_path):
    settings = load_settings(_environment(tmp_path / "cache", portal.url, CITYOPS_BOUNDARIES_DOWNLOAD="false"))
    assert configured_boundaries(settings) == (None, "")
    assert portal.hits == []


def test_configured_paths_win_over_the_download(portal, tmp_path):
    environment = _environment(
        tmp_path / "cache",
        portal.url,
        CITYOPS_COMMUNES_PATH=str(COMMUNES_FILE),
        CITYOPS_QUARTIERS_PATH=str(QUARTIERS_FILE),
    )
    boundaries, problem = configured_boundaries(load_settings(environment))
    assert (problem, len(boundaries.communes), len(boundaries.quartiers)) == ("", 37, 20)
    assert portal.hits == []


def test_where_boundaries_come_from():
    official = load_settings({})
    assert official.boundaries_download is True
    assert boundary_locations(official) == (official.communes_url, official.quartiers_url)
    assert official.communes_url.startswith("https://data.toulouse-metropole.fr/api/explore/v2.1/")
    # An explicit communes file without quartiers keeps meaning "no quartiers".
    assert boundary_locations(load_settings({"CITYOPS_COMMUNES_PATH": "/srv/communes.geojson"})) == (
        "/srv/communes.geojson",
        None,
    )
    assert boundary_locations(load_settings({"CITYOPS_BOUNDARIES_DOWNLOAD": "false"})) == (None, None)
    with pytest.raises(ConfigError, match="CITYOPS_COMMUNES_URL"):
        load_settings({"CITYOPS_COMMUNES_URL": "/srv/communes.geojson"})
