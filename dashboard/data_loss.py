"""What the screens say when history is shorter than a chart's window: Redis lost its data, or has just started."""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard.i18n import at_moment

# A history starting this share of a window late is not worth a notice (trimming by age leaves the oldest
# entry a little inside a window as long as the retention).
_SLACK = 1 / 50


def history_note(start: datetime | None, window_end: datetime, span: timedelta, lang: str) -> str:
    """« Historique disponible depuis … » when the history began inside the window `span` before `window_end`."""
    if start is None or start <= window_end - span + span * _SLACK:
        return ""
    return at_moment("history.since", start, lang)


def loss_notice(born: datetime | None, now: datetime, retention: timedelta, lang: str) -> str:
    """The managers' notice that Redis lost its data at `born`, while history is shorter than it is kept; or ''."""
    if born is None or now - born >= retention:
        return ""
    return at_moment("banner.data_lost", born, lang)
