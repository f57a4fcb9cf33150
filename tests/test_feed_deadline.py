"""The whole-fetch deadline of a feed, against a local HTTP server: trickling bodies, slow pages, settings."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.models import SourceState
from dashboard.settings import ReferenceSettings, SourceSettings
from dashboard.sources.configured import build_source
from dashboard.store import LeaderLock
from tests.feed_server import Reply
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _source(feed_server, **settings):
    config = SourceSettings(
        name="ods", format="opendatasoft", layer="parking", url=feed_server.url + ODS_PATH, **settings
    )
    return build_source(config)


def _job(store, redis_client, source) -> SourceJob:
    leader = LeaderLock(redis_client, keys.leader("parking", "ods"), ttl_seconds=30)
    assert leader.hold()
    return SourceJob(
        source, LAYERS["parking"], store, leader, interval=30, jitter_ratio=0, backoff_max=600,
        writer="test:1", clock=lambda: NOW, rng=random.Random(0),
    )  # fmt: skip


def _page(rows, total: int, **reply) -> Reply:
    body = json.dumps({"total_count": total, "results": rows}).encode()
    return Reply(200, body, {"Content-Type": "application/json"}, **reply)


def test_a_trickling_feed_is_cut_at_its_deadline_and_says_so(store, redis_client, feed_server):
    # Ten parts 0.3 s apart: no read ever waits a whole second, yet the answer would take 2.7 s.
    feed_server.route(f"{ODS_PATH}/records", _page(ods_parking_rows(3), 3, pieces=10, trickle=0.3))
    job = _job(store, redis_client, _source(feed_server, timeout_seconds=1, deadline_seconds=1))
    started = time.monotonic()
    job.run_once()
    took = time.monotonic() - started
    status = store.status("parking")
    assert status.state is SourceState.DOWN
    assert status.last_error == t("feed.deadline", "fr", seconds="1") == "le flux n'a pas fini de répondre en 1 s"
    assert took < 2.0, f"cut after {took:.2f} s with a 1 s deadline"  # at the first part past it; all: 2.7 s
    assert store.snapshot("parking") is None


def test_pages_count_against_one_deadline(store, redis_client, feed_server):
    rows = ods_parking_rows(300)

    def page(hit):
        offset = int(hit.query["offset"])
        return _page(rows[offset : offset + 100], len(rows), delay=0.4)

    feed_server.route(f"{ODS_PATH}/records", page)
    job = _job(store, redis_client, _source(feed_server, timeout_seconds=1, deadline_seconds=1))
    started = time.monotonic()
    job.run_once()
    took = time.monotonic() - started
    assert store.status("parking").last_error == "le flux n'a pas fini de répondre en 1 s"
    assert len(feed_server.hits) == 3  # each page well within a read timeout; the third one passes the deadline
    assert took < 1.5, f"cut after {took:.2f} s with a 1 s deadline"


def test_each_fetch_has_a_deadline_of_its_own(store, redis_client, feed_server):
    feed_server.route(f"{ODS_PATH}/records", _page(ods_parking_rows(3), 3, delay=0.6))
    job = _job(store, redis_client, _source(feed_server, timeout_seconds=1, deadline_seconds=1))
    for _ in range(3):  # 1.8 s of answers in all, 0.6 s per fetch
        job.run_once()
        status = store.status("parking")
        assert status.state is SourceState.OK and status.consecutive_failures == 0
        assert status.fetch_seconds >= 0.5  # this fetch waited its answer out, within its own deadline


def test_deadline_settings_have_defaults_and_are_checked():
    source = SourceSettings(name="ods", format="opendatasoft", layer="parking", url="https://data.example.fr/x")
    reference = ReferenceSettings(name="ref", format="opendatasoft", url="https://data.example.fr/y")
    assert source.deadline_seconds == 120 and reference.deadline_seconds == 300
    for wrong in ({"deadline_seconds": 0}, {"deadline_seconds": 5000}, {"timeout_seconds": 60, "deadline_seconds": 30}):
        with pytest.raises(ValidationError, match="deadline_seconds"):
            SourceSettings(name="ods", format="opendatasoft", layer="parking", url="https://x.fr/d", **wrong)
        with pytest.raises(ValidationError, match="deadline_seconds"):
            ReferenceSettings(name="ref", format="opendatasoft", url="https://x.fr/d", **wrong)
