"""What a details panel costs with a full week of history: cold, on each new version, and for other viewers.

Starts its own redis-server, writes 7 days of history per layer at each layer's refresh rate (real demo
summaries, a fresh one every simulated hour), the current snapshots and the reports' timelines, then times
the panel of a car park, an energy site, a Nacelle and a report: with nothing cached (the first viewer ever,
who also digests the week's history), on a new version (digests shared, panel rebuilt) and from the cache.

Usage: .venv/bin/python -m bench.details [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import orjson
from flask import Flask
from flask_caching import Cache

from dashboard import keys
from dashboard.details_cache import DetailsCache
from dashboard.layers import LAYERS
from dashboard.snapshots import SnapshotReader
from dashboard.sources.demo import build_demo_sources
from dashboard.store import Store
from tests.redis_server import RedisServer

HISTORY_DAYS = 7


def fill(store: Store) -> dict[str, str]:
    """A week of history per layer, then the current snapshot; returns one record id per layer."""
    now = datetime.now(UTC)
    start = now - timedelta(days=HISTORY_DAYS)
    picked = {}
    for source in build_demo_sources(31555):
        layer = LAYERS[source.layer]
        step = timedelta(seconds=layer.refresh_seconds)
        pipe = store.redis.pipeline(transaction=False)
        moment = start
        version = 0
        # A fresh summary every simulated hour, repeated in between: realistic sizes, quick to build.
        summary = b"{}"
        while moment < now and not layer.timeline:  # report panels read their timeline, not history
            if version % max(int(3600 / layer.refresh_seconds), 1) == 0:
                summary = orjson.dumps(layer.summarise(source.fetch(moment).records).to_stored())
            pipe.xadd(
                keys.history(layer.name),
                {"version": version, "fetched_at": moment.isoformat(), "writer": "bench", "summary": summary},
                id=f"{int(moment.timestamp() * 1000)}-*",
            )
            moment += step
            version += 1
        pipe.execute()
        result = source.fetch(now)
        store.write_snapshot(
            layer.name,
            result,
            source=source.name,
            demo=True,
            summary=layer.summarise(result.records),
            timeline={r.id: layer.timeline(r) for r in result.records} if layer.timeline else None,
        )
        picked[layer.name] = result.records[0].id
    return picked


def _forget(store: Store, pattern: str) -> None:
    for key in store.redis.scan_iter(match=pattern, count=1000):
        store.redis.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    try:
        import redis

        store = Store(redis.Redis.from_url(server.url))
        began = time.perf_counter()
        picked = fill(store)
        print(f"history written in {time.perf_counter() - began:.1f} s")
        for name in picked:
            print(f"  {name}: {store.redis.xlen(keys.history(name))} history entries")
        app = Flask(__name__)
        cache = Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
        details = DetailsCache(SnapshotReader(store), cache)
        with app.app_context():
            for name, record_id in picked.items():
                version = store.snapshot(name).version
                cold, rebuilt, hits = [], [], []
                for _ in range(args.repeat):
                    _forget(store, f"*details:*{name}:*")
                    began = time.perf_counter()
                    details.panel(name, record_id, version, "fr")
                    cold.append(time.perf_counter() - began)
                    _forget(store, f"*details:{name}:*")  # the panel, not the digests: what a new version costs
                    began = time.perf_counter()
                    details.panel(name, record_id, version, "fr")
                    rebuilt.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    details.panel(name, record_id, version, "fr")
                    hits.append(time.perf_counter() - began)
                print(
                    f"{name:9s} cold: {statistics.median(cold) * 1000:6.0f} ms;"
                    f" new version: {statistics.median(rebuilt) * 1000:5.0f} ms;"
                    f" other viewers: {statistics.median(hits) * 1000:5.1f} ms (medians)"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
