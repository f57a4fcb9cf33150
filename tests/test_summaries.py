"""Typed layer summaries through a real Redis: every layer's summary comes back equal, history written before
summaries had a schema number still draws trends, tiles and details, a renamed field reads through its
migration, and an entry that cannot be read is left out without failing a page."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from flask import Flask
from flask_caching import Cache

from dashboard import keys
from dashboard.areas import Geography
from dashboard.details import Inputs, build_panel
from dashboard.details_cache import DetailsCache
from dashboard.figures import trend_figure, trend_range
from dashboard.i18n import t
from dashboard.kpis import kpis
from dashboard.layers import LAYERS, Layer
from dashboard.layers.parking import ParkingSummary, summarise_parking
from dashboard.models import FetchResult, ParkingRecord
from dashboard.snapshots import SnapshotReader
from dashboard.sources.demo import build_demo_sources
from dashboard.store import Store
from dashboard.summaries import LayerSummary, UnreadableSummary, renamed
from dashboard.view_cache import FigureCache
from tests.factories import api_client, parking_result

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_records() -> dict[str, Sequence[Any]]:
    return {source.layer: source.fetch(NOW).records for source in build_demo_sources(31555, origin=NOW)}


def _old_shape(summary: LayerSummary) -> dict[str, Any]:
    """A summary as stored before summaries had a schema number: its fields alone, as JSON gives them back."""
    return orjson.loads(orjson.dumps(dataclasses.asdict(summary)))


def _add_history(redis_client, layer: str, moment: datetime, version: int, summary: bytes) -> None:
    """One history entry written straight into the stream, as an older collector wrote it."""
    fields = {"version": version, "fetched_at": moment.isoformat(), "writer": "older", "summary": summary}
    redis_client.xadd(keys.history(layer), fields, id=f"{int(moment.timestamp() * 1000)}-*")


def _points(store: Store, layer: str) -> list[tuple[datetime, LayerSummary]]:
    return [(entry.fetched_at, entry.summary) for entry in store.history(layer)]


# ---------------------------------------------------------------- every layer, through a real store


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_summary_is_stored_with_its_schema_and_read_back_equal(name, demo_records, store, redis_client):
    layer = LAYERS[name]
    records = demo_records[name]
    summary = layer.summarise(records)
    assert isinstance(summary, layer.summary_type)
    version = store.write_snapshot(
        name, FetchResult(tuple(records), NOW), source="demo", demo=True, summary=summary, now=NOW
    )

    stored = orjson.loads(redis_client.hget(keys.snapshot(name), "summary"))
    assert stored["schema"] == layer.summary_type.SCHEMA
    assert set(stored) == {"schema", *layer.summary_type.field_names()}
    assert store.snapshot(name).summary == summary
    assert store.overview([name])[name].head.summary == summary
    (entry,) = store.history(name)
    assert (entry.version, entry.summary) == (version, summary)


@pytest.mark.parametrize("name", list(LAYERS))
def test_history_written_without_a_schema_number_draws_trends_tiles_and_details(
    name, demo_records, store, redis_client
):
    layer = LAYERS[name]
    records = demo_records[name]
    summary = layer.summarise(records)
    older = _old_shape(summary)
    assert "schema" not in older
    for hours in (3, 2, 1):
        _add_history(redis_client, name, NOW - timedelta(hours=hours), 10 - hours, orjson.dumps(older))
    store.write_snapshot(name, FetchResult(tuple(records), NOW), source="demo", demo=True, summary=summary, now=NOW)
    redis_client.hset(keys.snapshot(name), "summary", orjson.dumps(older))  # the head as an older collector wrote it

    points = _points(store, name)
    assert [s for _moment, s in points] == [summary] * 4
    head = store.overview([name])[name].head
    assert head.summary == summary
    (tile,) = [k for k in kpis({name: head}, "fr") if k.key == name]
    assert (tile.value, tile.detail) == layer.tile.compute(summary, "fr")
    assert tile.value != "—"
    assert trend_figure(name, points, "fr").data[0].y
    assert trend_range(name, points, "fr") != t("trend.empty", "fr")

    record = next(r for r in records if all(r.id in getattr(summary, f) for f in layer.summary_type.PER_SITE))
    panel = build_panel(name, record, Inputs(points=points, as_of=NOW), "fr")
    if layer.summary_type.PER_SITE:
        assert panel.figure is not None, f"{name}: no per-site series drawn from older history"
    if layer.summary_type.POSITIONS:
        assert panel.timeline, f"{name}: no moves read from older history"


def test_a_car_park_panel_reads_older_and_newer_history_alike_through_the_details_cache(store, redis_client):
    now = datetime.now(UTC)
    # What the dashboard wrote before summaries were typed, word for word.
    for minutes, occupied in ((40, 100), (30, 200)):
        older = {
            "sites": 2,
            "capacity": 1048,
            "occupied": occupied + 10,
            "free": 1048 - occupied - 10,
            "occupied_by_site": {"capitole": occupied, "arenes": 10},
        }
        _add_history(redis_client, "parking", now - timedelta(minutes=minutes), minutes, orjson.dumps(older))
    result = parking_result(300, now - timedelta(minutes=20))
    version = store.write_snapshot(
        "parking", result, source="t", demo=False, summary=LAYERS["parking"].summarise(result.records)
    )
    app = Flask(__name__)
    details = DetailsCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    with app.app_context():
        _built, panel = details.panel("parking", "capitole", version, "en")
    day = panel["figure"]["data"][0]
    assert sorted(day["y"]) == [100, 200, 300]


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_figures_per_area_are_stored_typed_and_read_from_their_older_shape(
    name, demo_records, store, redis_client
):
    layer = LAYERS[name]
    records = demo_records[name]
    areas = {"commune": {"31555": layer.summarise_area(records[:3], NOW), "31069": layer.summarise_area([], NOW)}}
    assert all(type(a) is layer.area_summary_type for a in areas["commune"].values())
    result = FetchResult(tuple(records), NOW)
    version = store.write_snapshot(
        name, result, source="demo", demo=True, summary=layer.summarise(records), areas=areas
    )
    assert store.areas([name])[name] == (version, areas)

    older = {"commune": {code: _old_shape(a) for code, a in areas["commune"].items()}}
    redis_client.hset(keys.snapshot(name), "areas", orjson.dumps(older))  # as written before schema numbers
    assert store.areas([name])[name] == (version, areas)


def test_figures_of_an_area_that_cannot_be_read_are_left_out(store, redis_client, caplog):
    store.write_snapshot("reports", FetchResult((), NOW), source="t", demo=False)
    stored = {"commune": {"31555": {"open": 3}, "31069": {"open": "three"}}}
    redis_client.hset(keys.snapshot("reports"), "areas", orjson.dumps(stored))
    with caplog.at_level(logging.WARNING, logger="dashboard.store.snapshots"):
        _version, areas = store.areas(["reports"])["reports"]
    assert list(areas["commune"]) == ["31555"] and areas["commune"]["31555"].open == 3
    assert any("31069" in r.getMessage() for r in caplog.records)
    redis_client.hset(keys.snapshot("reports"), "areas", b"[not json")
    assert store.areas(["reports"])["reports"][1] is None


# ---------------------------------------------------------------- a renamed field


@dataclass(frozen=True, slots=True)
class RenamedParkingSummary(LayerSummary):
    """The parking summary of a later release, where occupied spaces per site became `taken_by_site`."""

    SCHEMA = 2
    MIGRATIONS = {1: renamed("occupied_by_site", "taken_by_site")}
    PER_SITE = ("taken_by_site",)

    sites: int = 0
    capacity: int = 0
    occupied: int = 0
    free: int = 0
    taken_by_site: dict[str, int] = field(default_factory=dict)


def _renamed_summary(records: Sequence[ParkingRecord]) -> RenamedParkingSummary:
    shipped = summarise_parking(records)
    return RenamedParkingSummary(
        shipped.sites, shipped.capacity, shipped.occupied, shipped.free, dict(shipped.occupied_by_site)
    )


@pytest.fixture
def renamed_parking() -> Iterator[Layer]:
    """The parking layer of that later release (the generic panel draws its per-site series)."""
    shipped = LAYERS["parking"]
    later = dataclasses.replace(shipped, summary_type=RenamedParkingSummary, summarise=_renamed_summary, panel=None)
    LAYERS["parking"] = later
    yield later
    LAYERS["parking"] = shipped


def test_a_field_renamed_through_a_migration_reads_from_older_history(store, redis_client, renamed_parking):
    older = {"sites": 2, "capacity": 1048, "occupied": 110, "free": 938, "occupied_by_site": {"capitole": 100}}
    _add_history(redis_client, "parking", NOW - timedelta(hours=2), 1, orjson.dumps(older))
    _add_history(redis_client, "parking", NOW - timedelta(hours=1), 2, orjson.dumps({"schema": 1, **older}))
    result = parking_result(150, NOW)
    store.write_snapshot("parking", result, source="t", demo=False, summary=renamed_parking.summarise(result.records))

    summaries = [entry.summary for entry in store.history("parking")]
    assert [s.taken_by_site["capitole"] for s in summaries] == [100, 100, 150]
    assert all(type(s) is RenamedParkingSummary for s in summaries)
    assert orjson.loads(redis_client.hget(keys.snapshot("parking"), "summary"))["schema"] == 2
    record = result.records[0]
    panel = build_panel("parking", record, Inputs(points=_points(store, "parking"), as_of=NOW), "en")
    assert [trace["name"] for trace in panel.figure["data"]] == ["taken"]


def test_a_migration_moves_a_value_and_keeps_a_newer_one():
    migrate = renamed("old", "new")
    assert migrate({"old": 1, "other": 2}) == {"new": 1, "other": 2}
    assert migrate({"old": 1, "new": 3}) == {"new": 3}
    assert migrate({"other": 2}) == {"other": 2}


# ---------------------------------------------------------------- what cannot be read


def test_from_stored_ignores_unknown_keys_defaults_missing_fields_and_refuses_the_wrong_kinds():
    assert ParkingSummary.from_stored({"free": 3, "spare_tyres": 4}) == ParkingSummary(free=3)
    assert ParkingSummary.from_stored({"schema": 9, "free": 3}) == ParkingSummary(free=3)  # a newer collector
    for unreadable in ([1, 2], "free", {"free": "many"}, {"free": True}, {"occupied_by_site": []}, {"schema": "x"}):
        with pytest.raises(UnreadableSummary):
            ParkingSummary.from_stored(unreadable)


def test_a_summary_type_needs_defaults_for_every_field():
    @dataclass(frozen=True, slots=True)
    class NoDefault(LayerSummary):
        sites: int

    with pytest.raises(TypeError, match="needs a default"):
        NoDefault.from_stored({"sites": 1})


def test_a_corrupt_history_entry_is_skipped_with_a_log_line_and_pages_still_answer(
    store, redis_client, boundaries, caplog
):
    good = LAYERS["parking"].summarise(parking_result(100).records)
    corrupt = (b"{not json", b"[1, 2]", orjson.dumps({"free": "many"}))
    moments = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    entries = (orjson.dumps(good.to_stored()), *corrupt, orjson.dumps(good.to_stored()))
    for version, (moment, raw) in enumerate(zip(moments, entries, strict=True), start=1):
        _add_history(redis_client, "parking", moment, version, raw)
    with caplog.at_level(logging.WARNING, logger="dashboard.store.snapshots"):
        history = store.history("parking")
    assert [entry.version for entry in history] == [1, 5]
    assert [entry.summary for entry in history] == [good, good]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 3 and all("history of parking" in line for line in skipped)
    assert store.history_windows("parking", [(0, int(NOW.timestamp() * 1000))]) == [history]

    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    version = store.write_snapshot("parking", parking_result(100, NOW), source="t", demo=False, summary=good)
    with app.app_context():
        figure, shown = figures.trend("parking", version, "fr", hours=24 * 400)
    assert len(figure["data"][0]["y"]) == 3 and shown.startswith("min")


def test_an_unreadable_head_shows_no_data_and_the_api_still_answers(store, redis_client, boundaries):
    store.write_snapshot("parking", parking_result(100, NOW), source="t", demo=False)
    redis_client.hset(keys.snapshot("parking"), "summary", b"\x00garbage")
    head = store.overview(["parking"])["parking"].head
    assert head is not None and head.summary is None
    (tile,) = [k for k in kpis({"parking": head}, "fr") if k.key == "parking"]
    assert tile.value == "—"
    assert store.snapshot("parking").records  # the records are still read
    client = api_client(store, Geography(areas={}))
    answer = client.get("/api/v1/layers")
    assert answer.status_code == 200
    by_name = {item["name"]: item for item in answer.get_json()["layers"]}
    assert by_name["parking"]["summary"] == {}
