"""The bikes layer from feed to screen data: summaries, a collector run into real Redis, the APIs and the
presentation (traces, legend, KPI tile, trend), in French and English."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from flask import Flask

from dashboard import keys
from dashboard.api import create_api
from dashboard.areas import Geography
from dashboard.collectors.job import SourceJob
from dashboard.figures import layer_traces, map_legend, trace_slots, trend_figure, trend_range
from dashboard.kpis import kpis
from dashboard.layers import LAYERS
from dashboard.layers.bikes import BIKE_COLOURS, BikesSummary
from dashboard.models import BikeStationRecord, BikeStationStatus, FetchResult, LayerHead, Snapshot
from dashboard.public import public_geojson, public_snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.http import FeedClient
from dashboard.store import LeaderLock
from tests.test_bike_feeds import serve_gbfs, toulouse_stations

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def station(sid: str, bikes: int, docks: int, status=BikeStationStatus.OPEN, **changes) -> BikeStationRecord:
    values = {
        "id": sid,
        "name": f"Station {sid}",
        "address": "Place du Capitole",
        "lon": 1.4436,
        "lat": 43.6043,
        "capacity": 20,
        "bikes_available": bikes,
        "docks_available": docks,
        "status": status,
        "last_reported": NOW - timedelta(minutes=1),
        **changes,
    }
    return BikeStationRecord(**values)


RECORDS = (
    station("1", 12, 8),
    station("2", 0, 19),  # empty
    station("3", 20, 0),  # full
    station("4", 0, 0, BikeStationStatus.CLOSED),  # closed: neither empty nor full
    station("5", 5, 15, BikeStationStatus.NOT_RENTING),
)


def test_summary_counts_bikes_docks_empty_and_full_stations():
    summary = LAYERS["bikes"].summarise(RECORDS)
    assert summary.to_stored() == {
        "schema": 1,
        "stations": 5,
        "open": 3,
        "bikes": 37,
        "docks": 42,
        "empty": 1,
        "full": 1,
        "bikes_by_site": {"1": 12, "2": 0, "3": 20, "4": 0, "5": 5},
    }
    assert LAYERS["bikes"].summarise_area(RECORDS[:3], NOW).to_stored() == {
        "schema": 1,
        "stations": 3,
        "open": 3,
        "bikes": 32,
        "docks": 27,
        "empty": 1,
        "full": 1,
    }


def test_the_layer_is_public_with_exact_places_and_a_one_minute_refresh():
    layer = LAYERS["bikes"]
    assert layer.public and layer.public_grid_degrees is None
    assert layer.refresh_seconds == 60 and layer.freshness_seconds == 600


def test_collector_run_from_gbfs_into_redis_with_communes_and_areas(feed_server, store, redis_client, boundaries):
    information, status = toulouse_stations(6)
    information[5]["lon"], information[5]["lat"] = 1.3897, 43.6372  # Blagnac's town hall
    url = serve_gbfs(feed_server, information, status)
    source = GbfsSource("velo-toulouse", "bikes", url, client=FeedClient(timeout=2, retries=0))
    leader = LeaderLock(redis_client, keys.leader("bikes", source.name), ttl_seconds=30)
    assert leader.hold()
    job = SourceJob(
        source,
        LAYERS["bikes"],
        store,
        leader,
        interval=60,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        boundaries=boundaries,
        clock=lambda: NOW,
        rng=random.Random(0),
    )
    assert job.run_once() == 60

    snapshot = store.snapshot("bikes")
    assert snapshot.source == "velo-toulouse" and not snapshot.demo
    by_id = {r.id: r for r in snapshot.records}
    assert by_id["0"].commune_code == "31555" and by_id["5"].commune_code == "31069"
    assert by_id["0"].last_reported == NOW - timedelta(minutes=1) and by_id["0"].status is BikeStationStatus.OPEN
    assert snapshot.summary.bikes == sum(range(6))
    _version, areas = store.areas(["bikes"])["bikes"]
    assert areas["commune"]["31069"].stations == 1 and areas["commune"]["31555"].bikes == sum(range(5))
    assert [entry.summary.bikes_by_site["3"] for entry in store.history("bikes")] == [3]


def test_managers_api_and_public_api_serve_the_stations(store):
    result = FetchResult(records=RECORDS, fetched_at=NOW)
    version = store.write_snapshot(
        "bikes", result, source="velo", demo=False, summary=LAYERS["bikes"].summarise(RECORDS)
    )
    app = Flask(__name__)
    app.register_blueprint(create_api(SnapshotReader(store), Geography(areas={})))
    client = app.test_client()

    by_name = {item["name"]: item for item in client.get("/api/v1/layers").get_json()["layers"]}
    assert list(by_name) == list(LAYERS)  # every layer, in registry order
    assert by_name["bikes"]["version"] == version and by_name["bikes"]["summary"]["empty"] == 1
    managers = client.get("/api/v1/layers/bikes").get_json()
    assert managers["features"][0]["properties"]["bikes_available"] == 12

    public = client.get("/api/v1/public/layers/bikes", follow_redirects=True)  # to the current versioned file
    assert public.status_code == 200 and "public" in public.headers["Cache-Control"]
    feature = public.get_json()["features"][1]
    assert feature["geometry"]["coordinates"] == [1.4436, 43.6043]  # a public place: not coarsened
    assert feature["properties"]["bikes_available"] == 0 and feature["properties"]["status"] == "open"
    # The public fields, and the embed's trace the station is drawn in (no bike: "empty").
    assert set(feature["properties"]) == {*LAYERS["bikes"].public_fields, "category"}
    assert feature["properties"]["category"] == "empty"


def test_public_geojson_keeps_only_public_fields():
    snapshot = Snapshot("bikes", 4, NOW, "velo-internal", False, RECORDS, {"bikes": 37})
    public = public_snapshot(snapshot)
    assert public.source == "" and public.summary is None
    geojson = public_geojson(public)
    assert geojson["features"][3]["properties"]["status"] == "closed"
    assert geojson["features"][0]["properties"]["last_reported"] == (NOW - timedelta(minutes=1)).isoformat()


def test_map_traces_tell_the_state_by_trace_name_and_hover_not_colour_alone():
    traces = layer_traces("bikes", Snapshot("bikes", 1, NOW, "s", False, RECORDS), "fr")
    assert len(traces) == len(trace_slots(["bikes"])["bikes"]) == 4
    names = [trace["name"] for trace in traces]
    assert names == [
        "VélôToulouse — vélos et places (1)",
        "VélôToulouse — vide (aucun vélo) (1)",
        "VélôToulouse — pleine (aucune place) (1)",
        "VélôToulouse — fermée ou hors service (2)",
    ]
    assert len({trace["marker"]["color"] for trace in traces}) == 4
    out_of_service = traces[3]["hovertext"]
    assert "station fermée" in out_of_service[0] and "location suspendue" in out_of_service[1]
    assert "relevé le 25/11/2026 08:59" in traces[0]["hovertext"][0]  # Paris time
    english = layer_traces("bikes", Snapshot("bikes", 1, NOW, "s", False, RECORDS), "en")
    assert english[1]["name"] == "VélôToulouse bike share — empty (no bike) (1)"
    assert "12 bikes, 8 free docks of 20" in english[0]["hovertext"][0]


def test_legend_kpi_and_trend_in_both_languages():
    legend = dict(map_legend("en"))
    assert legend["VélôToulouse bike share"] == [
        ("bikes and docks", BIKE_COLOURS["available"]),
        ("empty (no bike)", BIKE_COLOURS["empty"]),
        ("full (no dock)", BIKE_COLOURS["full"]),
        ("closed or out of service", BIKE_COLOURS["out_of_service"]),
    ]
    assert "VélôToulouse" in [title for title, _entries in map_legend("fr")]

    summary = LAYERS["bikes"].summarise(RECORDS)
    heads = {"bikes": LayerHead("bikes", 2, NOW, "velo", False, summary)}
    tile = {k.key: k for k in kpis(heads, "fr")}["bikes"]
    assert (tile.label, tile.value) == ("Vélos disponibles", "37")
    assert tile.detail == "42 places libres · stations vides : 1, pleines : 1"
    assert {k.key: k for k in kpis(heads, "en")}["bikes"].detail == "42 free docks · stations empty: 1, full: 1"
    assert {k.key: k for k in kpis({}, "fr")}["bikes"].value == "—"

    points = [(NOW - timedelta(minutes=m), BikesSummary(bikes=500 + m)) for m in range(30)]
    figure = trend_figure("bikes", points, "fr")
    assert list(figure.data[0].y)[:2] == [500, 501]
    assert trend_range("bikes", points, "fr") == "min 500 · max 529"
