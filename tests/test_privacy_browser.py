"""Personal report fields end to end: from an Open311 feed to the managers' details panel, and nowhere else.

A local GeoReport v2 server publishes a report whose every free-text, address, photo and reporter field holds
a canary string. The real collector writes it into a real redis-server; the dashboard then runs in this process.
The canaries must not appear in anything the public side answers (embed page, its layout and callbacks, the
public API, health, error pages) nor in the managers' table and CSV files; the description, notes, address,
agency and photo link must appear in the managers' details panel of that report. The reporter's name, e-mail
and phone are never kept at all.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.feed_server import FeedServer, json_reply
from tests.live_app import sign_in
from tests.map_page import LAYER_DRAWN_JS, zoom_to_points
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

MANAGER, PASSWORD = "camille.durand", "privacy-test-password"
CANARY_ID = "AT-CANARY-1"
SHOWN = {
    "description": "Canari-description : dépôt devant le 7 bis",
    "status_notes": "Canari-notes : rappeler la requérante",
    "address": "Canari-adresse, 7 bis rue du Taur",
    "agency_responsible": "Canari-service Propreté Centre",
    "media_url": "https://canari-photos.example.org/at-canary-1.jpg",
}
REPORTER = {
    "first_name": "Canari-prénom",
    "last_name": "Canari-nom",
    "email": "canari.requerante@example.org",
    "phone": "+33 6 11 22 33 44",
}
CANARIES = [*SHOWN.values(), *REPORTER.values()]
NOW = datetime.now(UTC).replace(microsecond=0)


def _request(rid: str, lon: float, lat: float, **extra: str) -> dict:
    """One request in GeoReport v2 fields."""
    when = (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return {
        "service_request_id": rid,
        "status": "open",
        "service_name": "Propreté",
        "service_code": "PR",
        "requested_datetime": when,
        "updated_datetime": when,
        "lat": lat,
        "long": lon,
        **extra,
    }


FEED = [
    _request(CANARY_ID, 1.4442, 43.6047, **SHOWN, **REPORTER),
    _request("AT-PLAIN-2", 1.4200, 43.5900),
]


def _config(path, feed_url: str) -> None:
    path.write_text(
        f"""
