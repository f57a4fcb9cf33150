"""The managers' filters: validation of what a client sends, normalisation, and what they keep of each layer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_caching import Cache

from callbacks.filters import filters_query
from dashboard import keys
from dashboard.filters import (
    Filters,
    apply_filters,
    parse_filters,
    raw_from_query,
    rejection_message,
    summary_categories,
)
from dashboard.layers import LAYERS
from dashboard.layers.base import MapScale
from dashboard.map_style import unpacked
from dashboard.models import PERSONAL_FIELDS, FetchResult, ParkingRecord, ReportRecord, ReportStatus
from dashboard.snapshots import SnapshotReader
from dashboard.tables import columns, csv_bytes, newest_first, rows
from dashboard.view_cache import FigureCache

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _report(number: int, status: str, category: str, age_hours: float, commune: str = "31555", quartier: int = 1):
    created = NOW - timedelta(hours=age_hours)
    return ReportRecord(
        f"r{number}",
        category,
        ReportStatus(status),
        1.44,
        43.6,
        created,
        created,
        commune_code=commune,
        commune="Toulouse" if commune == "31555" else "Blagnac",
        quartier=quartier if commune == "31555" else None,
        quartier_name=f"Quartier {quartier}",
    )


# The reports' points of the whole area (the map zoomed in over everything).
WHOLE_AREA = MapScale(points=(1.0, 43.0, 2.0, 44.0))
REPORTS = [
    _report(1, "new", "Voirie", 2),
    _report(2, "new", "Propreté", 30),
    _report(3, "in_progress", "Voirie", 200, commune="31069"),
    _report(4, "closed", "Éclairage", 10, quartier=2),
    _report(5, "resolved", "=cmd|' /C calc'!A0", 1),
]
PARKING = [
    ParkingRecord("capitole", "Capitole", 1.444, 43.6045, 748, 418, "garage", "31555", "Toulouse", 1, "Quartier 1"),
    ParkingRecord("blagnac", "Blagnac", 1.39, 43.64, 300, 10, "park_and_ride", "31069", "Blagnac"),
]


def test_empty_or_malformed_input_means_no_filter():
    for raw in (None, "x", 3, [], {}, {"statuses": None, "categories": 5, "window": None, "commune": {"a": 1}}):
        filters, rejected = parse_filters(raw)
        assert filters == Filters() and not filters.active and filters.key() == ""
        assert rejected == []


def test_unknown_values_are_dropped_and_named():
    raw = {
        "commune": "99999",
        "quartier": "42",
        "statuses": ["new", "lost", "closed"],
        "categories": ["Voirie", "Inconnue"],
        "window": "1y",
    }
    filters, rejected = parse_filters(raw, communes=["31555"], quartiers=["1", "2"], categories=["Voirie"])
    assert filters == Filters(statuses=("new", "closed"), categories=("Voirie",))
    assert rejected == [
        ("commune", "99999"),
        ("quartier", "42"),
        ("statuses", "lost"),
        ("categories", "Inconnue"),
        ("window", "1y"),
    ]
    message = rejection_message(rejected, "fr")
    assert message.startswith("Valeurs de filtre ignorées") and "« lost »" in message and "« 1y »" in message
    assert "Filter values ignored" in rejection_message(rejected, "en")
    assert rejection_message([], "fr") == ""


def test_no_quartier_is_allowed_without_quartier_boundaries():
    filters, rejected = parse_filters({"quartier": "3"}, quartiers=[])
    assert filters.quartier == "" and rejected == [("quartier", "3")]


def test_values_are_bounded_and_normalised():
    long = "x" * 500
    filters, _ = parse_filters({"categories": [long, "B", "A", "B"], "statuses": "new", "quartier": 7})
    assert filters.categories == ("A", "B")  # sorted, deduplicated, overlong dropped
    assert filters.statuses == ("new",) and filters.quartier == "7"
    # Status order is the lifecycle's, whatever the order ticked; every status ticked is no filter at all.
    assert parse_filters({"statuses": ["closed", "new"]})[0].statuses == ("new", "closed")
    every = parse_filters({"statuses": ["new", "acknowledged", "in_progress", "resolved", "closed"]})[0]
    assert every == Filters()
    assert parse_filters({"window": "7d"})[0].key() == "c=|q=|s=|k=|w=7d"


def test_report_criteria_apply_to_reports_only():
    filters = Filters(commune="31555", statuses=("new",), categories=("Voirie",), window="24h")
    assert filters.for_layer(LAYERS["parking"].record_type) == Filters(commune="31555")
    assert filters.for_layer(LAYERS["reports"].record_type) is filters
    assert [r.id for r in apply_filters(PARKING, filters.for_layer(ParkingRecord), NOW)] == ["capitole"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["r1", "r2", "r3", "r4", "r5"]),
        (Filters(statuses=("new",)), ["r1", "r2"]),
        (Filters(categories=("Voirie",)), ["r1", "r3"]),
        (Filters(window="24h"), ["r1", "r4", "r5"]),
        (Filters(window="7d"), ["r1", "r2", "r4", "r5"]),
        (Filters(commune="31069"), ["r3"]),
        (Filters(quartier="2"), ["r4"]),
        (Filters(statuses=("new", "closed"), window="24h"), ["r1", "r4"]),
    ],
)
def test_filters_keep_the_matching_reports(filters, expected):
    assert [r.id for r in apply_filters(REPORTS, filters, NOW)] == expected


def test_the_window_counts_back_from_the_data_time():
    filters = Filters(window="24h")
    assert [r.id for r in apply_filters(REPORTS, filters, NOW + timedelta(hours=20))] == ["r1", "r5"]
    assert len(apply_filters(REPORTS, filters, None)) == len(REPORTS)  # no data time: no bound


def test_query_round_trip():
    filters = Filters(commune="31555", quartier="3", statuses=("new", "closed"), categories=("Voirie",), window="7d")
    query = filters_query(filters, "en")
    assert query == "?lang=en&commune=31555&quartier=3&status=new%2Cclosed&category=Voirie&window=7d"
    from urllib.parse import parse_qs

    assert parse_filters(raw_from_query(parse_qs(query[1:])))[0] == filters
    assert filters_query(Filters(), "fr") == ""


def test_categories_offered_are_those_in_the_data():
    summary = LAYERS["reports"].summarise(REPORTS)
    assert summary_categories(summary) == sorted({r.category for r in REPORTS})
    # A summary written before the list was kept: the categories of the open reports.
    older = LAYERS["reports"].summary_type.from_stored({"open_by_category": {"Voirie": 2, "Propreté": 1}})
    assert summary_categories(older) == ["Propreté", "Voirie"]
    assert summary_categories(None) == []


def test_table_columns_never_include_personal_fields():
    for layer in LAYERS.values():
        fields = {col.field for col in columns(layer.record_type, "fr")}
        assert not fields & PERSONAL_FIELDS
    table = rows(REPORTS, columns(ReportRecord, "fr"), "fr")
    assert all(not set(row) & PERSONAL_FIELDS for row in table)


def test_table_rows_in_words_and_paris_time():
    cols = columns(ReportRecord, "en")
    headers = {col.field: col.header for col in cols}
    assert headers["created_at"] == "Created (Paris time)" and headers["status"] == "Status"
    assert [col.field for col in cols][-2:] == ["lon", "lat"]
    first = rows(REPORTS[:1], cols, "fr")[0]
    assert first["status"] == "Nouveau"
    assert first["created_at"] == "2026-11-25 11:00"  # 10:00 UTC is 11:00 in Paris in November
    assert [r.id for r in newest_first(REPORTS, limit=2)] == ["r5", "r1"]


def test_csv_is_french_spreadsheet_friendly():
    cols = columns(ReportRecord, "fr")
    data = csv_bytes(rows(REPORTS, cols, "fr"), cols, "fr")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0][:3] == ["Identifiant", "Catégorie", "État"]
    assert len(parsed) == 1 + len(REPORTS)
    by_id = {row[0]: row for row in parsed[1:]}
    assert by_id["r1"][parsed[0].index("Longitude")] == "1,44"  # decimal comma in French
    assert by_id["r5"][1].startswith("'=")  # a formula is kept as text
    english = csv_bytes(rows(REPORTS, columns(ReportRecord, "en"), "en"), columns(ReportRecord, "en"), "en")
    assert ";1.44;" in english.decode("utf-8-sig")


def _write_reports(store, records, when=NOW) -> int:
    result = FetchResult(records=tuple(records), fetched_at=when)
    return store.write_snapshot(
        "reports", result, source="t", demo=False, summary=LAYERS["reports"].summarise(result.records)
    )


def test_filtered_traces_summaries_and_tables_are_built_once_per_version(store, redis_client):
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    version = _write_reports(store, REPORTS)
    new_only = Filters(statuses=("new",))
    with app.app_context():
        _, traces = figures.traces("reports", version, "fr", filters=new_only, scale=WHOLE_AREA)
        # Drawn closed first, new last (on top).
        assert [len(unpacked(trace["customdata"])) for trace in traces] == [0, 0, 0, 0, 2]
        summaries = figures.filtered_summaries(new_only, {"reports": version})
        assert summaries["reports"].open == 2 and summaries["reports"].total == 2
        table = figures.table("reports", version, "en", new_only)
        assert table["count"] == 2 and {row["id"] for row in table["rows"]} == {"r1", "r2"}
        redis_client.delete(keys.snapshot("reports"))  # another worker's viewers are served from the cache
        other_worker = FigureCache(SnapshotReader(store), figures.cache)
        again = other_worker.traces("reports", version, "fr", filters=new_only, scale=WHOLE_AREA)[1]
        assert [trace["customdata"] for trace in again] == [trace["customdata"] for trace in traces]
        assert other_worker.filtered_summaries(new_only, {"reports": version}) == summaries
        assert other_worker.table("reports", version, "en", new_only) == table
