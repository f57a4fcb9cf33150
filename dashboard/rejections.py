"""Rejected rows counted by reason, in the feed's own field names: what to tell the publisher, most common first.

A rejection reads « row : reason (detail) » (dashboard.sources.validate and the adapters write them so):
the row and the detail (a value, coordinates) differ from row to row, the reason is what rows have in common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

# Enough to see every kind of problem a feed has without storing one line per rejected row.
MAX_REASONS = 10

_TRAILING_DETAIL = re.compile(r"\s*\([^()]*\)\s*$")
# A field named in a message: « capacity » or champ « capacity ».
_FIELD = re.compile(r"(?:champ )?« ([a-z_]+) »")


def reason_of(rejection: str) -> str:
    """The reason of one rejection, without the row it is about and the row's own values."""
    _row, separator, reason = rejection.partition(" : ")
    return _TRAILING_DETAIL.sub("", reason if separator else rejection).strip()


def in_feed_terms(text: str, fields: Mapping[str, str]) -> str:
    """`text` with each canonical field the mapping knows named as the feed names it: champ « places » (free)."""

    def feed_name(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fields:
            return match.group(0)
        path = fields[name]
        return f"champ « {path} »" if path == name else f"champ « {path} » ({name})"

    return _FIELD.sub(feed_name, text)


def by_reason(
    rejected: Iterable[str], fields: Mapping[str, str] | None = None, limit: int = MAX_REASONS
) -> tuple[tuple[str, int], ...]:
    """(reason, rows) for the `limit` most common reasons of `rejected`, most common first."""
    counts = Counter(reason_of(rejection) for rejection in rejected)
    return tuple((in_feed_terms(reason, fields or {}), count) for reason, count in counts.most_common(limit))
