"""The reports at city scale: counts per cell, points from a zoom on, the compact wire format, a click's record."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
from flask import Flask
from flask_caching import Cache

from callbacks.details import clicked_point, drawn_point
from callbacks.live import layer_scales, layer_scopes, map_patch, shown_scale
from dashboard.figures import (
    for_browser,
    layer_traces,
    map_scale,
    map_viewport,
    parse_scale_key,
    record_at,
    scale_key,
    trace_slots,
)
from dashboard.filters import Filters
from dashboard.layers import LAYERS
from dashboard.layers.base import MapScale
from dashboard.map_style import coords, grid_cells, packed, unpacked
from dashboard.models import FetchResult, ReportRecord, ReportStatus, Snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.view_cache import FigureCache

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CITY = (1.30, 43.52, 1.58, 43.70)
ZOOMED = MapScale(points=CITY)


def _reports(count: int, seed: int = 1) -> tuple[ReportRecord, ...]:
    rng = random.Random(seed)
    return tuple(
        ReportRecord(
            f"AT{i:07d}",
            f"Catégorie {i % 40}",
            rng.choice(list(ReportStatus)),
            round(1.30 + rng.random() * 0.28, 6),
            round(43.52 + rng.random() * 0.18, 6),
            NOW - timedelta(hours=i),
            NOW,
            "31555",
        )
        for i in range(count)
    )


def _snapshot(records: tuple[ReportRecord, ...], version: int = 1) -> Snapshot:
    return Snapshot("reports", version, NOW, "t", False, records)


def test_packed_numbers_decode_back_within_float32_precision():
    lon = np.array([1.4442123, 1.30000001, 1.5799999], dtype=np.float64)
    spec = packed(lon)
    assert spec["dtype"] == "f4" and isinstance(spec["bdata"], str)
    assert np.allclose(unpacked(spec), lon, rtol=0, atol=1e-6)  # about 10 cm at Toulouse
    assert list(unpacked(packed([0, 70_000, 4_000_000_000], "u4"))) == [0, 70_000, 4_000_000_000]
    records = _reports(50)
    packed_lon, packed_lat = coords(records)
    assert np.allclose(unpacked(packed_lon), [r.lon for r in records], atol=1e-6)
    assert np.allclose(unpacked(packed_lat), [r.lat for r in records], atol=1e-6)


def test_points_sent_to_the_browser_take_at_most_12_bytes_each():
    records = _reports(20_000)
    traces = [for_browser("reports", t) for t in layer_traces("reports", _snapshot(records), "fr", scale=ZOOMED)]
    points = sum(len(unpacked(t["lon"])) for t in traces)
    assert points == sum(r.status.is_open for r in records)  # resolved and closed left out by default
    per_point = sum(len(orjson.dumps({k: t[k] for k in ("lon", "lat")})) for t in traces) / points
    assert per_point <= 12
    assert all("customdata" not in t for t in traces)  # positions stay on the server
    whole = len(orjson.dumps(traces)) / points  # with names, colours, templates: once per trace
    assert whole <= 12


def test_zoomed_out_the_reports_are_counted_per_cell_open_ones_only_until_asked():
    records = _reports(5_000)
    traces = layer_traces("reports", _snapshot(records), "en", scale=MapScale())
    names = [t["name"] for t in traces]
    assert names[0].startswith("Citizen reports — Closed") and names[-1].startswith("Citizen reports — New")
    by_status = {status: [r for r in records if r.status is status] for status in ReportStatus}
    for trace, status in zip(traces, reversed(ReportStatus), strict=True):
        counts = [int(c.replace(",", "")) for c in trace["text"]]
        if status.is_open:
            assert sum(counts) == len(by_status[status]) and "visible" not in trace
            assert len(counts) < len(by_status[status])  # fewer discs than reports
        else:
            assert counts == [] and trace["visible"] == "legendonly"
            assert f"({len(by_status[status]):,})" in trace["name"]  # the legend still says how many
    settled = layer_traces("reports", _snapshot(records), "en", scale=MapScale(settled=True))
    assert sum(int(c.replace(",", "")) for t in settled for c in t["text"]) == len(records)
    assert all("visible" not in t for t in settled)


def test_grid_cells_count_each_record_once_at_the_cell_centre():
    records = _reports(2_000)
    lon, lat, counts = grid_cells(records)
    assert counts.sum() == len(records) and len(set(zip(lon, lat, strict=True))) == len(counts)
    assert grid_cells(())[2].size == 0


def test_points_are_those_of_the_area_looked_at():
    records = _reports(3_000)
    area = (1.40, 43.58, 1.46, 43.62)
    traces = layer_traces("reports", _snapshot(records), "fr", scale=MapScale(points=area, settled=True))
    lon = np.concatenate([unpacked(t["lon"]) for t in traces])
    inside = [r for r in records if 1.40 <= r.lon <= 1.46 and 43.58 <= r.lat <= 43.62]
    assert len(lon) == len(inside) and lon.min() >= 1.40 - 1e-6 and lon.max() <= 1.46 + 1e-6


def test_the_scale_follows_the_zoom_and_keeps_the_area_while_the_view_stays_inside():
    def relayout(zoom, west, south, east, north):
        corners = [[west, north], [east, north], [east, south], [west, south]]
        return {"map.zoom": zoom, "map.center": {}, "map._derived": {"coordinates": corners}}

    assert map_viewport({"autosize": True}) is None and map_viewport(relayout(12, 1, 43, 2, 44))[0] == 12
    assert map_scale(map_viewport(relayout(12, 1.3, 43.5, 1.6, 43.7)), 14, False, None) == MapScale()
    first = map_scale(map_viewport(relayout(15, 1.44, 43.60, 1.45, 43.605)), 14, False, None)
    west, south, east, north = first.points
    assert west <= 1.435 and east >= 1.455 and south <= 43.5975 and north >= 43.6075  # half a view more each side
    nudged = map_scale(map_viewport(relayout(15.2, 1.441, 43.601, 1.451, 43.606)), 14, False, first)
    assert nudged == first  # still inside: no redraw
    away = map_scale(map_viewport(relayout(15, 1.50, 43.60, 1.51, 43.605)), 14, True, first)
    assert away.points != first.points and away.settled
    assert map_scale(None, 14, True, first) == MapScale(first.points, True)  # a move without corners keeps it


def test_scale_keys_read_back_and_refuse_what_they_do_not_name():
    for scale in (MapScale(), MapScale(settled=True), MapScale((1.43, 43.59, 1.46, 43.62), True)):
        assert parse_scale_key(scale_key(scale)) == scale
    for key in ("", "points:1,2,3", "points:a,b,c,d", "cells+other", "points:1,2,3,nan", "tiles"):
        assert parse_scale_key(key) is None
    scopes = layer_scopes(list(LAYERS), Filters(), {"reports": ZOOMED})
    assert scopes["reports"] == f"#{scale_key(ZOOMED)}" and scopes["parking"] == ""
    assert shown_scale([3, scopes["reports"]]) == ZOOMED and shown_scale([3, ""]) is None
    assert layer_scales(None, True, {"reports": [3, scopes["reports"]]}) == {"reports": MapScale(CITY, True)}


def test_a_patch_keeps_the_settled_traces_in_the_legend_only():
    records = _reports(200)
    traces = layer_traces("reports", _snapshot(records), "fr", scale=MapScale())
    slots = trace_slots(LAYERS)
    patch = map_patch(slots, {"reports": traces}, [], {"reports"}, map_legend=True).to_plotly_json()
    visible = [op["params"]["value"]["visible"] for op in patch["operations"]]
    assert visible == ["legendonly", "legendonly", True, True, True]
    hidden = map_patch(slots, {"reports": traces}, [], set(), map_legend=True).to_plotly_json()
    assert [op["params"]["value"]["visible"] for op in hidden["operations"]] == [False] * 5


def test_a_click_on_a_point_finds_its_record_on_the_server(store):
    records = _reports(4_000)
    result = FetchResult(records=records, fetched_at=NOW)
    version = store.write_snapshot(
        "reports", result, source="t", demo=False, summary=LAYERS["reports"].summarise(records)
    )
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    new_only = Filters(statuses=("new",))
    slots = trace_slots(LAYERS)["reports"]
    with app.app_context():
        drawn, traces = figures.traces("reports", version, "fr", filters=new_only, scale=ZOOMED)
        scope = layer_scopes(["reports"], new_only, {"reports": ZOOMED})["reports"]
        sent = [for_browser("reports", t) for t in traces]
        offset = next(i for i, t in enumerate(sent) if len(unpacked(t["lon"])))
        point = len(unpacked(sent[offset]["lon"])) // 2
        lon, lat = unpacked(sent[offset]["lon"])[point], unpacked(sent[offset]["lat"])[point]
        click = {"points": [{"curveNumber": slots.start + offset, "pointNumber": point, "lon": float(lon)}]}
        clicked = clicked_point(click, trace_slots(LAYERS))
        assert clicked == ("reports", offset, point)
        wanted, where = drawn_point({"reports": [drawn, scope]}, {"filters": new_only.to_dict()}, clicked)
        record_id = figures.record_id("reports", wanted, "fr", where)
        record = next(r for r in records if r.id == record_id)
        assert record.status is ReportStatus.NEW
        assert abs(record.lon - lon) < 1e-5 and abs(record.lat - lat) < 1e-5
        # The map shows an older version than the server has: no record rather than the wrong one.
        assert figures.record_id("reports", version - 1, "fr", where) is None
    assert clicked_point({"points": [{"curveNumber": slots.start, "customdata": "x"}]}, trace_slots(LAYERS)) is None
    parking = trace_slots(LAYERS)["parking"].start
    assert clicked_point({"points": [{"curveNumber": parking, "pointNumber": 0}]}, trace_slots(LAYERS)) is None
    assert record_at(_snapshot(records, 5), 5, len(records)) is None and record_at(None, 5, 0) is None
