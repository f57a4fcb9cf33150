"""What the screen says about a layer's freshness: state, age in words, and why (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.i18n import age_in_words, city_time, t
from dashboard.layers import Layer
from dashboard.models import LayerOverview, SourceState


@dataclass(frozen=True, slots=True)
class Freshness:
    """A layer's badge: its state key ('ok', 'degraded', 'down', 'stale', 'waiting'), label, age and reason.

    `since` and `problem` say, for a layer in trouble, since when and what is wrong in a few words.
    """

    layer: str
    state: str
    label: str
    age: str
    reason: str
    demo: bool
    since: datetime | None = None
    problem: str = ""

    @property
    def in_trouble(self) -> bool:
        return self.state in ("degraded", "down", "stale")


def freshness(layer: Layer, overview: LayerOverview, now: datetime, lang: str) -> Freshness:
    """Badge of one layer: the worse of its source's state and the age of its data against its budget."""
    head, status = overview.head, overview.status
    if head is None or head.fetched_at is None:
        state = SourceState.DOWN.value if status and status.state is not SourceState.OK else "waiting"
        reason = status.last_error if status else ""
        since = status.failing_since if status else None
        return Freshness(layer.name, state, t(f"state.{state}", lang), "", reason, False, since, reason)
    age_seconds = max((now - head.fetched_at).total_seconds(), 0.0)
    state = status.state.value if status else SourceState.OK.value
    since, problem = (status.failing_since, status.last_error) if status else (None, "")
    if state == SourceState.OK.value and age_seconds > layer.freshness_seconds:
        state = "stale"
        since = head.fetched_at + timedelta(seconds=layer.freshness_seconds)
        problem = t("state.stale_detail", lang, time=city_time(head.fetched_at, lang, with_date=True))
    parts = [
        t(
            "badge.tooltip",
            lang,
            title=layer.title(lang),
            state=t(f"state.{state}", lang),
            time=city_time(head.fetched_at, lang, with_date=True),
            source=head.source,
        )
    ]
    if status and status.consecutive_failures and status.failing_since:
        parts.append(
            t(
                "badge.failing",
                lang,
                since=city_time(status.failing_since, lang, with_date=True),
                failures=status.consecutive_failures,
                error=status.last_error,
            )
        )
    if status and status.records_rejected:
        parts.append(t("badge.rejected", lang, n=status.records_rejected, sample=status.sample_rejection))
    return Freshness(
        layer=layer.name,
        state=state,
        label=t(f"state.{state}", lang),
        age=age_in_words(age_seconds, lang),
        reason=" ".join(parts),
        demo=head.demo,
        since=since,
        problem=problem,
    )
