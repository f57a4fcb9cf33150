"""Pure scheduling and status rules of the collectors."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.collectors.health import after_failure, after_success
from dashboard.collectors.schedule import next_delay
from dashboard.models import SourceState, SourceStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _delay(failures, retry_after=None, jitter=0.0):
    return next_delay(60, failures, jitter_ratio=jitter, backoff_max=300, rng=random.Random(1), retry_after=retry_after)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, 60), (1, 15), (2, 30), (3, 60), (4, 120), (5, 240), (6, 300), (40, 300)],
)
def test_backoff_doubles_from_a_quarter_interval_up_to_the_cap(failures, expected):
    assert _delay(failures) == pytest.approx(expected)


def test_retry_after_is_never_shortened():
    assert _delay(1, retry_after=120) == pytest.approx(120)
    assert _delay(0, retry_after=10) == pytest.approx(60)


def test_jitter_spreads_within_the_ratio():
    rng = random.Random(7)
    delays = [next_delay(60, 0, jitter_ratio=0.1, backoff_max=300, rng=rng) for _ in range(200)]
    assert min(delays) >= 54 and max(delays) <= 66
    assert max(delays) - min(delays) > 6  # actually spread, not constant


def test_failure_is_degraded_while_data_is_fresh_then_down():
    ok = after_success(SourceStatus("parking", "s", SourceState.DOWN), NOW, ())
    first = after_failure(ok, NOW + timedelta(minutes=1), "HTTP 500", timedelta(minutes=5))
    assert first.state is SourceState.DEGRADED
    assert first.failing_since == NOW + timedelta(minutes=1)
    later = after_failure(first, NOW + timedelta(minutes=6), "HTTP 500", timedelta(minutes=5))
    assert later.state is SourceState.DOWN
    assert later.failing_since == first.failing_since
    assert later.consecutive_failures == 2
    assert later.last_success == NOW


def test_failure_without_any_success_is_down():
    status = after_failure(SourceStatus("energy", "s", SourceState.DOWN), NOW, "timeout", timedelta(hours=1))
    assert status.state is SourceState.DOWN


def test_success_clears_failure_and_counts_rejections():
    failing = SourceStatus(
        "reports", "s", SourceState.DEGRADED, consecutive_failures=3, failing_since=NOW, last_error="x"
    )
    status = after_success(failing, NOW + timedelta(minutes=1), ("bad lat", "dup id"))
    assert status.state is SourceState.OK
    assert (status.consecutive_failures, status.failing_since, status.last_error) == (0, None, "")
    assert status.records_rejected == 2 and status.sample_rejection == "bad lat"