[[sources]]
name = "allo-toulouse-test"
format = "open311"
layer = "reports"
url = "{feed_url}/open311/v2"
lookback_days = 2
window_days = 2
""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def privacy_app(redis_server, tmp_path_factory):
    feeds = FeedServer()
    feeds.route("/open311/v2/requests.json", json_reply(FEED))
    feeds.start()
    config = tmp_path_factory.mktemp("privacy") / "cityops.toml"
    _config(config, feeds.url)
    settings = load_settings(
        {
            "CITYOPS_CONFIG": str(config),
            "CITYOPS_MANAGERS": f"{MANAGER}:{generate_password_hash(PASSWORD)}",
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
            "CITYOPS_POLL_SECONDS": "0.5",
            "CITYOPS_REFRESH_SECONDS": "3600",
        },
        redis_url=redis_server.url,
    )
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    store = Store(client)
    # The real collector, once: the feed's report goes through the adapter, validation and the store.
    runner = CollectorRunner(store, configured_sources(settings), settings)
    runner.start()
    deadline = time.monotonic() + 30
    while store.snapshot("reports") is None:
        assert time.monotonic() < deadline, f"no reports snapshot: {store.status('reports')}"
        time.sleep(0.1)
    runner.stop()
    port = free_port()
    http = make_server("127.0.0.1", port, create_app(settings, store=store), threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", client
    http.shutdown()
    feeds.stop()
    client.flushdb()
    client.close()


def _leaks(text: str, canaries: list[str] = CANARIES) -> list[str]:
    return [canary for canary in canaries if canary in text]


def _redis_dump(client: redis.Redis) -> dict[str, bytes]:
    """Every key's content as bytes (whatever its type), to search for a string anywhere in Redis."""
    out = {}
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            value = client.get(key)
        elif kind == b"hash":
            value = b"|".join(k + b"=" + v for k, v in client.hgetall(key).items())
        elif kind == b"list":
            value = b"|".join(client.lrange(key, 0, -1))
        elif kind == b"stream":
            value = repr(client.xrange(key)).encode()
        else:
            value = repr(client.dump(key)).encode()
        out[key.decode()] = value
    return out


def _record_responses(page) -> list[tuple[str, str]]:
    """(url, body) of every response the page receives from now on, text bodies only."""
    seen: list[tuple[str, str]] = []

    def keep(response) -> None:
        try:
            seen.append((response.url, response.body().decode("utf-8", "replace")))
        except Exception:  # noqa: BLE001 - redirects and aborted requests have no body to read
            seen.append((response.url, ""))

    page.on("response", keep)
    return seen


def test_the_collector_keeps_the_personal_fields_apart_and_never_the_reporter(privacy_app):
    _base, client = privacy_app
    dump = _redis_dump(client)
    assert [
        key for key, value in dump.items() if _leaks(value.decode("utf-8", "replace"), list(REPORTER.values()))
    ] == []
    holders = {key for key, value in dump.items() if _leaks(value.decode("utf-8", "replace"), list(SHOWN.values()))}
    assert holders == {"cityops:{reports}:personal"}
    assert client.hkeys("cityops:{reports}:personal") == [CANARY_ID.encode()]


def test_no_public_answer_carries_a_canary(privacy_app, page):
    base, _client = privacy_app
    public = ["/embed/reports", "/embed/reports?lang=en", "/api/v1/public/versions", "/healthz", "/nowhere"]
    public += ["/api/v1/public/layers/reports", "/api/v1/public/layers/nowhere", "/embed/nowhere"]
    for path in public:
        response = httpx.get(base + path, timeout=10, follow_redirects=True)
        assert response.status_code < 500, path
        assert _leaks(response.text) == [], path
    layer_file = httpx.get(base + "/api/v1/public/layers/reports", timeout=10, follow_redirects=True)
    assert layer_file.json()["features"]  # the report is there, counted in its cell

    seen = _record_responses(page)
    page.goto(base + "/embed/reports")
    page.wait_for_function(
        "() => { const p = document.querySelector('#map .js-plotly-plot'); return p && p.data && p.data.length; }",
        timeout=30000,
    )
    page.wait_for_timeout(1500)  # a few polls
    urls = [url for url, _body in seen]
    assert any("_dash-layout" in url for url in urls) and any("/api/v1/public/layers/reports/" in url for url in urls)
    assert not any("_dash-update-component" in url for url in urls)  # the embed reads the public files itself
    assert [(url, _leaks(body)) for url, body in seen if _leaks(body)] == []


def test_managers_table_and_csv_leave_them_out_and_the_details_panel_shows_them(privacy_app, page):
    base, _client = privacy_app
    sign_in(page, base, MANAGER, PASSWORD)
    seen = _record_responses(page)
    page.goto(base + "/")
    page.click("#table-layer")
    page.get_by_role("dialog").get_by_role("option", name="Signalements", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#table .ag-row').length === 2", timeout=30000)
    assert CANARY_ID in page.inner_text("#table")
    for role, name in (
        ("link", "Télécharger le CSV (filtres de la page)"),
        ("button", "Exporter la vue du tableau (CSV)"),
    ):
        with page.expect_download() as download:
            page.get_by_role(role, name=name).click()
        text = download.value.path().read_bytes().decode("utf-8-sig")
        assert CANARY_ID in text and _leaks(text) == [], name
    assert [(url, _leaks(body)) for url, body in seen if _leaks(body)] == []

    # The details panel of the canary report: what a manager handling it needs, never the reporter.
    page.wait_for_function(LAYER_DRAWN_JS, arg="Signalements", timeout=30000)
    canary = FEED[0]["long"], FEED[0]["lat"]
    zoom_to_points(page, *canary)  # the reports are counted per cell until the map is zoomed in
    point = page.evaluate(POINT_OF_JS, list(canary))
    page.mouse.move(point["x"] - 6, point["y"] - 6)
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    panel = page.locator("#details")
    expect(panel).to_be_visible(timeout=15000)
    expect(page.locator("#details-subtitle")).to_contain_text(CANARY_ID)
    facts = panel.locator(".details-facts")
    for label, key in (
        ("Description", "description"),
        ("Notes de traitement", "status_notes"),
        ("Adresse", "address"),
        ("Service responsable", "agency_responsible"),
    ):
        expect(facts).to_contain_text(label)
        expect(facts).to_contain_text(SHOWN[key])
    link = facts.get_by_role("link", name="Voir la photo (nouvel onglet)")
    assert link.get_attribute("href") == SHOWN["media_url"]
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener noreferrer")
    assert _leaks(panel.inner_html(), list(REPORTER.values())) == []
    assert page.errors == []


# Where on screen a place is (a report's point carries no id to the browser: the server finds it from the click).
POINT_OF_JS = """([lon, lat]) => {
    const map = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;
    const box = map.getCanvas().getBoundingClientRect();
    const at = map.project([lon, lat]);
    return {x: box.left + at.x, y: box.top + at.y};
}"""
