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
from dashboard.models import SourceState
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
