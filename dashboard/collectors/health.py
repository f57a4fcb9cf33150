"""How a fetch's outcome changes a source's status (pure; no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from dashboard.models import SourceState, SourceStatus


def after_success(
    previous: SourceStatus, now: datetime, rejected: tuple[str, ...], reasons: tuple[tuple[str, int], ...] = ()
) -> SourceStatus:
    """Status after a fetch that produced a snapshot."""
    return replace(
        with_rejections(previous, rejected, reasons),
        state=SourceState.OK,
        last_attempt=now,
        last_success=now,
        last_error="",
        failing_since=None,
        consecutive_failures=0,
    )


def with_rejections(
    status: SourceStatus, rejected: tuple[str, ...], reasons: tuple[tuple[str, int], ...]
) -> SourceStatus:
    """`status` counting the rows of the last fetch that were read: how many were rejected, an example, why."""
    return replace(
        status, records_rejected=len(rejected), sample_rejection=rejected[0] if rejected else "", rejections=reasons
    )


def after_failure(previous: SourceStatus, now: datetime, error: str, freshness: timedelta) -> SourceStatus:
    """Status after a failed fetch: degraded while the last good data is still fresh, down after."""
    fresh = previous.last_success is not None and now - previous.last_success <= freshness
    return replace(
        previous,
        state=SourceState.DEGRADED if fresh else SourceState.DOWN,
        last_attempt=now,
        last_error=error,
        failing_since=previous.failing_since or now,
        consecutive_failures=previous.consecutive_failures + 1,
    )
