"""Threshold alarms in a real Redis: literal keys, transitions, acknowledgement, and the collectors' alarm job."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from dashboard import keys
from dashboard.alarm_settings import SourceDownRule
from dashboard.alarms import AlarmEvaluator
from dashboard.collectors.alarm_job import AlarmJob
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.layers.parking import ParkingFullRule
from dashboard.snapshots import SnapshotReader
from dashboard.sources import SourceError
from dashboard.store import AlarmStore, LeaderLock, NotLeader
from tests.factories import parking_result
from tests.test_collector_job import FakeClock, ScriptedSource

RULES = [
    ParkingFullRule(id="parking-full", kind="parking_full", threshold_percent=95, hold_minutes=10),
    SourceDownRule(id="source-down", kind="source_down", down_minutes=5),
]


def test_alarm_keys_are_literal_and_share_one_hash_tag():
    assert keys.alarms_active() == "cityops:{alarms}:active"
    assert keys.alarms_pending() == "cityops:{alarms}:pending"
    assert keys.alarms_cleared() == "cityops:{alarms}:cleared"
    assert keys.alarms_version() == "cityops:{alarms}:version"
    assert keys.alarms_leader() == "cityops:{alarms}:leader"


class Collectors:
    """A parking source job and the alarm job sharing one real Redis and one fake clock."""

    def __init__(self, store, redis_client, outcomes, *, cleared_kept: int = 200) -> None:
        self.clock = FakeClock()
        self.redis = redis_client
        source_leader = LeaderLock(redis_client, keys.leader("parking", "scripted"), ttl_seconds=30)
        assert source_leader.hold()
        self.source = SourceJob(
            ScriptedSource(outcomes), LAYERS["parking"], store, source_leader,
            interval=60, jitter_ratio=0, backoff_max=600, writer="test:1", clock=self.clock,
        )  # fmt: skip
        self.alarms = AlarmStore(redis_client, cleared_kept=cleared_kept)
        self.store = store
        self.ids = itertools.count(1)
        self.alarm_job: AlarmJob | None = None
        self.alarm_job = self.new_alarm_job()

    def new_alarm_job(self) -> AlarmJob:
        """An alarm job as a freshly started collector process builds it (nothing kept in memory)."""
        if self.alarm_job is not None:
            self.alarm_job.leader.step_down()  # the old process stops
        leader = LeaderLock(self.redis, keys.alarms_leader(), ttl_seconds=30)
        assert leader.hold()
        evaluator = AlarmEvaluator(RULES, clock=self.clock, new_id=lambda: f"alarm-{next(self.ids)}")
        return AlarmJob(SnapshotReader(self.store), self.alarms, leader, evaluator, interval=15)

    def tick(self, minutes: float):
        """Fetch once, evaluate once, then let `minutes` pass."""
        self.source.run_once()
        evaluation = self.alarm_job.run_once()
        self.clock.advance(minutes * 60)
        return evaluation


def test_the_alarm_job_raises_from_a_real_store_and_the_hold_survives_a_restart(store, redis_client):
    full = parking_result(740)  # Capitole: 740 of 748
    c = Collectors(store, redis_client, [full] * 4 + [parking_result(100)])
    first = c.tick(6)
    assert first.raised == () and list(first.pending_started) == ["parking-full|capitole"]
    since = redis_client.hget("cityops:{alarms}:pending", "parking-full|capitole")
    assert datetime.fromisoformat(since.decode()) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    c.alarm_job = c.new_alarm_job()  # the collector restarts: the hold's start comes back from Redis
    assert c.tick(4).raised == ()
    raised = c.tick(1).raised
    assert [(a.id, a.name, a.value) for a in raised] == [("alarm-1", "Capitole", 98.9)]
    assert redis_client.hlen("cityops:{alarms}:pending") == 0
    stored = orjson.loads(redis_client.hget("cityops:{alarms}:active", "alarm-1"))
    assert stored["since"] == "2026-11-25T08:00:00+00:00" and stored["raised_at"] == "2026-11-25T08:10:00+00:00"
    assert stored["acknowledged_by"] == "" and stored["cleared_at"] is None
    raised_version = int(redis_client.get("cityops:{alarms}:version"))
    assert [a.id for a in c.alarms.active()] == ["alarm-1"]

    c.tick(1)  # still full: nothing new, version unchanged
    assert int(redis_client.get("cityops:{alarms}:version")) == raised_version
    cleared = c.tick(1).cleared  # 100 of 748
    assert [a.id for a in cleared] == ["alarm-1"]
    assert redis_client.hlen("cityops:{alarms}:active") == 0
    assert [a.id for a in c.alarms.cleared()] == ["alarm-1"]
    assert c.alarms.cleared()[0].cleared_at == datetime(2026, 11, 25, 8, 12, tzinfo=UTC)
    assert c.alarms.version() == raised_version + 1


def test_acknowledgement_is_recorded_once_and_kept_when_the_alarm_clears(store, redis_client):
    c = Collectors(store, redis_client, [parking_result(748)] * 3 + [parking_result(0)] + [parking_result(748)] * 3)
    c.tick(10)
    (alarm,) = c.tick(1).raised
    raised_version = c.alarms.version()
    when = datetime(2026, 11, 25, 8, 11, 30, tzinfo=UTC)
    acknowledged = c.alarms.acknowledge(alarm.id, "camille.durand", when)
    assert (acknowledged.acknowledged_by, acknowledged.acknowledged_at) == ("camille.durand", when)
    assert c.alarms.acknowledge(alarm.id, "someone.else", when + timedelta(minutes=1)).acknowledged_by == (
        "camille.durand"
    )
    assert c.alarms.version() == raised_version + 1
    stored = orjson.loads(redis_client.hget("cityops:{alarms}:active", alarm.id))
    assert stored["acknowledged_by"] == "camille.durand" and stored["acknowledged_at"] == "2026-11-25T08:11:30+00:00"

    c.tick(1)
    (cleared,) = c.tick(1).cleared
    assert cleared.acknowledged_by == "camille.durand"
    assert c.alarms.acknowledge(alarm.id, "late", when) is None  # no longer active
    assert orjson.loads(redis_client.lindex("cityops:{alarms}:cleared", 0))["acknowledged_by"] == "camille.durand"

    c.tick(10)
    (again,) = c.tick(1).raised
    assert again.id != alarm.id and again.acknowledged_by == "" and again.acknowledged_at is None


def test_the_cleared_list_is_bounded(store, redis_client):
    outcomes = [parking_result(748), parking_result(0)] * 4
    c = Collectors(store, redis_client, outcomes, cleared_kept=2)
    c.alarm_job.evaluator.rules = (RULES[0].model_copy(update={"hold_minutes": 0}),)
    for _ in outcomes:
        c.tick(1)
    assert redis_client.llen("cityops:{alarms}:cleared") == 2
    assert [a.id for a in c.alarms.cleared()] == ["alarm-4", "alarm-3"]


def test_a_failing_source_raises_a_source_down_alarm(store, redis_client):
    c = Collectors(store, redis_client, [parking_result(10)] + [SourceError("HTTP 503 du serveur")] * 8)
    c.tick(1)
    for _ in range(5):
        evaluation = c.tick(1)
    assert evaluation.raised == ()
    (alarm,) = c.tick(1).raised
    assert (alarm.rule, alarm.layer, alarm.severity, alarm.detail) == (
        "source-down", "parking", "critical", "HTTP 503 du serveur",
    )  # fmt: skip
    assert alarm.since == datetime(2026, 11, 25, 8, 1, tzinfo=UTC)  # the source's own failing_since


def test_an_alarm_job_that_lost_its_lock_writes_nothing(store, redis_client):
    c = Collectors(store, redis_client, [parking_result(748)] * 2)
    c.alarm_job.evaluator.rules = (RULES[0].model_copy(update={"hold_minutes": 0}),)
    redis_client.delete(keys.alarms_leader())
    with pytest.raises(NotLeader):
        c.tick(1)
    assert redis_client.exists("cityops:{alarms}:active", "cityops:{alarms}:version") == 0


def test_the_alarms_api_lists_active_and_cleared_alarms_with_an_etag(store, redis_client):
    from flask import Flask

    from dashboard.alarm_api import create_alarm_api

    app = Flask(__name__)
    app.register_blueprint(create_alarm_api(AlarmStore(redis_client)))
    client = app.test_client()
    empty = client.get("/api/v1/alarms")
    assert empty.status_code == 200 and empty.get_json() == {"version": 0, "active": [], "cleared": []}

    c = Collectors(store, redis_client, [parking_result(748)] * 3 + [parking_result(0)])
    c.tick(10)
    (alarm,) = c.tick(1).raised
    c.alarms.acknowledge(alarm.id, "camille.durand", datetime(2026, 11, 25, 8, 12, tzinfo=UTC))
    body = client.get("/api/v1/alarms?lang=en").get_json()
    (active,) = body["active"]
    assert (active["id"], active["severity"], active["acknowledged_by"]) == (alarm.id, "warning", "camille.durand")
    assert active["text"] == {
        "severity_label": "Warning",
        "what": "Car park 100 % full (threshold 95 %)",
        "where": "Capitole",
        "since": "25/11/2026 09:00 (Paris time, CET)",
        "acknowledged": "Acknowledged by camille.durand on 25/11/2026 09:12 (Paris time, CET)",
    }
    etag = client.get("/api/v1/alarms?lang=en").headers["ETag"]
    assert client.get("/api/v1/alarms?lang=en", headers={"If-None-Match": etag}).status_code == 304
    c.tick(1)
    c.tick(1)  # empty now: cleared
    body = client.get("/api/v1/alarms", headers={"If-None-Match": etag}).get_json()
    assert body["active"] == [] and body["cleared"][0]["text"]["what"] == "Parking rempli à 100 % (seuil 95 %)"


def test_the_alarms_api_says_503_when_redis_is_away():
    from flask import Flask

    from dashboard.alarm_api import create_alarm_api
    from dashboard.store import connect
    from tests.redis_server import free_port

    app = Flask(__name__)
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    app.register_blueprint(create_alarm_api(AlarmStore(client)))
    response = app.test_client().get("/api/v1/alarms")
    assert response.status_code == 503 and "Redis injoignable" in response.get_json()["error"]


def test_two_collector_processes_evaluate_the_alarms_through_one_leader(store, redis_client):
    import threading
    import time

    c = Collectors(store, redis_client, [parking_result(748)])
    c.source.run_once()
    c.alarm_job.leader.step_down()
    rule = RULES[0].model_copy(update={"hold_minutes": 0})
    jobs = [
        AlarmJob(
            SnapshotReader(store), AlarmStore(redis_client),
            LeaderLock(redis_client, keys.alarms_leader(), ttl_seconds=3), AlarmEvaluator([rule]), interval=0.1,
        )
        for _ in range(2)
    ]  # fmt: skip
    stop = threading.Event()
    threads = [threading.Thread(target=job.run, args=(stop,)) for job in jobs]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while not redis_client.hlen("cityops:{alarms}:active") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [a.name for a in AlarmStore(redis_client).active()] == ["Capitole"]
        assert [job.leader.held for job in jobs].count(True) == 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
    assert not redis_client.exists(keys.alarms_leader())  # released on the way out
