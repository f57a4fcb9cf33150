"""Source adapters, one per feed format: fetch, parse and validate into canonical records."""

from dashboard.sources.base import Source, SourceError

__all__ = ["Source", "SourceError"]
