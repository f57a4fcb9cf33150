"""The operations wall in a real Chromium: fills 1080p and 4K legibly, lives, and rides out a server restart."""

from __future__ import annotations

import pytest

from tests.conftest import open_page
from tests.live_app import FAST, LiveApp
from tests.shared_data import boundary_settings

pytestmark = pytest.mark.browser

TOKEN = "wall-test-token-42"
WALL_SETTINGS = {**FAST, "CITYOPS_WALL_TOKEN": TOKEN, "CITYOPS_WALL_CYCLE_SECONDS": "3"}

READY_JS = """() => {
    const kpi = document.querySelector('#kpi-value-parking');
    const plot = document.querySelector('#map .js-plotly-plot');
    return kpi && kpi.textContent !== '—' && plot && plot._fullData
        && plot._fullData.some(t => t.lon && t.lon.length > 0);
}"""
# Markers as drawn (gd._fullData holds the typed arrays decoded); the reports are discs counting them per cell.
MAP_POINTS_JS = "() => document.querySelector('#map .js-plotly-plot')._fullData.map(t => t.lon ? t.lon.length : 0)"
# The smallest font among elements that show text of their own, and the page's scroll extent.
LEGIBILITY_JS = """() => {
    let smallest = Infinity;
    for (const el of document.querySelectorAll('.page.wall *')) {
        const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!ownText || el.offsetParent === null) continue;
        smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize));
    }
    const root = document.documentElement;
    const footer = document.querySelector('.wall-bottom').getBoundingClientRect();
    return {smallest, scrollW: root.scrollWidth, scrollH: root.scrollHeight, w: innerWidth, h: innerHeight,
            footerBottom: footer.bottom};
}"""


@pytest.fixture(scope="module")
def wall_app():
    app = LiveApp(**WALL_SETTINGS)
    app.start()
    yield app
    app.stop()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_wall_fills_the_screen_legibly_and_lives(browser, wall_app, width, height):
    page = open_page(browser, width, height)
    try:
        page.goto(f"{wall_app.url}/wall/?token={TOKEN}")
        page.wait_for_function(READY_JS, timeout=30000)
        page.wait_for_timeout(1000)
        layout = page.evaluate(LEGIBILITY_JS)
        assert layout["scrollW"] <= layout["w"] and layout["scrollH"] <= layout["h"], layout
        assert layout["footerBottom"] <= layout["h"], layout
        # No tiny text: the smallest text scales with the screen (about 15 px on 1080p, 30 px on 4K).
        assert layout["smallest"] >= height / 80, layout

        first_title = page.inner_text("#highlight-title")
        before = {k: page.text_content(f"#kpi-value-{k}") for k in ("parking", "reports", "energy")}
        page.wait_for_function(
            "(before) => Object.keys(before)"
            ".some(k => document.querySelector('#kpi-value-' + k).textContent !== before[k])",
            arg=before,
            timeout=20000,
        )
        page.wait_for_function(
            "(first) => document.querySelector('#highlight-title').textContent !== first",
            arg=first_title,
            timeout=10000,
        )
        assert page.inner_text("#clock").count(":") == 1
        assert page.errors == []
    finally:
        page.context.close()


def test_wall_in_english(browser, wall_app):
    page = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{wall_app.url}/wall/?token={TOKEN}&lang=en")
        page.wait_for_function(READY_JS, timeout=30000)
        assert "operations centre" in page.inner_text("h1")
        assert "Free spaces" in page.text_content(".kpis")
        # What the ticker says when nothing is wrong (the demo may well raise a threshold alarm meanwhile).
        assert page.get_attribute("#ticker", "data-empty") == "No active alarm"
        if boundary_settings():  # the communes and quartiers drawn on the dark map, no tiles needed
            lines = page.evaluate(
                "() => document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map"
                ".getStyle().layers.filter(l => l.id.startsWith('plotly-layout-layer') && l.type === 'line').length"
            )
            assert lines == 2
    finally:
        page.context.close()


def test_wall_shows_the_bike_stations_tile_badge_and_highlight_with_its_trend(browser, wall_app):
    page = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{wall_app.url}/wall/?token={TOKEN}")
        page.wait_for_function(READY_JS, timeout=30000)
        assert page.inner_text("#badge-text-bikes") != ""
        assert "VélôToulouse" in page.inner_text(".wall-bottom .badges")
        page.wait_for_function("() => document.querySelector('#kpi-value-bikes').textContent !== '—'", timeout=20000)
        assert "Vélos disponibles" in page.text_content(".kpis")
        assert "VélôToulouse" in page.text_content(".legend") and "vide (aucun vélo)" in page.text_content(".legend")
        # Five layers at 3 s each: the bikes' turn comes within one cycle.
        page.wait_for_function(
            "() => document.querySelector('#highlight-title').textContent === 'VélôToulouse'", timeout=30000
        )
        # Marked with the layer's own colour (Layer.colour, #0072b2).
        border = page.evaluate("() => getComputedStyle(document.querySelector('#highlight')).borderTopColor")
        assert border == "rgb(0, 114, 178)"
        assert page.inner_text("#highlight-value").replace("\u202f", "").isdigit()
        page.wait_for_function(
            "() => document.querySelector('#trend-range').textContent.startsWith('min ')", timeout=15000
        )
        points = page.evaluate("() => document.querySelector('#trend .js-plotly-plot').data[0].y.length")
        assert points >= 2  # a trend drawn from the layer's history
        assert page.errors == []
    finally:
        page.context.close()


def test_wall_rides_out_a_server_restart_without_reloading(browser):
    app = LiveApp(**WALL_SETTINGS)
    app.start()
    page = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{app.url}/wall/?token={TOKEN}")
        page.wait_for_function(READY_JS, timeout=30000)
        page.evaluate("() => { window.sameDocument = true; }")
        app.stop()
        page.wait_for_selector("#connection-lost:not([hidden])", timeout=15000)
        assert "Connexion perdue depuis" in page.inner_text("#connection-lost")
        points = page.evaluate(MAP_POINTS_JS)
        page.wait_for_timeout(2000)
        assert page.evaluate(MAP_POINTS_JS) == points and sum(points) > 100  # the last data stays on screen

        app.start()
        page.wait_for_selector("#connection-lost", state="hidden", timeout=20000)
        updated = page.inner_text("#updated")
        page.wait_for_function(
            "(before) => document.querySelector('#updated').textContent !== before", arg=updated, timeout=20000
        )
        assert page.evaluate("() => window.sameDocument") is True  # recovered in place, no reload
    finally:
        page.context.close()
        app.stop()
