"""Map traces memoised per (layer, version, language) in the shared cache: built once, not once per viewer."""

from __future__ import annotations

from typing import Any

from flask_caching import Cache

from dashboard.figures import layer_traces
from dashboard.store import Store

TRACE_CACHE_SECONDS = 600


class TraceCache:
    """Reads a layer's snapshot only when no worker has built its traces for that version yet."""

    def __init__(self, store: Store, cache: Cache) -> None:
        self.store = store
        self.cache = cache

    def get(self, layer: str, version: int, lang: str) -> tuple[int, list[dict[str, Any]]]:
        """(version actually rendered, traces); the version can be newer than asked if the layer moved on."""
        cached = self.cache.get(_key(layer, version, lang))
        if cached is not None:
            return version, cached
        snapshot = self.store.snapshot(layer)
        actual = snapshot.version if snapshot else 0
        traces = layer_traces(layer, snapshot, lang)
        self.cache.set(_key(layer, actual, lang), traces, timeout=TRACE_CACHE_SECONDS)
        return actual, traces


def _key(layer: str, version: int, lang: str) -> str:
    return f"traces:{layer}:{version}:{lang}"
