"""Figures are built once per layer version and shared through the Redis cache; how cache failures surface."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import redis
from flask import Flask
from flask_caching import Cache

from dashboard import keys
from dashboard.layers import LAYERS, register, unregister
from dashboard.snapshots import SnapshotReader
from dashboard.store import Store, StoreUnavailable, connect
from dashboard.view_cache import FigureCache
from tests.factories import parking_result
from tests.redis_server import free_port


def _figure_cache(store: Store) -> tuple[Flask, FigureCache]:
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    return app, FigureCache(SnapshotReader(store), cache)


def _write(store: Store, occupied: int, layer: str = "parking") -> int:
    result = parking_result(occupied)
    return store.write_snapshot(layer, result, source="t", demo=False, summary=LAYERS[layer].summarise(result.records))


def test_traces_are_built_once_per_version(store, redis_client):
    app, figures = _figure_cache(store)
    version = _write(store, 100)
    with app.app_context():
        built_version, traces = figures.traces("parking", version, "fr")
        assert built_version == version and len(traces[0]["customdata"]) == 2
        redis_client.delete(keys.snapshot("parking"))  # a second viewer must not need the snapshot any more
        again_version, again = figures.traces("parking", version, "fr")
        assert again_version == version and list(again[0]["customdata"]) == list(traces[0]["customdata"])


def test_a_newer_snapshot_is_rendered_under_its_own_version(store):
    app, figures = _figure_cache(store)
    _write(store, 100)
    newest = _write(store, 200)
    with app.app_context():
        assert figures.traces("parking", newest - 1, "fr")[0] == newest


def test_trend_reads_history_once_per_version(store, redis_client):
    app, figures = _figure_cache(store)
    for occupied in (100, 300, 200):
        version = _write(store, occupied)
    with app.app_context():
        figure, span = figures.trend("parking", version, "en", hours=6)
        assert [round(y) for y in figure["data"][0]["y"]] == [938, 738, 838]
        assert span.startswith("min 738 · max 938 · History available since ")  # a history begun just now
        redis_client.delete(keys.history("parking"))
        assert figures.trend("parking", version, "en", hours=6) == (figure, span)


def test_cache_failure_is_reported_like_a_store_failure():
    store = Store(connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2))
    app, figures = _figure_cache(store)
    with app.app_context(), pytest.raises(StoreUnavailable):
        figures.traces("parking", 1, "fr")


class FailingWrites:
    """A cache whose writes raise, as when Redis goes away between building a figure and sharing it."""

    def get(self, key):
        return None

    def set(self, key, value, timeout=None):
        raise redis.ConnectionError("Connection closed by server.")


def test_a_failed_write_still_returns_the_figure_just_built(store):
    written = _write(store, 150)
    version, traces = FigureCache(SnapshotReader(store), FailingWrites()).traces("parking", written, "fr")
    assert version == written and len(traces[0]["lon"]) == 2


class CountingStore(Store):
    """The real store on the real Redis, counting the snapshots it reads (and slow to read them)."""

    reads = 0

    def snapshot(self, layer):
        self.reads += 1
        time.sleep(0.2)  # long enough for every other thread to arrive while the first one reads
        return super().snapshot(layer)


@pytest.fixture
def late_layer():
    """A layer registered after the figure cache was made (a deployment's own, registered late)."""
    yield lambda: register(dataclasses.replace(LAYERS["parking"], name="parking_late", order=998))
    unregister("parking_late")


@pytest.mark.parametrize("layer", ["parking", "parking_late"])
def test_threads_asking_for_a_new_version_at_once_read_and_build_it_once(redis_client, late_layer, layer):
    store = CountingStore(redis_client)
    app, figures = _figure_cache(store)
    if layer == "parking_late":
        late_layer()
    version = _write(store, 100, layer)
    results = []

    def viewer():
        with app.app_context():
            results.append(figures.traces(layer, version, "fr"))

    threads = [threading.Thread(target=viewer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.reads == 1
    assert len(results) == 8 and {built for built, _traces in results} == {version}
    assert all(list(traces[0]["customdata"]) == list(results[0][1][0]["customdata"]) for _v, traces in results)
