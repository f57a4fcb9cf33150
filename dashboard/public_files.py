"""Public layer files: each version's document built once for the whole deployment and kept compressed in Redis.

A public layer file is immutable (one URL per version), so any number of viewers and CDN edges can share it.
The collector makes it from the records it has just fetched and stores it with the snapshot (`version_files`):
web workers then only read bytes, never the snapshot of a large layer. When no file came with a version (an
older collector, a takeover between two writers), the first web worker asked for it takes a Redis lock and
builds it; every other thread and worker waits for the stored bytes instead of reading and redacting the
snapshot itself. That builder reads the snapshot and its redacted copy through the process's SnapshotReader.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import brotli
import orjson

from dashboard import keys
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, Snapshot
from dashboard.public import document_of_public, public_snapshot, shared_public_snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.store import BuildLock, StoreUnavailable, VersionFile

# Content codings offered, best first; "identity" is the uncompressed bytes.
log = logging.getLogger(__name__)

ENCODINGS = ("br", "gzip", "identity")
# A version stays downloadable this long after it was built, for viewers who saw it just before it was replaced.
FILE_SECONDS = 3600
# Longer than any build takes: a worker that dies while building frees the lock after this.
BUILD_LOCK_SECONDS = 60
# While a new version builds, the versions document names the previous file if it was current this recently.
STAND_IN_SECONDS = 120


@dataclass(frozen=True, slots=True)
class PublicFile:
    """One version of a public layer's document, in every offered content coding."""

    layer: str
    version: int
    bodies: dict[str, bytes]

    def etag(self, encoding: str) -> str:
        """A strong ETag for the bytes in `encoding` (each coding is its own representation)."""
        return f"public-{self.layer}-{self.version}-{encoding}"


def compressed(body: bytes) -> dict[str, bytes]:
    """`body` in every offered content coding."""
    return {"br": brotli.compress(body, quality=9), "gzip": gzip.compress(body, compresslevel=9), "identity": body}


def public_bodies(public: Snapshot) -> dict[str, bytes]:
    """The file of a snapshot already redacted by `public_snapshot`, in every offered content coding."""
    return compressed(orjson.dumps(document_of_public(public)))


def version_files(layer: str, result: FetchResult, *, source: str, demo: bool) -> Callable[[int], VersionFile] | None:
    """For `Store.write_snapshot`: what makes the public file of `result` once its version is known (None when
    the layer is not public)."""
    if not LAYERS[layer].public:
        return None

    def make(version: int) -> VersionFile:
        snapshot = Snapshot(layer, version, result.fetched_at, source, demo, result.records)
        return VersionFile(version, public_bodies(public_snapshot(snapshot)), FILE_SECONDS)

    return make


class PublicFiles:
    """Each public layer version's file, built once per deployment (single-flight across threads and workers)."""

    def __init__(self, snapshots: SnapshotReader, *, wait_seconds: float = 20.0, poll_seconds: float = 0.05) -> None:
        self.snapshots = snapshots
        self.store = snapshots.store
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.builds = 0  # how many files this process built (the others were read from Redis)
        self._latest: dict[str, PublicFile] = {}  # per layer, the newest file this process served
        self._current_at: dict[str, float] = {}  # per layer, when its newest file was last the current version
        self._building: set[tuple[str, int]] = set()  # versions a background thread of this process builds
        self._count_lock = threading.Lock()

    def current(self, layer: str, version: int) -> PublicFile | None:
        """The file to name for the layer's current `version`, without making a poll wait for a new build.

        The file of `version` when it is ready; otherwise its build starts in the background and the previous
        file answers meanwhile (if it was current within STAND_IN_SECONDS): thousands of polls do not queue
        behind a build of a few seconds. Only the first file ever of a layer is built while the caller waits.
        """
        latest = self._latest.get(layer)
        if latest is not None and latest.version == version:
            self._current_at[layer] = time.monotonic()
            return latest
        recent = latest is not None and time.monotonic() - self._current_at.get(layer, 0) < STAND_IN_SECONDS
        if not recent:
            found = self.get(layer, version)
            self._current_at[layer] = time.monotonic()
            return found
        found = self._read(layer, version)
        if found is not None:
            self._remember(found)
            self._current_at[layer] = time.monotonic()
            return found
        self._build_in_background(layer, version)
        return latest

    def _build_in_background(self, layer: str, version: int) -> None:
        with self._count_lock:
            if (layer, version) in self._building:
                return
            self._building.add((layer, version))

        def build() -> None:
            try:
                self.get(layer, version)
            except StoreUnavailable:
                pass  # the next poll tries again
            except Exception:  # noqa: BLE001 - a thread's error would be lost: log it; the next poll tries again
                log.exception("building the public file of %s version %s failed", layer, version)
            finally:
                with self._count_lock:
                    self._building.discard((layer, version))

        threading.Thread(target=build, name=f"public-file-{layer}", daemon=True).start()

    def _remember(self, found: PublicFile) -> None:
        latest = self._latest.get(found.layer)
        if latest is None or found.version > latest.version:
            self._latest[found.layer] = found

    def get(self, layer: str, version: int) -> PublicFile | None:
        """The file of `version`, or None if that version is neither stored nor the layer's current one."""
        latest = self._latest.get(layer)
        if latest is not None and latest.version == version:
            return latest
        found = self._read(layer, version) or self._build_once(layer, version)
        if found is not None:
            self._remember(found)
        return found

    def _read(self, layer: str, version: int) -> PublicFile | None:
        bodies = self.store.public_file(layer, version)
        return PublicFile(layer, version, bodies) if set(bodies) == set(ENCODINGS) else None

    def _is_current(self, layer: str, version: int) -> bool:
        head = self.store.overview([layer])[layer].head
        return head is not None and head.version == version

    def _build_once(self, layer: str, version: int) -> PublicFile | None:
        deadline = time.monotonic() + self.wait_seconds
        while self._is_current(layer, version):
            lock = self.store.build_lock(keys.public_file_build(layer, version), BUILD_LOCK_SECONDS)
            if lock.take():
                try:
                    return self._read(layer, version) or self._build(layer, version)
                finally:
                    lock.release()
            found = self._wait_for_builder(layer, version, lock, deadline)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise StoreUnavailable(f"public file {layer} {version} not built in time")
        return None  # an old version that expired, or one that never was

    def _wait_for_builder(self, layer: str, version: int, lock: BuildLock, deadline: float) -> PublicFile | None:
        """The file once its builder stored it; None if the builder let go without storing it, or time ran out."""
        while time.monotonic() < deadline:
            time.sleep(self.poll_seconds)
            found = self._read(layer, version)
            if found is not None:
                return found
            if not lock.taken():
                return self._read(layer, version)
        return None

    def _build(self, layer: str, version: int) -> PublicFile | None:
        snapshot = self.snapshots.snapshot(layer, version)
        if snapshot is None or snapshot.version != version:  # replaced meanwhile: that version is not built
            return None
        bodies = public_bodies(shared_public_snapshot(self.snapshots, snapshot))
        self.store.save_public_file(layer, version, bodies, keep_seconds=FILE_SECONDS)
        with self._count_lock:
            self.builds += 1
        return PublicFile(layer, version, bodies)
