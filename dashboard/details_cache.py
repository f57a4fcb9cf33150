"""Details panels shared by every viewer and worker: built once per (layer, version, record, language)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_caching import Cache

from dashboard import keys
from dashboard.details import (
    DIGEST_WIDTH,
    Inputs,
    Point,
    build_panel,
    digest,
    gone_panel,
    panel_kind,
    records_by_id,
    undigest,
)
from dashboard.layers import LAYERS
from dashboard.snapshots import SnapshotReader
from dashboard.store import REDIS_ERRORS, unavailable_on_redis_error
from dashboard.view_cache import FIGURE_CACHE_SECONDS

_CLOCK_MARGIN_MS = 60_000


class DetailsCache:
    """Panels shared through the figure cache; the records come from the process's SnapshotReader."""

    def __init__(self, snapshots: SnapshotReader, cache: Cache) -> None:
        self.snapshots = snapshots
        self.store = snapshots.store
        self.cache = cache

    def _get_many(self, names: list[str]) -> list[Any]:
        with unavailable_on_redis_error():
            return self.cache.get_many(*names) if names else []

    def history_points(self, layer: str, span: timedelta, now: datetime | None = None) -> list[Point]:
        """The layer's last `span` of history as points: digests of the windows that are over, then raw entries.

        A window's digest is computed by the first viewer who needs it and shared by all, for as long as
        history keeps it; only the window in progress is read entry by entry.
        """
        now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
        width = int(DIGEST_WIDTH.total_seconds() * 1000)
        # A window is over a minute after its end: writers' clocks may lag a little behind this one.
        settled = (now_ms - _CLOCK_MARGIN_MS) // width * width
        starts = list(range((now_ms - int(span.total_seconds() * 1000)) // width * width, settled, width))
        # The layer's hash tag: one MGET reads them all, also on Redis Cluster (keys of one slot only).
        names = [keys.cached_history_digest(layer, start) for start in starts]
        digests = self._get_many(names)
        missing = [i for i, item in enumerate(digests) if item is None]
        if missing:
            windows = self.store.history_windows(layer, [(starts[i], starts[i] + width) for i in missing])
            built = {}
            for i, entries in zip(missing, windows, strict=True):
                digests[i] = digest([(entry.fetched_at, entry.summary) for entry in entries])
                built[names[i]] = digests[i]
            with contextlib.suppress(*REDIS_ERRORS):
                self.cache.set_many(built, timeout=int(self.store.history_retention.total_seconds()))
        recent = self.store.history(layer, since=datetime.fromtimestamp(settled / 1000, UTC))
        return undigest(digests, LAYERS[layer].summary_type) + [(entry.fetched_at, entry.summary) for entry in recent]

    def panel(self, layer: str, record_id: str, version: int, lang: str) -> tuple[int, dict[str, Any]]:
        """(version built from, panel dict) of one record; the version can be newer than asked."""
        with unavailable_on_redis_error():
            cached = self.cache.get(keys.cached_details(layer, version, lang, record_id))
        if cached is not None:
            return version, cached
        snapshot = self.snapshots.snapshot(layer, version)
        by_id = (
            self.snapshots.derived(snapshot, "records by id", lambda s: records_by_id(s.records)) if snapshot else {}
        )
        record = by_id.get(record_id)
        actual = snapshot.version if snapshot else 0
        if record is None:
            panel = gone_panel(layer, lang)
        else:
            kind = panel_kind(layer)
            inputs = Inputs(
                points=self.history_points(layer, kind.history) if kind.history else [],
                timeline=self.store.timeline(layer, record_id) if kind.timeline else (),
                as_of=snapshot.fetched_at,
                personal=self.store.personal(layer, record_id) if kind.personal else None,
                history_start=self.store.history_start(layer) if kind.history else None,
            )
            panel = build_panel(layer, record, inputs, lang)
        built = panel.to_dict()
        with contextlib.suppress(*REDIS_ERRORS):  # unshared, but shown
            self.cache.set(keys.cached_details(layer, actual, lang, record_id), built, timeout=FIGURE_CACHE_SECONDS)
        return actual, built
