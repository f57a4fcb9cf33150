"""Figures memoised per (layer, version, language) in the shared cache: built once, not once per viewer."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from flask_caching import Cache

from dashboard.figures import layer_traces, trend_figure, trend_range
from dashboard.store import Store, StoreUnavailable

FIGURE_CACHE_SECONDS = 600


@contextmanager
def _cache_errors_as_store_unavailable():
    # The cache lives in the same Redis as the store: when it fails, callers handle it like the store failing.
    try:
        yield
    except redis.RedisError as err:
        raise StoreUnavailable(f"cache injoignable : {err}") from err


class FigureCache:
    """Reads Redis only when no worker has built a figure for that layer version yet."""

    def __init__(self, store: Store, cache: Cache) -> None:
        self.store = store
        self.cache = cache

    def _get(self, key: str) -> Any:
        with _cache_errors_as_store_unavailable():
            return self.cache.get(key)

    def _set(self, key: str, value: Any) -> None:
        with _cache_errors_as_store_unavailable():
            self.cache.set(key, value, timeout=FIGURE_CACHE_SECONDS)

    def traces(self, layer: str, version: int, lang: str) -> tuple[int, list[dict[str, Any]]]:
        """(version actually rendered, map traces); the version can be newer than asked if the layer moved on."""
        cached = self._get(f"traces:{layer}:{version}:{lang}")
        if cached is not None:
            return version, cached
        snapshot = self.store.snapshot(layer)
        actual = snapshot.version if snapshot else 0
        traces = layer_traces(layer, snapshot, lang)
        self._set(f"traces:{layer}:{actual}:{lang}", traces)
        return actual, traces

    def trend(self, layer: str, version: int, lang: str, hours: float) -> tuple[dict[str, Any], str]:
        """(sparkline figure, 'min · max' text) of the layer's last `hours` of history as of `version`."""
        return self._memoised(f"trend:{layer}:{version}:{lang}:{hours}", lambda: self._build_trend(layer, lang, hours))

    def _memoised(self, key: str, build: Callable[[], Any]) -> Any:
        cached = self._get(key)
        if cached is None:
            cached = build()
            self._set(key, cached)
        return cached

    def _build_trend(self, layer: str, lang: str, hours: float) -> tuple[dict[str, Any], str]:
        since = datetime.now(UTC) - timedelta(hours=hours)
        points = [(entry.fetched_at, entry.summary) for entry in self.store.history(layer, since=since)]
        return trend_figure(layer, points, lang).to_plotly_json(), trend_range(layer, points, lang)
