"""Filters, tables and CSV exports on the managers' page, and its phone layout, in a real Chromium.

The app's data is frozen for the module (one fetch per layer, no refresh during the tests) so the map, the
KPI tiles, the table and the CSV can be compared number for number.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import open_page
from tests.live_app import FAST, LiveApp, sign_in

pytestmark = pytest.mark.browser

FROZEN = {**FAST, "CITYOPS_REFRESH_SECONDS": "3600", "CITYOPS_DEMO_SPEED": "1"}
KPI_READY_JS = "() => { const el = document.querySelector('#kpi-value-reports'); return el && el.textContent !== '—'; }"
# Reports per status, as each report trace's name says (the map counts them per cell until zoomed in).
REPORT_POINTS_JS = r"""() => {
    const plot = document.querySelector('#map .js-plotly-plot');
    const out = {};
    for (const t of plot.data) {
        if (!t.name || !t.name.startsWith('Signalements — ')) continue;
        out[t.name.split(' — ')[1].split(' (')[0]] = parseInt(t.name.split(' (').pop().replace(/\D/g, ''));
    }
    return out;
}"""
NOTE_COUNT = re.compile(r"^([\d\s\u202f\u00a0]+) lignes")


@pytest.fixture(scope="module")
def live_app():
    app = LiveApp(**FROZEN)
    app.start()
    yield app
    app.stop()


def _open(page, live_app, query: str = "") -> None:
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/" + query)
    page.wait_for_function(KPI_READY_JS, timeout=30000)
    page.wait_for_function(
        "() => { const p = document.querySelector('#map .js-plotly-plot');"
        " return p && p._fullData && p._fullData.some(t => t.name && t.name.startsWith('Signalements')"
        " && t.lon && t.lon.length > 0); }",
        timeout=30000,
    )


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _csv_rows(path) -> tuple[bytes, list[list[str]]]:
    data = path.read_bytes()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_status_filter_narrows_map_kpi_table_and_csv(page, live_app, tmp_path):
    _open(page, live_app)
    before = page.evaluate(REPORT_POINTS_JS)
    assert before["Nouveau"] > 0 and before["En cours"] > 0
    kpi_before = page.inner_text("#kpi-value-reports")

    page.click("#status-filter")
    page.get_by_role("dialog").get_by_role("option", name="Nouveau", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        f"() => {{ const n = ({REPORT_POINTS_JS})(); return n['En cours'] === 0 && n['Nouveau'] > 0; }}",
        timeout=20000,
    )
    after = page.evaluate(REPORT_POINTS_JS)
    new_count = after["Nouveau"]
    assert new_count == before["Nouveau"] and sum(after.values()) == new_count
    page.wait_for_function(
        "(kpi) => document.querySelector('#kpi-value-reports').textContent !== kpi", arg=kpi_before, timeout=20000
    )
    assert _digits(page.inner_text("#kpi-value-reports")) == new_count  # open reports that are new
    assert "0 en cours" in page.inner_text("#kpi-detail-reports")

    # The table follows the same filters.
    page.click("#table-layer")
    page.get_by_role("dialog").get_by_role("option", name="Signalements", exact=True).click()
    page.wait_for_function(
        "(n) => /lignes/.test(document.querySelector('#table-note').textContent)"
        " && document.querySelector('#table-region').getAttribute('aria-label').includes('Signalements')"
        " && document.querySelectorAll('#table .ag-cell[col-id=\"status\"]').length > 0",
        arg=new_count,
        timeout=20000,
    )
    assert _digits(NOTE_COUNT.match(page.inner_text("#table-note")).group(1)) == new_count
    statuses = page.eval_on_selector_all('#table .ag-cell[col-id="status"]', "cells => cells.map(c => c.textContent)")
    assert statuses and set(statuses) == {"Nouveau"}
    headers = page.inner_text("#table .ag-header")
    assert "Créé le (heure de Paris)" in headers and "reporter" not in headers.lower()
    assert "Lignes par page" in page.inner_text("#table")  # the grid's own words are French too

    # Server CSV: every filtered row, French spreadsheet format.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le CSV (filtres de la page)").click()
    data, table = _csv_rows(download.value.path())
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert download.value.suggested_filename.startswith("reports-")
    header, rows = table[0], table[1:]
    assert len(rows) == new_count
    assert {row[header.index("État")] for row in rows} == {"Nouveau"}
    assert "Créé le (heure de Paris)" in header and not {"Description", "description"} & set(header)

    # The grid's own export: its filtered and sorted rows, same separator.
    with page.expect_download() as grid_download:
        page.get_by_role("button", name="Exporter la vue du tableau (CSV)").click()
    _data, grid_table = _csv_rows(grid_download.value.path())
    assert len(grid_table) - 1 == new_count
    assert {row[grid_table[0].index("État")] for row in grid_table[1:]} == {"Nouveau"}
    assert page.errors == []


def test_category_and_window_filters_combine_and_can_be_reset(page, live_app):
    _open(page, live_app)
    whole = sum(page.evaluate(REPORT_POINTS_JS).values())
    page.wait_for_function("() => document.querySelector('#category-filter') !== null")
    page.click("#category-filter")
    first_category = page.get_by_role("dialog").get_by_role("option").first
    category = first_category.inner_text()
    first_category.click()
    page.keyboard.press("Escape")
    page.get_by_label("dernières 24 h").check()
    page.wait_for_function(
        f"(whole) => {{ const n = ({REPORT_POINTS_JS})(); const s = Object.values(n).reduce((a, b) => a + b, 0);"
        " return s > 0 && s < whole / 5; }",
        arg=whole,
        timeout=20000,
    )
    # The view can be shared as a link: the address bar follows the filters.
    page.wait_for_function(
        "() => location.search.includes('window=24h') && location.search.includes('category=')", timeout=10000
    )
    shared = page.url
    page.get_by_role("button", name="Tout afficher").click()
    page.wait_for_function(
        f"(whole) => Object.values(({REPORT_POINTS_JS})()).reduce((a, b) => a + b, 0) === whole",
        arg=whole,
        timeout=20000,
    )
    # Opening the shared link restores the filters.
    page.goto(shared)
    page.wait_for_function(KPI_READY_JS, timeout=30000)
    assert page.is_checked("text=dernières 24 h")
    assert category in page.inner_text("#category-filter")
    assert page.errors == []


def test_layer_switch_narrows_the_tiles_and_the_tables_too(page, live_app):
    _open(page, live_app)
    page.locator("#layer-toggle").get_by_label("Stationnement", exact=True).uncheck()
    page.wait_for_function("() => document.querySelector('#kpi-tile-parking').hidden === true", timeout=10000)
    assert page.is_visible("#kpi-tile-reports")
    # The table leaves the layer switched off for the next one still on.
    page.wait_for_function(
        "() => document.querySelector('#table-region').getAttribute('aria-label').includes('Énergie')", timeout=20000
    )
    page.click("#table-layer")
    assert page.get_by_role("dialog").get_by_role("option", name="Stationnement", exact=True).is_disabled()
    page.keyboard.press("Escape")
    assert page.errors == []


def test_unknown_filter_values_in_the_link_are_ignored_and_named(page, live_app):
    _open(page, live_app, "?status=lost,new&window=1y&commune=00000")
    message = page.inner_text("#filter-message")
    assert "« lost »" in message and "« 1y »" in message and "« 00000 »" in message
    assert "Nouveau" in page.inner_text("#status-filter")
    assert page.is_checked("text=depuis toujours")
    assert page.errors == []


def test_phone_layout_stacks_without_horizontal_scroll(browser, live_app):
    page = open_page(browser, width=390, height=844)
    try:
        _open(page, live_app)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        boxes = {
            name: page.locator(selector).bounding_box()
            for name, selector in {
                "map": ".map-panel",
                "kpis": ".kpis",
                "alarms": ".alarms-panel",
                "filters": ".filter-panel",
                "tables": ".tables",
            }.items()
        }
        order = sorted(boxes, key=lambda name: boxes[name]["y"])
        assert order == ["map", "kpis", "alarms", "filters", "tables"]
        for name, box in boxes.items():
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        for earlier, later in zip(order, order[1:], strict=False):
            assert boxes[earlier]["y"] + boxes[earlier]["height"] <= boxes[later]["y"] + 1
        # Touch-sized controls: buttons and choices at least 44 px high.
        heights = page.eval_on_selector_all(
            ".page.manager .button, .filter-window label, #table-layer",
            "els => els.map(e => e.getBoundingClientRect().height)",
        )
        assert heights and min(heights) >= 44
        # Nothing is cut off inside a block either (the alarms' table stacks its cells).
        assert page.evaluate(
            "() => { const p = document.querySelector('.alarms-panel'); return p.scrollWidth <= p.clientWidth; }"
        )
        # The map's own legend would cover the map: it gives way to the same symbols as text under the map.
        assert page.locator("#map g.legend").first.is_hidden()
        legend = page.locator(".phone-legend")
        assert legend.is_visible() and "VélôToulouse" in legend.inner_text()
        assert page.errors == []
    finally:
        page.context.close()
