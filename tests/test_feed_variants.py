"""Feeds as real servers emit them, through a local feed server, the real collector job and a real Redis:
payloads shaped like published variants of each format (vendor GBFS, GBFS 3.0, Open311 in XML or wrapped,
localised numbers, v1 Opendatasoft points, date-only fields, redirects to another host)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.collectors.leader import LeaderLock
from dashboard.freshness import freshness
from dashboard.layers import LAYERS
from dashboard.models import BikeStationStatus, SourceState
from dashboard.sources.base import Source
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.http import FeedClient
from tests.feed_server import json_reply
from tests.test_bike_feeds import toulouse_stations

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _client(**options) -> FeedClient:
    return FeedClient(timeout=2, retries=0, **options)


def run_job(store, redis_client, source: Source) -> SourceJob:
    """One fetch of `source` by the real collector job, written to the real store."""
    leader = LeaderLock(redis_client, keys.leader(source.layer, source.name), ttl_seconds=30)
    assert leader.hold()
    job = SourceJob(
        source,
        LAYERS[source.layer],
        store,
        leader,
        interval=30,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=lambda: NOW,
        rng=random.Random(0),
    )
    job.run_once()
    return job


def badge_state(store, layer: str) -> str:
    """The freshness state a person sees on the layer's badge at NOW."""
    overview = store.overview([layer])[layer]
    return freshness(LAYERS[layer], overview, NOW, "fr").state


# --- 3. old data is never shown as fresh ------------------------------------------------------------------------


def serve_station_files(feed_server, information: list[dict], status: list[dict], envelope: dict) -> str:
    """station_information.json and station_status.json with the given envelope; the first one's URL."""
    folder = "/gbfs/vendor"
    feed_server.route(f"{folder}/station_information.json", json_reply({**envelope, "data": {"stations": information}}))
    feed_server.route(f"{folder}/station_status.json", json_reply({**envelope, "data": {"stations": status}}))
    return feed_server.url + f"{folder}/station_information.json"


def test_gbfs_without_last_updated_is_dated_by_its_newest_station(store, redis_client, feed_server):
    information, status = toulouse_stations(4)
    captured = NOW - timedelta(days=730)  # a capture two years old, served by a vendor without last_updated
    for i, station in enumerate(status):
        station["last_reported"] = int((captured - timedelta(minutes=i)).timestamp())
    url = serve_station_files(feed_server, information, status, {"ttl": 60})
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    assert store.snapshot("bikes").fetched_at == captured
    assert badge_state(store, "bikes") == "stale"


def test_gbfs_last_updated_in_the_future_is_flagged_never_taken_as_now(store, redis_client, feed_server):
    information, status = toulouse_stations(3)
    reported = NOW - timedelta(hours=2)
    for station in status:
        station["last_reported"] = int(reported.timestamp())
    ahead = {"last_updated": int((NOW + timedelta(days=2)).timestamp()), "ttl": 60}
    url = serve_station_files(feed_server, information, status, ahead)
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    assert store.snapshot("bikes").fetched_at == reported
    status_now = store.status("bikes")
    assert status_now.state is SourceState.OK
    assert "« last_updated » dans le futur" in status_now.sample_rejection
    assert badge_state(store, "bikes") == "stale"


# --- 4. GBFS 3.0 ------------------------------------------------------------------------------------------------


def gbfs_3_files(feed_server, count: int) -> str:
    """A GBFS 3.0 system: discovery without languages, RFC 3339 times, localised names, renamed counts."""
    folder = "/gbfs/v3"
    reported = (NOW - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    envelope = {"last_updated": "2026-11-25T08:59:30+01:00", "ttl": 60, "version": "3.0"}
    information = [
        {
            "station_id": f"s{i}",
            "name": [{"text": f"Station {i}", "language": "fr"}, {"text": f"Station {i} (en)", "language": "en"}],
            "lat": 43.60 + i * 0.001,
            "lon": 1.44 + i * 0.001,
            "capacity": 20,
        }
        for i in range(count)
    ]
    status = [
        {
            "station_id": f"s{i}",
            "num_vehicles_available": i + 1,
            "vehicle_types_available": [{"vehicle_type_id": "bike", "count": i + 1}],
            "num_docks_available": 10 - i,
            "is_installed": True,
            "is_renting": i != 1,
            "is_returning": True,
            "last_reported": reported,
        }
        for i in range(count)
    ]
    feeds = [
        {"name": "station_information", "url": f"{feed_server.url}{folder}/station_information.json"},
        {"name": "station_status", "url": f"{feed_server.url}{folder}/station_status.json"},
    ]
    feed_server.route(f"{folder}/gbfs.json", json_reply({**envelope, "data": {"feeds": feeds}}))
    feed_server.route(f"{folder}/station_information.json", json_reply({**envelope, "data": {"stations": information}}))
    feed_server.route(f"{folder}/station_status.json", json_reply({**envelope, "data": {"stations": status}}))
    return feed_server.url + f"{folder}/gbfs.json"


def test_gbfs_3_renamed_fields_are_mapped_by_default(store, redis_client, feed_server):
    url = gbfs_3_files(feed_server, 3)
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    snapshot = store.snapshot("bikes")
    stations = {r.id: r for r in snapshot.records}
    assert store.status("bikes").records_rejected == 0
    assert [(stations[s].name, stations[s].bikes_available, stations[s].docks_available) for s in sorted(stations)] == [
        ("Station 0", 1, 10),
        ("Station 1", 2, 9),
        ("Station 2", 3, 8),
    ]
    assert stations["s1"].status is BikeStationStatus.NOT_RENTING
    assert stations["s0"].last_reported == NOW - timedelta(minutes=3)
    assert snapshot.fetched_at == datetime(2026, 11, 25, 7, 59, 30, tzinfo=UTC)  # last_updated, RFC 3339
