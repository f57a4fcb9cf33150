"""Redis behind Sentinel, with real processes: a master, a replica and one sentinel (quorum 1, to keep it light).

The master is killed while a collector writes: writes go on on the promoted replica without losing any that
were acknowledged, and the web app answers without 5xx once the failover is over.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from app import create_app
from dashboard import keys
from dashboard.layers import LAYERS
from dashboard.settings import Settings, load_settings
from dashboard.store import LeaderLock, NotLeader, StoreUnavailable, open_store
from tests.factories import form_token, parking_result
from tests.live_app import demo_manager
from tests.redis_topologies import SentinelProcesses

PASSWORD = "sentinel-test-data-password"
TIMEOUT = 0.5  # CITYOPS_REDIS_TIMEOUT_SECONDS
SETTLE = 1.5  # after the sentinel names the new master: the breaker's cool-down and pooled connections dropped


@pytest.fixture
def sentinel() -> Iterator[SentinelProcesses]:
    processes = SentinelProcesses(password=PASSWORD)
    processes.start()
    try:
        yield processes
    finally:
        processes.stop()


def _settings(sentinel: SentinelProcesses) -> Settings:
    return load_settings(
        {
            "REDIS_URL": sentinel.url,
            "CITYOPS_MANAGERS": demo_manager(),
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
            "CITYOPS_SECRET_KEY": "sentinel-test-secret-0123456789",
            "CITYOPS_REDIS_TIMEOUT_SECONDS": str(TIMEOUT),
        }
    )


class Writer:
    """A collector's writes of the parking layer, fenced by its leader lock, every 50 ms until stopped."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_store(settings)
        self.lock = LeaderLock(self.store.redis, keys.leader("parking", "test"), ttl_seconds=5)
        self.acknowledged: list[tuple[int, int]] = []  # (version, sequence number) of each write Redis confirmed
        self.failures = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        sequence = 0
        while not self.stop.wait(0.05):
            sequence += 1
            try:
                if not self.lock.hold():
                    continue
                version = self.store.write_snapshot(
                    "parking",
                    parking_result(occupied=sequence % 700, when=datetime.now(UTC)),
                    source="test",
                    demo=False,
                    writer=str(sequence),  # history keeps the writer with each entry: the sequence number here
                    fence=self.lock.fence(),
                )
                self.acknowledged.append((version, sequence))
            except (StoreUnavailable, NotLeader, redis.RedisError):
                self.failures += 1


def test_writes_continue_on_the_new_master_without_losing_any_and_the_web_app_recovers(sentinel):
    settings = _settings(sentinel)
    writer = Writer(settings)
    client = create_app(settings).test_client()
    old_master = sentinel.master_address()
    writer.thread.start()
    try:
        time.sleep(1)
        written_before = len(writer.acknowledged)
        assert written_before >= 5
        sentinel.kill(old_master[1])
        killed_at = time.monotonic()
        answers: list[tuple[float, str, int]] = []
        promoted_at = None
        while time.monotonic() - killed_at < 12:
            for path in ("/healthz", "/api/v1/public/layers/parking", "/embed/parking"):
                answers.append((time.monotonic(), path, client.get(path, follow_redirects=True).status_code))
            if promoted_at is None and sentinel.master_address() != old_master:
                promoted_at = time.monotonic()
            if promoted_at is not None and time.monotonic() - promoted_at > SETTLE + 3:
                break
            time.sleep(0.05)
    finally:
        writer.stop.set()
        writer.thread.join(timeout=10)

    assert promoted_at is not None, "the sentinel never promoted the replica"
    assert promoted_at - killed_at < 8
    after = [(path, status) for at, path, status in answers if at > promoted_at + SETTLE]
    assert after and all(status < 500 for _path, status in after), after
    # The public layer redirects to its current version's file; with a write every 50 ms that version can be
    # replaced before its file is asked for, which is a 404 no cache keeps (the next poll gets the new one).
    assert all(status == 200 or (status == 404 and "public" in path) for path, status in after[-6:]), after[-6:]

    # The writes went on after the failover, on the promoted replica, versions increasing one by one.
    assert len(writer.acknowledged) > written_before + 10
    versions = [version for version, _ in writer.acknowledged]
    assert versions == sorted(set(versions)), versions
    new_master = sentinel.data_client(sentinel.master_address()[1])
    assert new_master.info("replication")["role"] == "master"
    history = [
        (int(fields[b"version"]), int(fields[b"writer"])) for _id, fields in new_master.xrange(keys.history("parking"))
    ]
    # Every acknowledged write is in the new master's history, under the version it was acknowledged with.
    assert set(writer.acknowledged) <= set(history), sorted(set(writer.acknowledged) - set(history))
    assert [v for v, _ in history] == list(range(history[0][0], history[0][0] + len(history)))
    assert client.get("/api/v1/public/versions").get_json()["layers"]["parking"]["version"] == history[-1][0]


def test_a_master_that_stops_answering_costs_one_timeout_then_the_web_store_fails_fast(sentinel):
    settings = _settings(sentinel)
    store = open_store(settings, fail_fast=True)
    store.overview(LAYERS)
    master = sentinel.processes[sentinel.master_address()[1]]
    master.send_signal(signal.SIGSTOP)
    try:
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 3
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 0.8  # no wait for the timeout (a busy machine is slow)
    finally:
        master.send_signal(signal.SIGCONT)


def test_failed_sign_ins_are_counted_on_the_sentinel_master(sentinel):
    client = create_app(_settings(sentinel)).test_client()
    refused = client.post("/login", data={"username": "demo", "password": "wrong", "csrf_token": form_token(client)})
    assert refused.status_code == 401
    master = sentinel.data_client(sentinel.master_address()[1])
    assert master.keys(f"*{keys.login_prefix()}/*")


def test_a_sentinel_that_stops_answering_costs_one_timeout_then_the_web_store_fails_fast(sentinel):
    store = open_store(_settings(sentinel), fail_fast=True)  # no connection yet: the next call asks the sentinel
    sentinel.processes[sentinel.sentinel_port].send_signal(signal.SIGSTOP)
    try:
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 3
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 0.8  # no wait for the timeout (a busy machine is slow)
    finally:
        sentinel.processes[sentinel.sentinel_port].send_signal(signal.SIGCONT)
    time.sleep(1.1)  # the breaker's cool-down
    assert store.overview(LAYERS)["parking"].head is None  # answers again (nothing written in this test)
