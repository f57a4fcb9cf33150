"""A collector job against a real Redis, driven by a fake clock and a scripted source (no sleeps)."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, SourceState
from dashboard.sources import SourceError
from dashboard.store import LeaderLock
from tests.factories import parking_result


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ScriptedSource:
    """Returns, in turn, each scripted outcome: a FetchResult, or an exception to raise."""

    name = "scripted"
    layer = "parking"
    demo = False

    def __init__(self, outcomes) -> None:
        self.outcomes = list(outcomes)

    def fetch(self, now):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def clock():
    return FakeClock()


def _job(store, redis_client, clock, outcomes):
    leader = LeaderLock(redis_client, keys.leader("parking", "scripted"), ttl_seconds=30)
    assert leader.hold()
    return SourceJob(
        ScriptedSource(outcomes),
        LAYERS["parking"],
        store,
        leader,
        interval=60,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=clock,
        rng=random.Random(0),
    )


def test_failures_keep_the_last_good_snapshot_and_say_why(store, redis_client, clock):
    job = _job(
        store,
        redis_client,
        clock,
        [
            parking_result(100),
            SourceError("HTTP 503 du serveur"),
            SourceError("HTTP 503 du serveur"),
            parking_result(200),
        ],
    )
    assert job.run_once() == 60
    clock.advance(60)
    assert job.run_once() == 15  # first retry at a quarter interval
    status = store.status("parking")
    assert status.state is SourceState.DEGRADED
    assert status.last_error == "HTTP 503 du serveur"
    assert status.failing_since == clock.now
    snapshot = store.snapshot("parking")
    assert len(store.history("parking")) == 1 and snapshot.records[0].occupied == 100

    clock.advance(15)
    assert job.run_once() == 30
    assert store.status("parking").consecutive_failures == 2

    clock.advance(30)
    assert job.run_once() == 60
    assert len(store.history("parking")) == 2
    assert store.status("parking").state is SourceState.OK


def test_source_down_once_data_outlives_its_freshness_budget(store, redis_client, clock):
    budget = LAYERS["parking"].freshness_seconds
    job = _job(store, redis_client, clock, [parking_result(), SourceError("timeout"), SourceError("timeout")])
    job.run_once()
    clock.advance(budget - 1)
    job.run_once()
    assert store.status("parking").state is SourceState.DEGRADED
    clock.advance(2)
    job.run_once()
    assert store.status("parking").state is SourceState.DOWN


def test_retry_after_is_honoured(store, redis_client, clock):
    job = _job(store, redis_client, clock, [SourceError("HTTP 429", retry_after=120)])
    assert job.run_once() == 120


def test_empty_feed_never_replaces_good_data(store, redis_client, clock):
    empty = FetchResult(records=(), fetched_at=clock.now, rejected=("lat manquante",) * 3)
    job = _job(store, redis_client, clock, [parking_result(42), empty])
    job.run_once()
    job.run_once()
    assert store.snapshot("parking").records[0].occupied == 42
    assert "aucun enregistrement" in store.status("parking").last_error


def test_a_crashing_adapter_is_recorded_not_fatal(store, redis_client, clock):
    job = _job(store, redis_client, clock, [ValueError("bad field 'lat'"), parking_result()])
    job.run_once()
    assert "ValueError" in store.status("parking").last_error
    job.run_once()
    assert store.status("parking").state is SourceState.OK


def test_logs_on_transitions_only(store, redis_client, clock, caplog):
    outcomes = [parking_result()] + [SourceError("HTTP 500")] * 5 + [parking_result()]
    job = _job(store, redis_client, clock, outcomes)
    with caplog.at_level(logging.INFO, logger="dashboard.collectors.job"):
        for _ in outcomes:
            job.run_once()
            clock.advance(10)
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "is degraded" in m]) == 1
    assert len([m for m in messages if "recovered" in m]) == 1
    assert len(messages) == 2


def test_a_job_that_lost_its_lock_cannot_write(store, redis_client, clock):
    job = _job(store, redis_client, clock, [parking_result(1), parking_result(2)])
    job.run_once()
    redis_client.delete(keys.leader("parking", "scripted"))  # lock expired; someone else may lead now
    from dashboard.store import NotLeader

    with pytest.raises(NotLeader):
        job.run_once()
    assert len(store.history("parking")) == 1
