"""The details panel in a real Chromium: click a car park or a report on the map and read its panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboard.layers import LAYERS
from tests.conftest import open_page
from tests.live_app import FAST, LiveApp, sign_in
from tests.map_page import LAYER_DRAWN_JS, zoom_to_points

pytestmark = pytest.mark.browser

# Where on screen the most isolated point of a layer's visible traces is (so the click cannot hit a neighbour),
# with its record id and hover text.
POINT_JS = """(prefix) => {
    const gd = document.querySelector('#map .js-plotly-plot');
    const map = gd._fullLayout.map._subplot.map;
    const box = map.getCanvas().getBoundingClientRect();
    const legend = gd.querySelector('.legend');
    const under = legend ? legend.getBoundingClientRect() : null;  // a click there toggles a trace instead
    const points = [];
    gd._fullData.forEach(t => {
        if (!t.name.startsWith(prefix) || t.visible !== true || !t.lon) return;
        for (let i = 0; i < t.lon.length; i++) {
            const at = map.project([t.lon[i], t.lat[i]]);
            if (at.x < 20 || at.y < 20 || at.x > box.width - 20 || at.y > box.height - 20) continue;
            if (box.top + at.y < 20 || box.top + at.y > window.innerHeight - 20) continue;  // off screen
            if (under && box.left + at.x > under.left - 10 && box.left + at.x < under.right + 10
                && box.top + at.y > under.top - 10 && box.top + at.y < under.bottom + 10) continue;
            const custom = t.customdata ? t.customdata[i] : null;
            points.push({x: at.x, y: at.y, id: Array.isArray(custom) ? custom[0] : custom,
                         text: t.hovertext ? t.hovertext[i] : ''});
        }
    });
    if (!points.length) return null;  // being redrawn
    let best = null, bestGap = -1;
    for (const p of points) {
        let gap = Infinity;
        for (const q of points) if (q !== p) gap = Math.min(gap, Math.hypot(p.x - q.x, p.y - q.y));
        if (gap > bestGap) { best = p; bestGap = gap; }
    }
    return {...best, x: box.left + best.x, y: box.top + best.y};
}"""


@pytest.fixture(scope="module")
def live_app():
    app = LiveApp(**FAST)
    app.start()
    yield app
    app.stop()


FRENCH_LAYERS = tuple(layer.title("fr") for layer in LAYERS.values())
ENGLISH_LAYERS = tuple(layer.title("en") for layer in LAYERS.values())


def _only(page, layer: str, labels: tuple[str, ...] = FRENCH_LAYERS) -> None:
    """Leave only `layer` switched on, so the click cannot land on another layer's marker."""
    for label in labels:
        box = page.locator("#layer-toggle").get_by_label(label, exact=True)
        box.check() if label == layer else box.uncheck()
    page.wait_for_function(LAYER_DRAWN_JS, arg=layer, timeout=20000)
    page.wait_for_function(
        "(layer) => document.querySelector('#map .js-plotly-plot').data"
        ".filter(t => t.name && !t.name.startsWith(layer) && t.lon).every(t => t.visible === false)",
        arg=layer,
        timeout=10000,
    )


def _click_isolated_point(page, layer: str) -> dict:
    """Click a point as a person would: hover it, click it, and click again if a live map update swallowed the click."""
    page.locator("#map").scroll_into_view_if_needed()
    for _attempt in range(5):
        point = page.evaluate(POINT_JS, layer)
        if point is None:
            page.wait_for_timeout(500)
            continue
        page.mouse.move(point["x"] - 6, point["y"] - 6)
        page.mouse.move(point["x"], point["y"])
        page.mouse.click(point["x"], point["y"])
        try:
            page.wait_for_function("() => !document.querySelector('#details').hidden", timeout=3000)
            return point
        except PlaywrightTimeoutError:
            continue  # the map was redrawn between the hover and the click (every second in these tests)
    raise AssertionError(f"no panel opened after clicking {point}")


def _open(page, base_url: str, path: str = "/", parking: str = "Stationnement") -> None:
    sign_in(page, base_url)
    page.goto(base_url + path)
    page.wait_for_function(LAYER_DRAWN_JS, arg=parking, timeout=30000)


def test_clicking_a_car_park_opens_its_panel_with_a_chart_and_closing_it_with_the_keyboard(page, live_app):
    _open(page, live_app.url)
    page.wait_for_timeout(3000)  # a few versions of history for the chart
    _only(page, "Stationnement")
    point = _click_isolated_point(page, "Stationnement")
    name = point["text"].split("<br>")[0]

    panel = page.get_by_role("region", name=name)
    expect(panel).to_be_visible(timeout=15000)
    expect(page.locator("#details-title")).to_have_text(name)
    expect(panel.locator(".js-plotly-plot")).to_have_count(1, timeout=10000)
    lines = page.evaluate(
        "() => document.querySelector('#details .js-plotly-plot').data"
        ".filter(t => t.name === 'Places occupées').map(t => t.y.length)"
    )
    assert len(lines) == 2 and lines[0] >= 1  # the last 24 h and the last 7 days
    expect(panel).to_contain_text("Capacité")
    expect(panel).to_contain_text("heure de Paris")
    # The heading takes the focus, so the keyboard is in the panel; Escape closes it.
    expect(page.locator("#details-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Fermer les détails")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#details")).to_be_hidden(timeout=15000)  # two server round trips
    assert page.errors == []


def test_clicking_a_report_shows_its_status_timeline(page, live_app):
    _open(page, live_app.url)
    _only(page, "Signalements")
    zoom_to_points(page)
    _click_isolated_point(page, "Signalements")
    expect(page.locator("#details")).to_be_visible(timeout=15000)
    expect(page.locator("#details-title")).to_contain_text("Signalement :")
    expect(page.locator("#details")).to_contain_text("Historique des statuts")
    entries = page.locator("#details .details-timeline li")
    expect(entries.first).to_contain_text("(CET)" if "CET" in page.inner_text("header") else "(CEST)")
    expect(page.locator("#details")).to_contain_text("Créé le")
    page.get_by_role("button", name="Fermer les détails").click()
    expect(page.locator("#details")).to_be_hidden(timeout=15000)  # two server round trips
    _click_isolated_point(page, "Signalements")  # the same point again opens it again
    expect(page.locator("#details-title")).to_contain_text("Signalement :")
    assert page.errors == []


def test_on_a_phone_the_panel_stacks_under_the_map_in_english(browser, live_app, tmp_path):
    page = open_page(browser, width=390, height=844)
    try:
        _open(page, live_app.url, "/?lang=en", parking="Parking")
        _only(page, "Parking", ENGLISH_LAYERS)
        _click_isolated_point(page, "Parking")
        expect(page.locator("#details")).to_be_visible(timeout=15000)
        expect(page.locator("#details")).to_contain_text("Capacity")
        map_box = page.locator(".map-panel").bounding_box()
        panel_box = page.locator("#details").bounding_box()
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1
        assert panel_box["width"] <= 390
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        assert page.errors == []
    finally:
        page.context.close()
