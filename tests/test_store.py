"""The store against a real redis-server: snapshots, versions, history trimming, fenced writes, statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportPersonal, ReportRecord, ReportStatus, SourceState, SourceStatus
from dashboard.store import Fence, NotLeader, Store, StoreUnavailable, connect
from tests.factories import parking_result


def _write(store: Store, occupied: int = 100, **kwargs) -> int:
    result = parking_result(occupied)
    return store.write_snapshot(
        "parking", result, source="test", demo=False, summary=LAYERS["parking"].summarise(result.records), **kwargs
    )


def test_snapshot_round_trips_records_and_provenance(store):
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    result = parking_result(321, when)
    summary = LAYERS["parking"].summarise(result.records)
    store.write_snapshot("parking", result, source="demo-parking", demo=True, summary=summary)
    snapshot = store.snapshot("parking")
    assert snapshot.records == result.records
    assert snapshot.fetched_at == when
    assert snapshot.source == "demo-parking"
    assert snapshot.demo is True
    assert snapshot.summary == summary


def test_versions_increase_by_one_per_write(store):
    versions = [_write(store, occupied) for occupied in (1, 2, 3)]
    assert versions == [versions[0], versions[0] + 1, versions[0] + 2]
    assert store.snapshot("parking").version == versions[2]


def test_missing_layer_reads_as_none(store):
    assert store.snapshot("energy") is None
    overview = store.overview(["energy"])
    assert overview["energy"].head is None and overview["energy"].status is None


def test_overview_has_head_and_status_without_records(store):
    version = _write(store)
    store.write_status(SourceStatus(layer="parking", source="test", state=SourceState.DEGRADED, last_error="HTTP 500"))
    item = store.overview(["parking", "reports"])
    assert item["parking"].head.version == version
    assert item["parking"].head.summary.free == 748 - 100 + 300 - 10
    assert item["parking"].status.state is SourceState.DEGRADED
    assert item["parking"].status.last_error == "HTTP 500"
    assert item["reports"].head is None


def test_history_keeps_one_entry_per_version_with_writer(store):
    versions = [_write(store, occupied, writer="host:1") for occupied in (10, 20, 30)]
    entries = store.history("parking")
    assert [e.version for e in entries] == versions
    assert [e.summary.occupied for e in entries] == [20, 30, 40]
    assert {e.writer for e in entries} == {"host:1"}


def test_history_is_trimmed_by_age(redis_client):
    store = Store(redis_client, history_retention=timedelta(days=7))
    _write(store, 10)
    _write(store, 20)
    # A write "eight days later" drops everything older than seven days before it.
    last = _write(store, 30, now=datetime.now(UTC) + timedelta(days=8))
    assert [e.version for e in store.history("parking")] == [last]


def test_fenced_write_goes_through_only_with_the_current_token(store, redis_client):
    redis_client.set("cityops:{parking}:leader:test", b"token-a")
    version = _write(store, fence=Fence("cityops:{parking}:leader:test", b"token-a"))
    with pytest.raises(NotLeader):
        _write(store, fence=Fence("cityops:{parking}:leader:test", b"token-b"))
    assert store.snapshot("parking").version == version


def test_status_round_trip(store):
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    status = SourceStatus(
        layer="reports",
        source="demo-reports",
        state=SourceState.DOWN,
        writer="h:2",
        last_attempt=now,
        last_success=now - timedelta(hours=1),
        last_error="délai dépassé",
        failing_since=now - timedelta(minutes=5),
        consecutive_failures=4,
        records_rejected=2,
        sample_rejection="lat manquante",
    )
    store.write_status(status)
    assert store.status("reports") == status


def test_unreachable_redis_raises_store_unavailable(redis_server):
    from tests.redis_server import free_port

    store = Store(connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2))
    with pytest.raises(StoreUnavailable):
        store.overview(["parking"])
    with pytest.raises(StoreUnavailable):
        store.ping()


def test_store_recovers_when_redis_comes_back():
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    store = Store(connect(server.url, timeout_seconds=0.5))
    try:
        _write(store)
        server.stop()
        with pytest.raises(StoreUnavailable):
            store.overview(["parking"])
        server.start()
        assert store.overview(["parking"])["parking"].head is None  # no persistence: empty, but answering
    finally:
        server.stop()


def _reports(personal: dict[str, ReportPersonal], *ids: str) -> FetchResult:
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    records = tuple(ReportRecord(rid, "Voirie", ReportStatus.NEW, 1.44, 43.6, when, when) for rid in ids)
    return FetchResult(records, when, personal=personal)


def test_personal_fields_live_beside_the_snapshot_and_follow_its_records(store, redis_client):
    first = ReportPersonal(description="Trou devant le 12 bis", address="12 bis rue X", photo_url="https://p/1.jpg")
    second = ReportPersonal(status_notes="Rappeler Mme Durand")
    stray = ReportPersonal(description="rejeté après la validation")
    store.write_snapshot(
        "reports", _reports({"r1": first, "r2": second, "r9": stray}, "r1", "r2"), source="t", demo=False
    )
    assert store.personal("reports", "r1") == first and store.personal("reports", "r2") == second
    assert store.personal("reports", "r9") is None  # not in the snapshot: not kept
    assert b"12 bis" not in redis_client.hget("cityops:{reports}:snapshot", "records")
    assert set(redis_client.hkeys("cityops:{reports}:personal")) == {b"r1", b"r2"}

    # r2 leaves the feed: its entry goes in the same write that drops it from the snapshot.
    changed = ReportPersonal(description="Trou rebouché")
    store.write_snapshot("reports", _reports({"r1": changed}, "r1"), source="t", demo=False)
    assert store.personal("reports", "r1") == changed
    assert redis_client.hkeys("cityops:{reports}:personal") == [b"r1"]

    store.write_snapshot("reports", _reports({}, "r1"), source="t", demo=False)
    assert not redis_client.exists("cityops:{reports}:personal")
