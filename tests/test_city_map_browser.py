"""The reports on the managers' map in a real Chromium: counted per cell, closed ones off until one click, points
when zoomed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.live_app import FAST, LiveApp, sign_in
from tests.map_page import LAYER_DRAWN_JS, zoom_to_points

pytestmark = pytest.mark.browser

# [name, visible, markers] of each reports trace as drawn (decoded typed arrays in gd._fullData).
REPORTS_JS = """() => document.querySelector('#map .js-plotly-plot')._fullData
    .filter(t => t.name && t.name.startsWith('Signalements —'))
    .map(t => [t.name, t.visible, t.lon ? t.lon.length : 0, !!t.marker && typeof t.marker.size === 'number'])"""
SETTLED_SHOWN_JS = """() => document.querySelector('#map .js-plotly-plot')._fullData
    .filter(t => t.name && (t.name.startsWith('Signalements — Clos') || t.name.startsWith('Signalements — Résolu')))
    .every(t => t.visible === true && t.lon && t.lon.length > 0)"""


@pytest.fixture(scope="module")
def live_app():
    app = LiveApp(**FAST)
    app.start()
    yield app
    app.stop()


def test_closed_reports_are_off_until_one_click_and_zooming_in_shows_points(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    page.wait_for_function(LAYER_DRAWN_JS, arg="Signalements", timeout=30000)
    traces = page.evaluate(REPORTS_JS)
    assert [name.split(" (")[0] for name, *_ in traces] == [
        "Signalements — Clos",
        "Signalements — Résolu",
        "Signalements — En cours",
        "Signalements — Pris en compte",
        "Signalements — Nouveau",
    ]  # drawn in this order: the new ones on top
    closed, resolved, *open_ones = traces
    assert closed[1] is not True and closed[2] == 0 and resolved[1] is not True and resolved[2] == 0
    assert any(markers for _name, visible, markers, _one_size in open_ones if visible is True)
    assert not any(one_size for *_rest, one_size in open_ones)  # counted per cell: a size per disc

    box = page.get_by_label("Afficher aussi les signalements résolus et clos")
    box.check()
    page.wait_for_function(SETTLED_SHOWN_JS, timeout=20000)
    box.uncheck()
    page.wait_for_function(f"() => !({SETTLED_SHOWN_JS})()", timeout=20000)

    zoom_to_points(page)
    points = page.evaluate(REPORTS_JS)
    assert any(one_size and markers for _name, visible, markers, one_size in points if visible is True)
    assert page.errors == []


def test_the_english_page_names_the_check_box(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/?lang=en")
    expect(page.get_by_label("Also show resolved and closed reports")).not_to_be_checked(timeout=30000)
