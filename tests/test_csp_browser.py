"""The managers' page and the wall under their real CSP in Chromium: maps, grid and callbacks work, nothing refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.http_errors import MAX_BODY_BYTES
from tests.conftest import open_page
from tests.live_app import FAST, LiveApp, sign_in

pytestmark = pytest.mark.browser

TOKEN = "wall-display-token-1"
MAP_DRAWN_JS = """() => {
    const plot = document.querySelector('#map .js-plotly-plot');
    // As drawn: coordinates travel as typed-array specs that plotly decodes into _fullData.
    return plot && plot._fullData && plot._fullData.some(t => t.lon && t.lon.length > 0)
        && document.querySelector('#map canvas') !== null;
}"""
GRID_FILLED_JS = "() => document.querySelectorAll('#table .ag-row').length > 0"


@pytest.fixture(scope="module")
def live() -> Iterator[LiveApp]:
    app = LiveApp(**FAST, CITYOPS_WALL_TOKEN=TOKEN)
    app.start()
    yield app
    app.stop()


def _watch_bodies(page) -> list[int]:
    sizes: list[int] = []
    page.on("request", lambda r: sizes.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None)
    return sizes


def _refused(page) -> list[str]:
    return [e for e in page.errors if "Content Security Policy" in e or "Refused" in e]


def test_managers_page_works_under_its_csp(browser, live):
    page = open_page(browser)
    try:
        sizes = _watch_bodies(page)
        sign_in(page, live.url)
        page.goto(f"{live.url}/?lang=en")
        page.wait_for_function(MAP_DRAWN_JS, timeout=45000)
        page.wait_for_function(GRID_FILLED_JS, timeout=30000)
        page.click("#status-filter")  # a filter: the largest callback bodies carry the view and the filters
        page.get_by_role("dialog").get_by_role("option", name="New", exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(3000)  # a few polls with the filter set
        page.wait_for_function(GRID_FILLED_JS, timeout=30000)
        csp = page.context.request.get(f"{live.url}/").headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp and "worker-src 'self' blob:" in csp
        assert _refused(page) == [], _refused(page)
        assert sizes and max(sizes) * 8 < MAX_BODY_BYTES, max(sizes)  # the body limit leaves a wide margin
    finally:
        page.context.close()


def test_wall_works_under_its_csp(browser, live):
    page = open_page(browser, 1920, 1080)
    try:
        sizes = _watch_bodies(page)
        page.goto(f"{live.url}/wall/?token={TOKEN}")
        page.wait_for_function(MAP_DRAWN_JS, timeout=45000)
        page.wait_for_function("() => document.querySelector('#clock').textContent.trim() !== ''", timeout=10000)
        page.wait_for_timeout(2000)
        assert _refused(page) == [], _refused(page)
        assert sizes and max(sizes) * 8 < MAX_BODY_BYTES, max(sizes)
    finally:
        page.context.close()
