"""The public embed in a real Chromium: shown in an iframe on an allowed site, refused on any other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import open_page
from tests.live_app import FAST, LiveApp
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

PARENT_PORT = free_port()
ALLOWED = f"http://127.0.0.1:{PARENT_PORT}"
# Same server, another host name: another origin, not in the allowlist.
NOT_ALLOWED = f"http://localhost:{PARENT_PORT}"

READY_JS = """() => {
    const plot = document.querySelector('#map .js-plotly-plot');
    const line = document.querySelector('#embed-freshness');
    return plot && plot.data && plot.data.some(t => (t.lon || t.locations || []).length > 0)
        && line.textContent !== '…';
}"""
# The reports' cells on the map: id (column_row_commune) and open count of each.
CELLS_JS = """() => {
    const cells = document.querySelector('#map .js-plotly-plot').data.find(t => t.type === 'choroplethmap' && t.z);
    return cells ? {ids: cells.locations, open: cells.z} : null;
}"""
FITS_JS = """() => ({scrollH: document.documentElement.scrollHeight, h: innerHeight,
    map: document.querySelector('#map').getBoundingClientRect().height})"""


@pytest.fixture(scope="module")
def embed_app() -> Iterator[LiveApp]:
    app = LiveApp(**FAST, CITYOPS_EMBED_FRAME_ANCESTORS=f"'self' {ALLOWED}")
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def host_site(embed_app: LiveApp) -> Iterator[str]:
    """A page on another origin that frames the embed at 300×250; the embed's path and query come from its own."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                f'<!doctype html><title>site</title><iframe id="embed" src="{embed_app.url}/embed{self.path}"'
                ' width="300" height="250" style="border:0"></iframe>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PARENT_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ALLOWED
    server.shutdown()
    server.server_close()


def _embed_frame(page):
    return next(frame for frame in page.frames if "/embed/" in frame.url)


@pytest.mark.parametrize(
    ("query", "title", "legend"),
    [("?lang=en", "Citizen reports", "Open reports per 500 m"), ("", "Signalements", "Signalements ouverts par carré")],
)
def test_embed_lives_in_an_iframe_on_an_allowed_site(browser, host_site, query, title, legend):
    page = open_page(browser, 800, 600)
    try:
        page.goto(f"{host_site}/reports{query}")
        page.wait_for_selector("#embed")
        frame = _embed_frame(page)
        frame.wait_for_function(READY_JS, timeout=45000)
        assert frame.inner_text("h1") == title
        assert legend in frame.inner_text(".embed-legend")
        layout = frame.evaluate(FITS_JS)
        assert layout["scrollH"] <= layout["h"] + 1 and layout["map"] >= 120, layout
        traces = frame.evaluate("() => document.querySelector('#map .js-plotly-plot').data.length")
        assert traces == 2  # the area-shading slot and the reports' cells
        refused = [e for e in page.errors if "Content Security Policy" in e or "Refused" in e]
        assert refused == [], refused
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("query", "title", "legend"),
    [("", "VélôToulouse", "vide (aucun vélo)"), ("?lang=en", "VélôToulouse bike share", "empty (no bike)")],
)
def test_bike_stations_embed(browser, embed_app, query, title, legend):
    page = open_page(browser, 400, 320)
    try:
        page.goto(f"{embed_app.url}/embed/bikes{query}")
        page.wait_for_function(READY_JS, timeout=45000)
        assert page.inner_text("h1") == title
        assert legend in page.inner_text(".embed-legend")
        counts = page.evaluate(
            "() => document.querySelector('#map .js-plotly-plot').data.map(t => t.lon ? t.lon.length : 0)"
        )
        assert len(counts) == 5 and sum(counts) >= 50  # the area-shading slot and the four station states
        assert legend in page.evaluate("() => document.querySelector('#map .js-plotly-plot').data.map(t => t.name)")
        assert page.errors == []
    finally:
        page.context.close()


def test_embed_is_refused_on_another_site(browser, host_site):
    page = open_page(browser, 800, 600)
    try:
        page.goto(f"{NOT_ALLOWED}/reports")
        page.wait_for_selector("#embed")
        page.wait_for_timeout(2000)
        assert any("frame-ancestors" in e for e in page.errors), page.errors
        for frame in page.frames:
            if frame is not page.main_frame:
                assert frame.evaluate("() => document.querySelector('.page.embed') === null")
    finally:
        page.context.close()


def _record_requests(page) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    page.on("request", lambda request: seen.append((request.method, request.url)))
    return seen


@pytest.mark.parametrize("query", ["?lang=en", ""])
def test_embed_reads_versioned_files_with_plain_gets_and_never_posts_after_load(browser, embed_app, query):
    page = open_page(browser, 400, 300)
    try:
        requests = _record_requests(page)
        page.goto(f"{embed_app.url}/embed/reports{query}")
        page.wait_for_function(READY_JS, timeout=45000)
        loaded = len(requests)
        first = page.evaluate(CELLS_JS)
        assert first["ids"] and all(count >= 0 for count in first["open"])

        # The demo writes a new version every second: the map follows it through the versions document.
        def files_since_load() -> set[str]:
            return {url for _m, url in requests[loaded:] if "/api/v1/public/layers/reports/" in url}

        for _ in range(80):
            if len(files_since_load()) >= 2:
                break
            page.wait_for_timeout(500)
        assert len(files_since_load()) >= 2, requests[-10:]
        assert all(url.endswith(".geojson") for url in files_since_load())
        after_load = requests[loaded:]
        assert [r for r in after_load if r[0] != "GET"] == []
        assert not any("_dash-update-component" in url for _m, url in after_load)
        assert any("/api/v1/public/versions" in url for _m, url in after_load)
        assert page.evaluate(CELLS_JS)["ids"]
        line = page.inner_text("#embed-freshness")
        assert ("updated" in line) if query else ("mis à jour" in line), line
        assert page.context.cookies() == []
        assert [e for e in page.errors if "Refused to" in e or "Content Security Policy" in e] == []
        assert page.errors == []
    finally:
        page.context.close()


def test_embed_commune_filter_keeps_that_communes_cells_only(browser, embed_app):
    page = open_page(browser, 400, 300)
    try:
        page.goto(f"{embed_app.url}/embed/reports?commune=31555")
        page.wait_for_function(READY_JS, timeout=45000)
        cells = page.evaluate(CELLS_JS)
        assert cells["ids"] and all(cell.endswith("_31555") for cell in cells["ids"]), cells["ids"][:5]
        assert page.errors == []
    finally:
        page.context.close()
