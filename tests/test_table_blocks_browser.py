"""The managers' table with a few thousand reports in a real Chromium: rows come from the server block by block.

The server runs in this process on a real redis-server, without collectors. The test scrolls to the last row,
sorts and filters a column (the server answers each), reads the pager's numbers and the number cells in French,
and looks at every layer's column headers in French and English.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.settings import load_settings
from dashboard.store import Store
from dashboard.tables import columns
from tests.live_app import sign_in
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

MANAGER, PASSWORD = "camille.durand", "blocks-test-password"
REPORTS = 3456
CATEGORIES = ("Voirie", "Propreté", "Éclairage")
NNBSP = "\u202f"  # the narrow no-break space of French numbers (dashboard.i18n.number)
FIRST_IDS_JS = (
    "() => [...document.querySelectorAll('#table .ag-center-cols-container .ag-row')]"
    ".sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))"
    ".map(row => row.querySelector('[col-id=\"id\"]')).filter(Boolean).map(cell => cell.textContent)"
)
PAGER_JS = "() => document.querySelector('#table .ag-paging-row-summary-panel').textContent.trim()"


@pytest.fixture(scope="module")
def blocks_app(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    store = Store(client)
    now = datetime.now(UTC)
    # r0 is the newest report, each next one a minute older.
    records = tuple(
        ReportRecord(
            f"r{i}",
            CATEGORIES[i % 3],
            ReportStatus.NEW,
            1.4 + i * 0.00001,
            43.6,
            now - timedelta(minutes=i),
            now,
        )
        for i in range(REPORTS)
    )
    store.write_snapshot("reports", FetchResult(records, now), source="test", demo=False)
    settings = load_settings(
        {
            "CITYOPS_MANAGERS": f"{MANAGER}:{generate_password_hash(PASSWORD)}",
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
            "CITYOPS_POLL_SECONDS": "0.5",
        },
        redis_url=redis_server.url,
    )
    port = free_port()
    http = make_server("127.0.0.1", port, create_app(settings, store=store), threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", store, records
    http.shutdown()
    client.flushdb()
    client.close()


def _choose_layer(page, title: str) -> None:
    if title in (page.get_attribute("#table-region", "aria-label") or ""):
        return  # already shown (choosing it again would leave the list open)
    page.click("#table-layer")
    page.get_by_role("dialog").get_by_role("option", name=title, exact=True).click()
    page.wait_for_function(
        "(title) => document.querySelector('#table-region').getAttribute('aria-label').includes(title)",
        arg=title,
        timeout=30000,
    )


def _first_ids(page, expected: list[str]) -> None:
    page.wait_for_function(
        f"(ids) => JSON.stringify(({FIRST_IDS_JS})().slice(0, ids.length)) === JSON.stringify(ids)",
        arg=expected,
        timeout=30000,
    )


def test_every_row_is_reached_sorted_and_filtered_by_the_server(page, blocks_app):
    blocks_app, _store, _records = blocks_app
    sign_in(page, blocks_app, MANAGER, PASSWORD)
    page.goto(blocks_app + "/")
    _choose_layer(page, "Signalements")
    _first_ids(page, ["r0", "r1", "r2"])  # newest first
    assert page.inner_text("#table-note").startswith(f"3{NNBSP}456 lignes")
    # The pager's numbers are French too: "1 à 50 sur 3 456".
    page.wait_for_function(f"() => ({PAGER_JS})().includes('sur 3{NNBSP}456')", timeout=30000)
    assert "Exporter la vue du tableau" in page.inner_text(".tables")  # the note on what each export holds

    # The last page, scrolled to its end, shows the oldest report.
    page.get_by_role("button", name="Dernière page").click()
    page.wait_for_function(f"() => ({PAGER_JS})().startsWith('3{NNBSP}451 à 3{NNBSP}456')", timeout=30000)
    page.eval_on_selector("#table .ag-body-viewport", "viewport => { viewport.scrollTop = viewport.scrollHeight; }")
    last = page.locator(f'#table .ag-row[row-index="{REPORTS - 1}"] [col-id="id"]')
    last.wait_for(timeout=30000)
    assert last.inner_text() == f"r{REPORTS - 1}"
    # Number cells read as French numbers: a decimal comma.
    longitude = page.inner_text(f'#table .ag-row[row-index="{REPORTS - 1}"] [col-id="lon"]')
    assert longitude == f"{round(1.4 + (REPORTS - 1) * 0.00001, 6)}".replace(".", ",")

    # Sorting by id (as text) is done by the server over every row, not only the loaded ones.
    page.get_by_role("button", name="Première page").click()
    page.locator('#table .ag-header-cell[col-id="id"] .ag-header-cell-label').click()
    _first_ids(page, ["r0", "r1", "r10", "r100", "r1000"])
    page.locator('#table .ag-header-cell[col-id="id"] .ag-header-cell-label').click()
    _first_ids(page, ["r999", "r998", "r997"])

    # A column filter, as the grid's filter panel sets it: the server counts what passes.
    page.evaluate(
        "() => { const api = dash_ag_grid.getApi('table');"
        " api.setFilterModel({category: {filterType: 'text', type: 'equals', filter: 'éclairage'}});"
        " api.onFilterChanged(); }"
    )
    page.wait_for_function(f"() => ({PAGER_JS})().includes('sur 1{NNBSP}152')", timeout=30000)
    _first_ids(page, ["r998", "r995", "r992"])  # still sorted, every third report
    categories = page.eval_on_selector_all(
        '#table .ag-center-cols-container [col-id="category"]', "cells => cells.map(c => c.textContent)"
    )
    assert categories and set(categories) == {"Éclairage"}
    assert page.errors == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_layer_has_a_blank_column_header(page, blocks_app, lang):
    blocks_app, _store, _records = blocks_app
    sign_in(page, blocks_app, MANAGER, PASSWORD)
    page.goto(f"{blocks_app}/?lang={lang}")
    for layer in LAYERS.values():
        _choose_layer(page, layer.title(lang))
        expected = [col.header for col in columns(layer.record_type, lang)]
        page.wait_for_function(
            "(first) => { try { return dash_ag_grid.getApi('table').getColumns()[0].getColDef().headerName === first; }"
            " catch (notReady) { return false; } }",
            arg=expected[0],
            timeout=30000,
        )
        headers = page.evaluate(
            "() => { const api = dash_ag_grid.getApi('table');"
            " return api.getColumns().map(c => api.getDisplayNameForColumn(c, 'header')); }"
        )
        assert headers == expected and all(header.strip() for header in headers), (layer.name, headers)
        # Every header drawn on screen has its text (the grid draws the columns in view).
        drawn = page.eval_on_selector_all(
            "#table .ag-header-cell", "cells => cells.map(c => [c.getAttribute('col-id'), c.textContent.trim()])"
        )
        assert drawn and all(text for _col, text in drawn), (layer.name, drawn)
    assert page.errors == []


def test_a_new_version_refreshes_the_grid_where_it_stands(page, blocks_app):
    url, store, records = blocks_app
    sign_in(page, url, MANAGER, PASSWORD)
    page.goto(url + "/")
    _choose_layer(page, "Signalements")
    _first_ids(page, ["r0", "r1"])
    page.get_by_role("button", name="Page suivante").click()
    _first_ids(page, ["r50", "r51"])
    now = datetime.now(UTC)
    newest = tuple(
        ReportRecord(f"n{i}", "Voirie", ReportStatus.NEW, 1.5, 43.6, now + timedelta(minutes=i + 1), now)
        for i in range(10)
    )
    store.write_snapshot("reports", FetchResult(records + newest, now), source="test", demo=False)
    # The grid drops its blocks and asks again: the same page now starts ten reports later.
    page.wait_for_function(f"() => ({PAGER_JS})().includes('sur 3{NNBSP}466')", timeout=30000)
    _first_ids(page, ["r40", "r41"])
    assert page.inner_text("#table-note").startswith(f"3{NNBSP}466 lignes")
    assert page.errors == []
