"""Figures, tables and summaries memoised per layer version in the shared cache: built once, not once per viewer.

Only what no worker has built yet reads a snapshot, through the process's SnapshotReader (dashboard.snapshots).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_caching import Cache

from dashboard import keys
from dashboard.data_loss import history_note
from dashboard.figures import (
    area_shading_trace,
    layer_traces,
    record_at,
    record_positions,
    scale_key,
    trend_figure,
    trend_range,
)
from dashboard.filters import Filters, apply_filters, replace_records
from dashboard.layers import LAYERS, shading_layer
from dashboard.layers.base import MapScale
from dashboard.map_style import unpacked
from dashboard.models import Snapshot
from dashboard.public import shared_public_snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.store import REDIS_ERRORS, unavailable_on_redis_error
from dashboard.summaries import LayerSummary, UnreadableSummary
from dashboard.tables import columns, newest_first, rows

FIGURE_CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class DrawnPoint:
    """A point of a city-scale layer on a viewer's map: the filters and scale its traces were drawn with, which of
    the layer's traces (0 for its first) and which point of it."""

    filters: Filters
    scale: MapScale | None
    trace: int
    point: int


class FigureCache:
    """Reads Redis only when no worker has built a figure for that layer version yet.

    The cache shares the store's Redis: a read that fails is the store being unavailable (callbacks keep
    what is on screen), while a write that fails only loses the sharing, not the figure just built.
    """

    def __init__(
        self, snapshots: SnapshotReader, cache: Cache, outlines: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self.snapshots = snapshots
        self.store = snapshots.store
        self.cache = cache
        # The areas' outlines per level (dashboard.areas.Geography), for the layers that colour areas.
        self.outlines = outlines or {}
        # One drawing per layer at a time in this process: when a version lands, the worker's threads wait for
        # the first one's traces instead of drawing the same thousands of records side by side. A layer's lock is
        # made on first use, so a layer registered after start-up has one too.
        self._drawing: dict[str, threading.Lock] = {}
        self._drawing_made = threading.Lock()

    def _drawing_lock(self, layer: str) -> threading.Lock:
        """The lock of `layer`'s drawing in this process, made by whichever thread asks first."""
        lock = self._drawing.get(layer)
        if lock is None:
            with self._drawing_made:
                lock = self._drawing.setdefault(layer, threading.Lock())
        return lock

    def _get(self, key: str) -> Any:
        with unavailable_on_redis_error():
            return self.cache.get(key)

    def _set(self, key: str, value: Any) -> None:
        # Redis went away after the figure was built: show it anyway, unshared.
        with contextlib.suppress(*REDIS_ERRORS):
            self.cache.set(key, value, timeout=FIGURE_CACHE_SECONDS)

    def traces(
        self,
        layer: str,
        version: int,
        lang: str,
        commune: str = "",
        *,
        public: bool = False,
        filters: Filters | None = None,
        scale: MapScale | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(version actually rendered, map traces, of one commune if given); the version can be newer than asked.

        `public`: drawn from the redacted snapshot (dashboard.public) and cached apart from the managers' traces.
        `filters`: the managers' filters (commune, quartier, report criteria), memoised per normalised filter.
        `scale`: how a city-scale layer is drawn (Layer.city_scale), memoised per scale too.
        """
        audience = "public" if public else "managers"
        narrowed = filters.for_layer(LAYERS[layer].record_type) if filters else Filters()
        scope = f"{commune}:{narrowed.key()}" if narrowed.active else commune
        scale = scale if LAYERS[layer].city_scale is not None else None
        if scale is not None:
            scope = f"{scope}|{scale_key(scale)}"
        cached = self._get(keys.cached_traces(audience, layer, version, lang, scope))
        if cached is not None:
            return version, cached
        with self._drawing_lock(layer):
            cached = self._get(keys.cached_traces(audience, layer, version, lang, scope))  # built while this waited
            if cached is not None:
                return version, cached
            snapshot = self.snapshots.snapshot(layer, version)
            actual = snapshot.version if snapshot else 0
            if public and snapshot is not None:
                snapshot = shared_public_snapshot(self.snapshots, snapshot, commune)
            positions = None
            if snapshot is not None and scale is not None and scale.points is not None:
                positions = self.snapshots.derived(snapshot, "positions", record_positions)
            if snapshot is not None and narrowed.active:
                snapshot = _narrowed(snapshot, narrowed)
            traces = layer_traces(layer, snapshot, lang, commune, self.outlines, scale=scale, positions=positions)
            self._set(keys.cached_traces(audience, layer, actual, lang, scope), traces)
        return actual, traces

    def record_id(self, layer: str, version: int, lang: str, drawn: DrawnPoint) -> str | None:
        """The id of the record at a point of a city-scale layer's traces as drawn for a viewer (None: not a record,
        or the map moved on to another version since)."""
        actual, traces = self.traces(layer, version, lang, filters=drawn.filters, scale=drawn.scale)
        if actual != version or not 0 <= drawn.trace < len(traces):
            return None
        positions = unpacked(traces[drawn.trace].get("customdata") or [])
        if not 0 <= drawn.point < len(positions):
            return None
        return record_at(self.snapshots.snapshot(layer, version), version, int(positions[drawn.point]))

    def filtered_summaries(self, filters: Filters, versions: dict[str, int]) -> dict[str, LayerSummary | None]:
        """Each layer's summary of the records passing `filters`, for the `versions` on screen (one read when cached).

        A summary has the layer's own type (`Layer.summary_type`), so the KPI tiles read it like the whole layer's.
        The cache keeps summaries in their stored form (dashboard.summaries), read back like stored ones.
        """
        key = keys.cached_filtered_summaries(filters.key(), versions)
        cached = self._get(key)
        if cached is not None:
            return {name: _cached_summary(name, stored) for name, stored in cached.items() if name in LAYERS}
        summaries: dict[str, LayerSummary | None] = {}
        for name in versions:
            summaries[name] = self._layer_summary(name, versions[name], filters)
        self._set(key, {name: summary.to_stored() if summary else None for name, summary in summaries.items()})
        return summaries

    def _layer_summary(self, layer: str, version: int, filters: Filters) -> LayerSummary | None:
        narrowed = filters.for_layer(LAYERS[layer].record_type)
        key = keys.cached_summary(layer, version, narrowed.key())
        cached = self._get(key)
        if cached is not None:
            return _cached_summary(layer, cached["summary"])
        snapshot = self.snapshots.snapshot(layer, version)
        if snapshot is None:
            return None
        summary = LAYERS[layer].summarise(_narrowed(snapshot, narrowed).records)
        self._set(keys.cached_summary(layer, snapshot.version, narrowed.key()), {"summary": summary.to_stored()})
        return summary

    def table(self, layer: str, version: int, lang: str, filters: Filters) -> dict[str, Any]:
        """The layer's table as the grid takes it: version, column definitions' data, rows (newest, capped), count."""
        narrowed = filters.for_layer(LAYERS[layer].record_type)
        cached = self._get(keys.cached_table(layer, version, lang, narrowed.key()))
        if cached is not None:
            return cached
        snapshot = self.snapshots.snapshot(layer, version)
        cols = columns(LAYERS[layer].record_type, lang)
        records = _narrowed(snapshot, narrowed).records if snapshot else ()
        table = {
            "version": snapshot.version if snapshot else 0,
            "columns": [{"field": c.field, "header": c.header, "kind": c.kind} for c in cols],
            "rows": rows(newest_first(records), cols, lang),
            "count": len(records),
        }
        self._set(keys.cached_table(layer, table["version"], lang, narrowed.key()), table)
        return table

    def area_shading(
        self, level: str, version: int, outlines: dict[str, dict[str, Any]], lang: str
    ) -> tuple[int, dict[str, Any]]:
        """(version shaded, choropleth of the shading layer's open records per area of `level`, Layer.shades_areas)
        from the collector's figures."""
        cached = self._get(keys.cached_area_shading(level, version, lang))
        if cached is not None:
            return version, cached
        shaded = shading_layer()
        actual, totals = self.store.areas([shaded])[shaded] if shaded else (0, None)
        trace = area_shading_trace(level, outlines, totals, lang)
        self._set(keys.cached_area_shading(level, actual, lang), trace)
        return actual, trace

    def trend(self, layer: str, version: int, lang: str, hours: float) -> tuple[dict[str, Any], str]:
        """(sparkline figure, 'min · max' text) of the layer's last `hours` of history as of `version`."""
        key = keys.cached_trend(layer, version, lang, hours)
        cached = self._get(key)
        if cached is not None:
            return cached
        now, span = datetime.now(UTC), timedelta(hours=hours)
        points = [(entry.fetched_at, entry.summary) for entry in self.store.history(layer, since=now - span)]
        shown_range = trend_range(layer, points, lang)
        note = history_note(self.store.history_start(layer), now, span, lang) if points else ""
        built = (trend_figure(layer, points, lang).to_plotly_json(), f"{shown_range} · {note}" if note else shown_range)
        self._set(key, built)
        return built


def _cached_summary(layer: str, stored: Any) -> LayerSummary | None:
    """A summary kept in the cache, read like a stored one (None when there was none or it cannot be read)."""
    if stored is None:
        return None
    try:
        return LAYERS[layer].summary_type.from_stored(stored)
    except UnreadableSummary:
        return None


def _narrowed(snapshot: Snapshot, filters: Filters) -> Snapshot:
    """`snapshot` keeping only the records passing `filters` (the time window counts back from its data time)."""
    if not filters.active:
        return snapshot
    return replace_records(snapshot, apply_filters(snapshot.records, filters, snapshot.fetched_at))
