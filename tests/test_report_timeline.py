"""Each report's status changes, kept by the store beside the snapshot, against a real redis-server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard import keys
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.store import Store

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _report(report_id: str, status: ReportStatus, updated: datetime) -> ReportRecord:
    return ReportRecord(report_id, "voirie", status, 1.44, 43.60, T0 - timedelta(hours=1), updated)


def _write(store: Store, when: datetime, *reports: ReportRecord) -> int:
    layer = LAYERS["reports"]
    return store.write_snapshot(
        "reports",
        FetchResult(records=reports, fetched_at=when),
        source="test",
        demo=False,
        summary=layer.summarise(reports),
        timeline={r.id: layer.timeline(r) for r in reports},
        now=when,
    )


def test_status_changes_are_appended_once_per_change(store):
    first = (_report("a", ReportStatus.NEW, T0), _report("b", ReportStatus.IN_PROGRESS, T0))
    created = _write(store, T0, *first)
    _write(store, T0 + timedelta(minutes=1), *first)
    acked = T0 + timedelta(minutes=2)
    changed = _write(store, T0 + timedelta(minutes=3), _report("a", ReportStatus.ACKNOWLEDGED, acked))

    timeline = store.timeline("reports", "a", now=T0)
    assert [(e.previous, e.value) for e in timeline] == [("", "new"), ("new", "acknowledged")]
    assert timeline[1].at == acked
    assert timeline[1].seen == T0 + timedelta(minutes=3)
    assert [e.version for e in timeline] == [created, changed] and changed == created + 1  # the same data: no version
    # Unchanged writes add nothing; a record that left the feed keeps what it had.
    assert [e.value for e in store.timeline("reports", "b", now=T0)] == ["in_progress"]
    assert store.timeline("reports", "nobody", now=T0) == []


def test_timelines_expire_with_the_history_retention(redis_client):
    store = Store(redis_client, history_retention=timedelta(hours=1))
    _write(store, T0, _report("a", ReportStatus.NEW, T0))
    ttl = redis_client.ttl(keys.timeline("reports", "a"))
    assert 3500 < ttl <= 3600
    assert store.timeline("reports", "a", now=T0 + timedelta(minutes=59))[0].value == "new"
    assert store.timeline("reports", "a", now=T0 + timedelta(hours=2)) == []


def test_the_timeline_is_written_in_the_snapshot_transaction_and_not_read_back_with_it(store, redis_client):
    _write(store, T0, _report("a", ReportStatus.NEW, T0))
    assert redis_client.hexists(keys.snapshot("reports"), "timeline")
    assert [r.id for r in store.snapshot("reports").records] == ["a"]
    # A layer without a timeline drops the field, so a later layer swap cannot diff against stale values.
    store.write_snapshot("reports", FetchResult(records=(), fetched_at=T0), source="t", demo=False)
    assert not redis_client.hexists(keys.snapshot("reports"), "timeline")


def test_the_reports_collector_keeps_the_demo_reports_timelines(store, redis_client):
    from dashboard.collectors.job import SourceJob
    from dashboard.sources.demo import build_demo_sources
    from dashboard.store import LeaderLock

    source = next(s for s in build_demo_sources(31555) if s.layer == "reports")
    leader = LeaderLock(redis_client, keys.leader("reports", source.name), ttl_seconds=30)
    assert leader.hold()
    now = datetime.now(UTC)
    clock = iter([now, now + timedelta(hours=2)])
    job = SourceJob(
        source,
        LAYERS["reports"],
        store,
        leader,
        interval=30,
        jitter_ratio=0,
        backoff_max=60,
        writer="t",
        clock=lambda: next(clock),
    )
    job.run_once()
    first = {r.id: r.status for r in store.snapshot("reports").records}
    job.run_once()
    changed = [r for r in store.snapshot("reports").records if r.id in first and first[r.id] is not r.status]
    assert changed, "two hours of demo time move some reports on"
    timeline = store.timeline("reports", changed[0].id)
    assert [(e.previous, e.value) for e in timeline] == [
        ("", first[changed[0].id].value),
        (first[changed[0].id].value, changed[0].status.value),
    ]
    assert timeline[1].at == changed[0].updated_at
