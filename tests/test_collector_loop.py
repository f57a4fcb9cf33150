"""The collectors' run loop against real redis-server processes: slow fetches, outages, takeovers, logs."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import redis

from dashboard import keys
from dashboard.alarms import AlarmEvaluator
from dashboard.collectors.alarm_job import AlarmJob
from dashboard.collectors.job import SourceJob
from dashboard.collectors.loop import INFRA_RETRY_MAX, LeaderLoop
from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, SourceState
from dashboard.snapshots import SnapshotReader
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import AlarmStore, LeaderLock, NotLeader, Store, connect
from tests.factories import parking_result
from tests.feed_server import Reply
from tests.redis_server import RedisServer, free_port
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows


class SteadySource:
    """A feed that always answers, after `before_answer` has run (to act during the fetch)."""

    name = "steady"
    layer = "parking"
    demo = False

    def __init__(self, before_answer: Callable[[], None] = lambda: None) -> None:
        self.before_answer = before_answer
        self.fetches = 0

    def fetch(self, now: datetime) -> FetchResult:
        self.fetches += 1
        self.before_answer()
        return parking_result(100 + self.fetches, when=now)


def _job(store: Store, client: redis.Redis, source, *, ttl: float, interval: float = 60.0) -> SourceJob:
    return SourceJob(
        source,
        LAYERS["parking"],
        store,
        LeaderLock(client, keys.leader("parking", source.name), ttl_seconds=ttl),
        interval=interval,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        rng=random.Random(0),
    )


def _wait_for(predicate: Callable[[], object], timeout: float, step: float = 0.02) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except redis.RedisError:
            value = None
        if value:
            return value
        time.sleep(step)
    return None


class Running:
    """Runs a job's loop in a thread until the test is over."""

    def __init__(self, run: Callable[[threading.Event], None]) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=run, args=(self.stop,), daemon=True)
        self.thread.start()

    def end(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, which the test may stop and start again on the same port."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_a_fetch_longer_than_the_lock_ttl_is_written(store, redis_client, feed_server):
    rows = ods_parking_rows(3)
    body = json.dumps({"total_count": len(rows), "results": rows}).encode()
    feed_server.route(f"{ODS_PATH}/records", Reply(200, body, {"Content-Type": "application/json"}, delay=2.5))
    source = OpendatasoftSource(
        "steady", "parking", feed_server.url + ODS_PATH, client=FeedClient(timeout=5, retries=0)
    )
    job = _job(store, redis_client, source, ttl=1.0)
    running = Running(job.run)
    try:
        snapshot = _wait_for(lambda: store.snapshot("parking"), timeout=6)
    finally:
        running.end()
    assert snapshot is not None, "a 2.5 s answer under a 1 s lock was never written"
    assert len(store.history("parking")) == 1 and len(snapshot.records) == 3
    assert store.status("parking").state is SourceState.OK
    assert len(feed_server.hits) == 1  # read once, not again and again


def test_a_write_refused_after_a_takeover_says_so_in_the_status(store, redis_client):
    source = SteadySource()
    job = _job(store, redis_client, source, ttl=30)
    assert job.leader.hold()
    assert job.run_once() > 0  # a first good fetch
    other = LeaderLock(redis.Redis(connection_pool=redis_client.connection_pool), job.leader.key, ttl_seconds=30)

    def taken_over_meanwhile() -> None:
        redis_client.delete(job.leader.key)  # the lock expired (a long pause) and another collector took it
        assert other.hold()

    source.before_answer = taken_over_meanwhile
    with pytest.raises(NotLeader):
        job.run_once()
    assert len(store.history("parking")) == 1  # the late write was refused
    status = store.status("parking")
    assert status.last_error == t("collector.lock_lost", "fr")
    assert status.state is SourceState.DEGRADED  # the data of the first fetch is still fresh
    assert status.consecutive_failures == 1


def test_a_collector_that_lost_its_lock_never_overwrites_the_new_leaders_status(store, redis_client):
    old = _job(store, redis_client, SteadySource(), ttl=30)
    assert old.leader.hold()
    old.run_once()
    redis_client.delete(old.leader.key)
    new = _job(store, redis_client, SteadySource(), ttl=30)
    new.source.fetches = 10  # its feed has moved on: a new version
    new.writer = "test:2"
    assert new.leader.hold()
    new.run_once()  # the new leader reports first
    with pytest.raises(NotLeader):
        old.run_once()
    status = store.status("parking")
    assert status.writer == "test:2" and status.state is SourceState.OK and status.last_error == ""
    assert len(store.history("parking")) == 2


def test_collectors_write_again_within_5_s_of_redis_coming_back(own_redis):
    client = connect(own_redis.url)
    store = Store(client)
    job = _job(store, client, SteadySource(), ttl=30)  # the default lock lifetime
    running = Running(job.run)
    try:
        assert _wait_for(lambda: store.snapshot("parking"), timeout=5)
        own_redis.stop()
        time.sleep(3)  # long enough for the old loop's backoff to grow
        own_redis.start()  # same port, empty: the lock and the data are gone
        back = time.monotonic()
        written = _wait_for(lambda: store.snapshot("parking"), timeout=8)
        took = time.monotonic() - back
    finally:
        running.end()
    assert written, "no data written within 8 s of Redis coming back"
    assert took <= 5.0, f"new data {took:.1f} s after Redis came back"


def test_a_follower_takes_over_within_the_ttl_of_a_dead_leader(store, redis_client):
    ttl = 3.0
    key = keys.leader("parking", "steady")
    dead = LeaderLock(redis.Redis(connection_pool=redis_client.connection_pool), key, ttl_seconds=ttl)
    assert dead.hold()
    started = time.monotonic()
    time.sleep(0.5)
    follower = _job(store, redis_client, SteadySource(), ttl=ttl)
    running = Running(follower.run)
    try:
        time.sleep(1.0 - (time.monotonic() - started))
        assert dead.hold()  # the leader's last renewal...
        time.sleep(0.3)
        killed = time.monotonic()  # ...and then it is killed: nobody renews the lock any more
        assert store.snapshot("parking") is None
        assert _wait_for(lambda: store.snapshot("parking"), timeout=ttl + 3)
        took = time.monotonic() - killed
    finally:
        running.end()
    assert took <= ttl, f"takeover {took:.2f} s after the leader died, with a {ttl} s lock"


def test_the_alarm_job_logs_an_outage_once_and_its_end_once(own_redis, caplog):
    client = connect(own_redis.url, timeout_seconds=0.5)
    store = Store(client)
    job = AlarmJob(
        SnapshotReader(store),
        AlarmStore(client),
        LeaderLock(client, keys.alarms_leader(), ttl_seconds=3),
        AlarmEvaluator([]),
        interval=0.1,
    )
    with caplog.at_level(logging.INFO, logger="dashboard.collectors"):
        running = Running(job.run)
        try:
            assert _wait_for(lambda: client.exists(keys.alarms_leader()), timeout=5)
            own_redis.stop()
            time.sleep(2.5)  # many evaluation intervals without Redis
            own_redis.start()
            assert _wait_for(lambda: client.exists(keys.alarms_leader()), timeout=5)
            time.sleep(0.5)  # many more intervals with Redis back
        finally:
            running.end()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([m for m in messages if "Redis unreachable" in m]) == 1, messages
    assert len([m for m in messages if "Redis is reachable again" in m]) == 1, messages
    assert len(messages) == 2, messages


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_loop_probes_an_unreachable_redis_about_every_second():
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    loop = LeaderLoop("test", LeaderLock(client, "cityops:test:leader", 30), lambda: 60.0, retry=60.0)
    waits = [loop.turn() for _ in range(8)]
    assert waits[0] < INFRA_RETRY_MAX and waits == sorted(waits)
    assert max(waits) == INFRA_RETRY_MAX == 1.0
    assert loop.problem == "redis"


def test_the_loop_works_when_due_and_logs_a_failing_job_once(redis_client, caplog):
    clock = FakeClock()
    outcomes: list[float | Exception] = [30.0, RuntimeError("rule bug"), RuntimeError("rule bug"), 30.0, 30.0]
    runs: list[float] = []

    def work() -> float:
        runs.append(clock.now)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    loop = LeaderLoop("test job", LeaderLock(redis_client, "cityops:test:leader", 30), work, retry=15.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="dashboard.collectors"):
        assert loop.turn() == 1.0  # worked, due in 30 s, but checks its lock every second
        clock.now += 10
        assert loop.turn() == 1.0 and len(runs) == 1  # not due: only renewed
        clock.now += 20
        assert loop.turn() == 15.0  # due: failed, retried after `retry`
        clock.now += 15
        assert loop.turn() == 15.0  # failed again
        clock.now += 15
        assert loop.turn() == 1.0  # recovered
        clock.now += 29.5
        assert loop.turn() == 0.5  # due in half a second
    assert runs == [1000.0, 1030.0, 1045.0, 1060.0]
    clock.now += 0.5
    loop.turn()
    assert runs[-1] == 1090.0
    messages = [r.getMessage() for r in caplog.records]
    assert [m.splitlines()[0] for m in messages] == ["test job failed: rule bug", "test job runs again"]
    assert "Traceback" in messages[0]  # the bug's traceback is logged once, with the first failure
    loop.leader.step_down()
