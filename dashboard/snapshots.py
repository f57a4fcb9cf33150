"""Each layer version decoded at most once per process, and shared by every reader of it.

Decoding a layer's records is the expensive read (about a second and 137 MB at 120,000 reports), so the
figures, details panels, public files, API and alarm evaluation all read snapshots through one
SnapshotReader per process, which keeps only each layer's newest decoded version. Values that are pure
functions of a snapshot (its redacted public copy, an index of its records by id) are kept with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dashboard.models import Snapshot
from dashboard.store import Store

T = TypeVar("T")


@dataclass(slots=True)
class _Decoded:
    """A layer's newest decoded snapshot and what was derived from it, released together."""

    snapshot: Snapshot
    derived: dict[str, Any] = field(default_factory=dict)


class SnapshotReader:
    """Decoded snapshots per layer, newest version only; a version being decoded is waited for, not decoded again.

    Reads fail like the store's (StoreUnavailable), so callers keep what they show, as with the store itself.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.decodes = 0  # how many snapshots this process decoded (the others were shared)
        self._latest: dict[str, _Decoded] = {}
        # One decoder per layer at a time: the threads that want a version being decoded wait for it.
        self._locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()

    def _lock(self, layer: str) -> threading.RLock:
        with self._locks_lock:
            return self._locks.setdefault(layer, threading.RLock())

    def _newest(self, layer: str) -> Snapshot | None:
        decoded = self._latest.get(layer)
        return decoded.snapshot if decoded is not None else None

    def snapshot(self, layer: str, version: int | None = None) -> Snapshot | None:
        """The layer's snapshot: the decoded one when it is of `version`, else the current one (maybe newer).

        None when the layer has no data (before the first write, or after Redis lost its data).
        """
        newest = self._newest(layer)
        if newest is not None and version is not None and newest.version == version:
            return newest  # a version never changes: no need to ask Redis
        with self._lock(layer):
            head = self.store.overview([layer])[layer].head  # the head only, not the records
            if head is None:
                self._latest.pop(layer, None)
                return None
            newest = self._newest(layer)
            if newest is not None and newest.version == head.version:
                return newest  # decoded while this thread waited, or an older version was asked for
            # Released before decoding: a worker never holds two versions of a layer's records itself.
            self._latest.pop(layer, None)
            del newest
            decoded = self.store.snapshot(layer)
            self.decodes += 1
            if decoded is not None:
                self._latest[layer] = _Decoded(decoded)
            return decoded

    def derived(self, snapshot: Snapshot, name: str, build: Callable[[Snapshot], T]) -> T:
        """`build(snapshot)`, made once while `snapshot` is its layer's newest decoded version (kept under `name`).

        `build` must be a pure function of the snapshot. For an older snapshot, it is built and not kept.
        """
        with self._lock(snapshot.layer):
            decoded = self._latest.get(snapshot.layer)
            if decoded is None or decoded.snapshot is not snapshot:
                return build(snapshot)
            if name not in decoded.derived:
                decoded.derived[name] = build(snapshot)
            return decoded.derived[name]
