"""A wrapper that makes a demonstration feed fail, to rehearse what the screen shows during an outage."""

from __future__ import annotations

from datetime import datetime

from dashboard.models import FetchResult
from dashboard.sources.base import Source, SourceError

FAULT_MESSAGE = "Panne simulée du flux de démonstration (CITYOPS_DEMO_FAULTS)"


class FaultAfterFirstFetch:
    """Passes the first fetch through to the wrapped source, then fails every later one with SourceError."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.name = source.name
        self.layer = source.layer
        self.demo = source.demo
        self._fetched = False

    def fetch(self, now: datetime) -> FetchResult:
        """The wrapped source's first result (so the layer has good data to keep), then a simulated outage."""
        if self._fetched:
            raise SourceError(FAULT_MESSAGE)
        result = self.source.fetch(now)
        self._fetched = True
        return result
