"""Figures memoised per (layer, version, language) in the shared cache: built once, not once per viewer."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from flask_caching import Cache

from dashboard.figures import area_shading_trace, layer_traces, trend_figure, trend_range
from dashboard.public import public_snapshot
from dashboard.store import Store, StoreUnavailable

FIGURE_CACHE_SECONDS = 600


class FigureCache:
    """Reads Redis only when no worker has built a figure for that layer version yet.

    The cache shares the store's Redis: a read that fails is the store being unavailable (callbacks keep
    what is on screen), while a write that fails only loses the sharing, not the figure just built.
    """

    def __init__(self, store: Store, cache: Cache) -> None:
        self.store = store
        self.cache = cache

    def _get(self, key: str) -> Any:
        try:
            return self.cache.get(key)
        except redis.RedisError as err:
            raise StoreUnavailable(f"Redis injoignable : {err}") from err

    def _set(self, key: str, value: Any) -> None:
        # Redis went away after the figure was built: show it anyway, unshared.
        with contextlib.suppress(redis.RedisError):
            self.cache.set(key, value, timeout=FIGURE_CACHE_SECONDS)

    def traces(
        self, layer: str, version: int, lang: str, commune: str = "", *, public: bool = False
    ) -> tuple[int, list[dict[str, Any]]]:
        """(version actually rendered, map traces, of one commune if given); the version can be newer than asked.

        `public`: drawn from the redacted snapshot (dashboard.public) and cached apart from the managers' traces.
        """
        audience = "public" if public else "managers"
        cached = self._get(f"traces:{audience}:{layer}:{version}:{lang}:{commune}")
        if cached is not None:
            return version, cached
        snapshot = self.store.snapshot(layer)
        actual = snapshot.version if snapshot else 0
        if public and snapshot is not None:
            snapshot = public_snapshot(snapshot, commune)
        traces = layer_traces(layer, snapshot, lang, commune)
        self._set(f"traces:{audience}:{layer}:{actual}:{lang}:{commune}", traces)
        return actual, traces

    def commune_figures(self, commune: str, versions: dict[str, int]) -> dict[str, dict[str, Any] | None]:
        """Each layer's figures for one commune, as the collector computed them for the `versions` on screen."""
        key = f"commune:{commune}:" + ":".join(f"{name}={version}" for name, version in sorted(versions.items()))
        cached = self._get(key)
        if cached is not None:
            return cached
        figures = {
            name: (totals or {}).get("commune", {}).get(commune)
            for name, (_version, totals) in self.store.areas(list(versions)).items()
        }
        self._set(key, figures)
        return figures

    def area_shading(
        self, level: str, version: int, outlines: dict[str, dict[str, Any]], lang: str
    ) -> tuple[int, dict[str, Any]]:
        """(reports version shaded, choropleth of open reports per area of `level`) from the collector's figures."""
        cached = self._get(f"areas:{level}:{version}:{lang}")
        if cached is not None:
            return version, cached
        actual, totals = self.store.areas(["reports"])["reports"]
        trace = area_shading_trace(level, outlines, totals, lang)
        self._set(f"areas:{level}:{actual}:{lang}", trace)
        return actual, trace

    def trend(self, layer: str, version: int, lang: str, hours: float) -> tuple[dict[str, Any], str]:
        """(sparkline figure, 'min · max' text) of the layer's last `hours` of history as of `version`."""
        key = f"trend:{layer}:{version}:{lang}:{hours}"
        cached = self._get(key)
        if cached is not None:
            return cached
        since = datetime.now(UTC) - timedelta(hours=hours)
        points = [(entry.fetched_at, entry.summary) for entry in self.store.history(layer, since=since)]
        built = (trend_figure(layer, points, lang).to_plotly_json(), trend_range(layer, points, lang))
        self._set(key, built)
        return built
