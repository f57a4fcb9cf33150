"""Figures memoised per (layer, version, language) in the shared cache: built once, not once per viewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_caching import Cache

from dashboard.figures import layer_traces, trend_figure, trend_range
from dashboard.store import Store

FIGURE_CACHE_SECONDS = 600


class FigureCache:
    """Reads Redis only when no worker has built a figure for that layer version yet."""

    def __init__(self, store: Store, cache: Cache) -> None:
        self.store = store
        self.cache = cache

    def traces(self, layer: str, version: int, lang: str) -> tuple[int, list[dict[str, Any]]]:
        """(version actually rendered, map traces); the version can be newer than asked if the layer moved on."""
        cached = self.cache.get(f"traces:{layer}:{version}:{lang}")
        if cached is not None:
            return version, cached
        snapshot = self.store.snapshot(layer)
        actual = snapshot.version if snapshot else 0
        traces = layer_traces(layer, snapshot, lang)
        self.cache.set(f"traces:{layer}:{actual}:{lang}", traces, timeout=FIGURE_CACHE_SECONDS)
        return actual, traces

    def trend(self, layer: str, version: int, lang: str, hours: float) -> tuple[dict[str, Any], str]:
        """(sparkline figure, 'min · max' text) of the layer's last `hours` of history as of `version`."""
        key = f"trend:{layer}:{version}:{lang}:{hours}"
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        since = datetime.now(UTC) - timedelta(hours=hours)
        points = [(entry.fetched_at, entry.summary) for entry in self.store.history(layer, since=since)]
        built = (trend_figure(layer, points, lang).to_plotly_json(), trend_range(layer, points, lang))
        self.cache.set(key, built, timeout=FIGURE_CACHE_SECONDS)
        return built
