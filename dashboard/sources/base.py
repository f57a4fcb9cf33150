"""The interface every source adapter implements, and its one error type."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from dashboard.models import FetchResult


class SourceError(Exception):
    """A feed could not be read or made sense of; `retry_after` (seconds) when the feed asked for a pause."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Source(Protocol):
    """A feed for one layer. `fetch` returns validated records or raises SourceError."""

    name: str
    layer: str
    demo: bool

    def fetch(self, now: datetime) -> FetchResult:
        """Read the feed as of `now` (UTC) and return its valid records and rejection reasons."""
        ...


@runtime_checkable
class Feed(Protocol):
    """A source read from a configured address (not a demonstration feed): what the sources panel tells about it."""

    format: str
    url: str
    params: Mapping[str, str]
    fields: Mapping[str, str]  # canonical name -> the feed's own field (path)

    @property
    def bytes_received(self) -> int:
        """Bytes of every answer read so far."""
        ...
