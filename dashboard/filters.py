"""The managers' filters: validated once, normalised to a cache key, applied to any layer's records (pure).

Commune and quartier narrow every layer. Status, category and time window describe citizen reports, so
they narrow the reports layer only; `for_layer` drops what does not apply, so changing a report criterion
never rebuilds the car parks' traces.

The time window counts back from the layer's data time (its snapshot's `fetched_at`), not from the clock:
one layer version then gives one answer for every viewer, and the answer can be memoised per version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dashboard.areas import area_code
from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.models import Record, ReportRecord, ReportStatus

# Time windows offered, oldest creation time allowed as an age; "all" has no bound.
WINDOWS: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}
DEFAULT_WINDOW = "all"
STATUSES = tuple(status.value for status in ReportStatus)
# Bounds on what a client may send: the values are matched against known sets, but never stored unbounded.
MAX_VALUE_LENGTH = 120
MAX_CATEGORIES = 50


@dataclass(frozen=True, slots=True)
class Filters:
    """What the managers' page narrows its map, KPI tiles and tables to; the empty default shows everything."""

    commune: str = ""
    quartier: str = ""
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    window: str = DEFAULT_WINDOW

    @property
    def active(self) -> bool:
        """Whether anything is narrowed at all."""
        return self != Filters()

    def for_layer(self, layer_record_type: type) -> Filters:
        """The criteria that apply to records of `layer_record_type` (status, category and window only to the
        layer they describe, Layer.criteria)."""
        if any(layer.criteria and layer.record_type is layer_record_type for layer in LAYERS.values()):
            return self
        return Filters(commune=self.commune, quartier=self.quartier)

    def key(self) -> str:
        """A short, stable text naming these filters, for cache keys and 'has anything changed' checks."""
        if not self.active:
            return ""
        parts = [
            f"c={self.commune}",
            f"q={self.quartier}",
            "s=" + ",".join(self.statuses),
            "k=" + ",".join(self.categories),
            f"w={self.window}",
        ]
        return "|".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as kept in the page's filter store."""
        return {
            "commune": self.commune,
            "quartier": self.quartier,
            "statuses": list(self.statuses),
            "categories": list(self.categories),
            "window": self.window,
        }


def _text(value: Any) -> str:
    """A short string from a client value ('' for anything else: numbers become text, the rest is dropped)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        return ""
    return value.strip()


def _texts(values: Any) -> list[str]:
    """Strings from a client list (a lone string counts as a list of one), short ones only."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return []
    return [text for text in (_text(v) for v in values[: MAX_CATEGORIES * 2]) if text]


def parse_filters(
    raw: Any,
    *,
    communes: Iterable[str] | None = None,
    quartiers: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
) -> tuple[Filters, list[tuple[str, str]]]:
    """(valid filters, [(criterion, rejected value)]) from what a client sent; never raises.

    `communes`, `quartiers` and `categories` are the known values; None means "not checked" (the value is only
    bounded in length), an empty collection means none is allowed (e.g. no quartiers without boundaries).
    Unknown values are dropped and reported so the page can say which were ignored.
    """
    raw = raw if isinstance(raw, dict) else {}
    rejected: list[tuple[str, str]] = []

    def keep_one(name: str, known: Iterable[str] | None) -> str:
        value = _text(raw.get(name))
        if value and known is not None and value not in set(known):
            rejected.append((name, value))
            return ""
        return value

    def keep_many(name: str, known: Iterable[str] | None, order: Sequence[str] | None = None) -> tuple[str, ...]:
        allowed = None if known is None else set(known)
        kept: set[str] = set()
        for value in _texts(raw.get(name)):
            if allowed is not None and value not in allowed:
                rejected.append((name, value))
            else:
                kept.add(value)
        if order is not None:
            return tuple(value for value in order if value in kept)
        return tuple(sorted(kept))[:MAX_CATEGORIES]

    commune = keep_one("commune", communes)
    quartier = keep_one("quartier", quartiers)
    statuses = keep_many("statuses", STATUSES, order=STATUSES)
    chosen_categories = keep_many("categories", categories)
    window = _text(raw.get("window")) or DEFAULT_WINDOW
    if window not in WINDOWS:
        rejected.append(("window", window))
        window = DEFAULT_WINDOW
    # Every status ticked is the same view as none ticked: one cache entry, not two.
    if len(statuses) == len(STATUSES):
        statuses = ()
    filters = Filters(commune, quartier, statuses, chosen_categories, window)
    return filters, rejected


def rejection_message(rejected: Sequence[tuple[str, str]], lang: str) -> str:
    """One sentence saying which filter values were ignored ('' when none were)."""
    if not rejected:
        return ""
    values = ", ".join(t("filter.value", lang, name=t(f"filter.{name}", lang), value=value) for name, value in rejected)
    return t("filter.ignored", lang, values=values)


def matches(record: Record, filters: Filters, since: datetime | None) -> bool:
    """Whether `record` passes `filters` (report criteria are checked on reports only)."""
    # A layer whose records are not located (no commune or quartier fields) has nothing inside an area.
    if filters.commune and getattr(record, "commune_code", "") != filters.commune:
        return False
    if filters.quartier and (not hasattr(record, "quartier") or area_code(record, "quartier") != filters.quartier):
        return False
    if isinstance(record, ReportRecord):
        if filters.statuses and record.status.value not in filters.statuses:
            return False
        if filters.categories and record.category not in filters.categories:
            return False
        if since is not None and record.created_at < since:
            return False
    return True


def window_start(filters: Filters, data_time: datetime | None) -> datetime | None:
    """The oldest creation time the window keeps, counted back from the layer's data time (None: no bound)."""
    span = WINDOWS.get(filters.window)
    if span is None or data_time is None:
        return None
    return data_time - span


def apply_filters(records: Sequence[Record], filters: Filters, data_time: datetime | None) -> list[Record]:
    """The records that pass `filters`, in their original order."""
    if not filters.active:
        return list(records)
    since = window_start(filters, data_time)
    return [record for record in records if matches(record, filters, since)]


def summary_categories(summary: Any) -> list[str]:
    """The report categories a reports summary lists (from its open reports for summaries written before
    the list was kept): the choices of the category filter, known without reading the records."""
    categories = getattr(summary, "categories", ())
    return list(categories or sorted(getattr(summary, "open_by_category", None) or {}))


def replace_records(snapshot: Any, records: Sequence[Record]) -> Any:
    """`snapshot` carrying only `records` (same version and provenance)."""
    return dataclasses.replace(snapshot, records=tuple(records))


# The page's query parameters that carry filters, so that a filtered view can be shared as a link.
QUERY_PARAMETERS = ("commune", "quartier", "status", "category", "window")


def raw_from_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """The raw filter values in a parsed query string (`urllib.parse.parse_qs` output), for `parse_filters`."""

    def first(name: str) -> str:
        return (query.get(name) or [""])[0]

    return {
        "commune": first("commune"),
        "quartier": first("quartier"),
        "statuses": [part for value in query.get("status", []) for part in value.split(",") if part],
        "categories": list(query.get("category", [])),
        "window": first("window"),
    }
