"""The table's blocks for the grid's infinite row model, against a real Redis: sort, column filters, slices, the
page's filters and a new version, each ordering made once per process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_caching import Cache

from dashboard.filters import Filters
from dashboard.layers import LAYERS
from dashboard.models import PERSONAL_FIELDS, FetchResult, ParkingRecord, ReportRecord, ReportStatus
from dashboard.snapshots import SnapshotReader
from dashboard.table_blocks import MAX_BLOCK_ROWS, grid_query
from dashboard.tables import columns
from dashboard.view_cache import TABLE_ORDERINGS_KEPT, FigureCache
from layouts.tables import column_defs, grid_words

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STATUSES = list(ReportStatus)
CATEGORIES = ["Voirie", "Propreté", "Éclairage"]


def _reports(count: int) -> list[ReportRecord]:
    """`count` reports, r0 the newest, each hour older than the last, statuses and categories in turn."""
    return [
        ReportRecord(
            f"r{i}",
            CATEGORIES[i % 3],
            STATUSES[i % len(STATUSES)],
            1.40 + i * 0.0001,
            43.6,
            NOW - timedelta(hours=i),
            NOW - timedelta(hours=i),
            commune_code="31555" if i % 2 else "31069",
            commune="Toulouse" if i % 2 else "Blagnac",
        )
        for i in range(count)
    ]


def _write(store, layer: str, records) -> int:
    result = FetchResult(records=tuple(records), fetched_at=NOW)
    return store.write_snapshot(layer, result, source="t", demo=False, summary=LAYERS[layer].summarise(records))


@pytest.fixture
def figures(store):
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    with app.app_context():
        yield FigureCache(SnapshotReader(store), cache)


def _ask(figures, version, start=0, end=100, sort=(), filters=None, page=None, lang="en", layer="reports"):
    request = {"startRow": start, "endRow": end, "sortModel": list(sort), "filterModel": filters or {}}
    return figures.table_block(layer, version, lang, page or Filters(), request)


def test_blocks_slice_the_newest_first_order_and_give_the_whole_count(store, figures):
    version = _write(store, "reports", _reports(1234))
    first = _ask(figures, version, 0, 100)
    assert first["rowCount"] == 1234
    assert [row["id"] for row in first["rowData"]] == [f"r{i}" for i in range(100)]
    last = _ask(figures, version, 1200, 1300)
    assert [row["id"] for row in last["rowData"]] == [f"r{i}" for i in range(1200, 1234)]
    assert _ask(figures, version, 5000, 5100) == {"rowData": [], "rowCount": 1234}
    assert figures.table_orderings.builds == 1  # the next blocks were sliced from the same ordering


def test_rows_are_in_words_in_the_page_language_and_never_personal(store, figures):
    version = _write(store, "reports", _reports(10))
    row = _ask(figures, version, 0, 1, lang="fr")["rowData"][0]
    assert row["status"] == "Nouveau" and row["created_at"] == "2026-11-25 13:00"  # Paris time
    assert set(row) == {col.field for col in columns(ReportRecord, "fr")}
    assert not set(row) & PERSONAL_FIELDS


def test_a_request_for_more_than_a_block_is_cut(store, figures):
    version = _write(store, "reports", _reports(MAX_BLOCK_ROWS + 50))
    assert len(_ask(figures, version, 0, 10**9)["rowData"]) == MAX_BLOCK_ROWS
    assert _ask(figures, version, 30, 10)["rowData"] == []


def test_sorting_by_a_column_and_by_two(store, figures):
    version = _write(store, "reports", _reports(300))
    by_id = _ask(figures, version, 0, 3, sort=[{"colId": "id", "sort": "asc"}])["rowData"]
    assert [row["id"] for row in by_id] == ["r0", "r1", "r10"]  # text sorts as text
    oldest = _ask(figures, version, 0, 1, sort=[{"colId": "created_at", "sort": "asc"}])["rowData"]
    assert oldest[0]["id"] == "r299"
    # Statuses sort by their words in the page's language: "Acknowledged" first in English.
    two = [{"colId": "status", "sort": "asc"}, {"colId": "lon", "sort": "desc"}]
    rows = _ask(figures, version, 0, 300, sort=two)["rowData"]
    words = [row["status"] for row in rows]
    assert words == sorted(words) and words[0] == "Acknowledged"
    same_status = [row["lon"] for row in rows if row["status"] == words[0]]
    assert same_status == sorted(same_status, reverse=True)
    french = _ask(figures, version, 0, 300, sort=two[:1], lang="fr")["rowData"]
    assert [row["status"] for row in french] == sorted(row["status"] for row in french)
    assert figures.table_orderings.builds == 4


def test_text_and_number_column_filters(store, figures):
    version = _write(store, "reports", _reports(300))

    def ids(model):
        answer = _ask(figures, version, 0, 500, filters=model)
        assert answer["rowCount"] == len(answer["rowData"])
        return {row["id"] for row in answer["rowData"]}

    everyone = {f"r{i}" for i in range(300)}
    assert ids({"category": {"filterType": "text", "type": "contains", "filter": "VOIR"}}) == {
        f"r{i}" for i in range(0, 300, 3)
    }
    assert ids({"status": {"filterType": "text", "type": "equals", "filter": "new"}}) == {
        f"r{i}" for i in range(0, 300, len(STATUSES))
    }
    assert ids({"id": {"filterType": "text", "type": "startsWith", "filter": "r29"}}) == {"r29"} | {
        f"r{i}" for i in range(290, 300)
    }
    lon = {i: round(1.40 + i * 0.0001, 6) for i in range(300)}
    assert ids({"lon": {"filterType": "number", "type": "equals", "filter": lon[7]}}) == {"r7"}
    assert ids({"lon": {"filterType": "number", "type": "lessThan", "filter": lon[3]}}) == {"r0", "r1", "r2"}
    assert ids({"lon": {"filterType": "number", "type": "greaterThan", "filter": lon[297]}}) == {"r298", "r299"}
    in_range = {"filterType": "number", "type": "inRange", "filter": lon[10], "filterTo": lon[12]}
    assert ids({"lon": in_range}) == {"r10", "r11", "r12"}
    both = {"lon": in_range, "status": {"filterType": "text", "type": "equals", "filter": STATUSES[11 % 5].value}}
    assert len(ids(both)) == 1
    # What the grid does not offer, or a column the layer does not have, filters nothing.
    assert ids({"id": {"filterType": "text", "type": "endsWith", "filter": "9"}}) == everyone
    assert ids({"reporter_email": {"filterType": "text", "type": "contains", "filter": "@"}}) == everyone
    assert ids({"lon": {"filterType": "number", "type": "inRange", "filter": 1}}) == everyone


def test_the_page_filters_apply_before_the_grid(store, figures):
    version = _write(store, "reports", _reports(200))
    page = Filters(statuses=("new",), commune="31555")
    answer = _ask(figures, version, 0, 500, page=page, lang="fr")
    assert answer["rowCount"] == len(answer["rowData"]) == 20  # odd rows in Toulouse, every fifth new
    assert {row["status"] for row in answer["rowData"]} == {"Nouveau"}
    assert {row["commune"] for row in answer["rowData"]} == {"Toulouse"}
    assert figures.table("reports", version, "fr", page)["count"] == 20


def test_a_new_version_is_ordered_again_and_the_old_one_let_go(store, figures):
    first = _write(store, "reports", _reports(50))
    sort = [{"colId": "id", "sort": "desc"}]
    assert _ask(figures, first, 0, 1, sort=sort)["rowData"][0]["id"] == "r9"
    newer = _write(store, "reports", [*_reports(50), *_reports(60)[50:]])
    assert newer > first
    answer = _ask(figures, newer, 0, 1, sort=sort)
    assert answer["rowCount"] == 60 and answer["rowData"][0]["id"] == "r9"
    kept = list(figures.table_orderings._kept)
    assert [version for _layer, version, _key in kept] == [newer]


def test_orderings_kept_are_bounded_and_per_layer(store, figures):
    reports = _write(store, "reports", _reports(20))
    parking = _write(
        store, "parking", [ParkingRecord("capitole", "Capitole", 1.44, 43.6, 748, 418, "garage", "31555", "Toulouse")]
    )
    for limit in range(TABLE_ORDERINGS_KEPT + 3):
        at_most = {"lon": {"filterType": "number", "type": "lessThan", "filter": 2 + limit}}
        _ask(figures, reports, filters=at_most)
    assert _ask(figures, parking, layer="parking")["rowCount"] == 1
    assert len(figures.table_orderings._kept) == TABLE_ORDERINGS_KEPT
    assert figures.table_orderings.builds == TABLE_ORDERINGS_KEPT + 4


def test_without_data_a_block_is_empty(store, figures):
    assert _ask(figures, 0) == {"rowData": [], "rowCount": 0}


def test_the_query_key_names_what_changes_the_order():
    cols = columns(ReportRecord, "en")
    one = grid_query([{"colId": "id", "sort": "asc"}], {}, cols)
    assert one.key() != grid_query([{"colId": "id", "sort": "desc"}], {}, cols).key()
    text = {"id": {"filterType": "text", "type": "contains", "filter": "1"}}
    assert grid_query([], text, cols).key() != grid_query([], {}, cols).key()
    assert grid_query("junk", ["junk"], cols) == grid_query([], {}, cols)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_layer_has_a_header_on_every_column(lang):
    for layer in LAYERS.values():
        defs = column_defs(
            [{"field": c.field, "header": c.header, "kind": c.kind} for c in columns(layer.record_type, lang)], lang
        )
        assert defs and all(d["headerName"].strip() and d["headerName"] != d["field"] for d in defs), layer.name


def test_the_pager_writes_numbers_like_the_page():
    assert grid_words("fr")["thousandSeparator"] == "\u202f" and grid_words("fr")["decimalSeparator"] == ","
    assert grid_words("en")["thousandSeparator"] == "," and grid_words("en")["decimalSeparator"] == "."
    assert grid_words("fr")["lastPage"] == "Dernière page"
