"""Memory after an hour of simulated demo time at Toulouse scale, with 7 days of history in Redis.

Starts its own redis-server, fills 7 days of per-layer history at each layer's refresh rate, then runs one
collector process (demo time 60x faster, one fetch a second: an hour of simulated time in a minute) and one
gunicorn web worker polled by simulated viewers in French and English. Prints the RSS of the web worker and
of the collector process, and Redis `used_memory`.

Usage: .venv/bin/python -m bench.memory [--minutes 1] [--viewers 20]
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import psutil
import redis

from bench.callbacks import map_body, poll_body
from bench.stack import running_stack
from dashboard import keys
from dashboard.layers import LAYERS
from dashboard.sources.demo import build_demo_sources
from tests.live_app import session_cookies, signed_in_client
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]
HISTORY_DAYS = 7


def backfill_history(client: redis.Redis) -> dict[str, int]:
    """Seven days of history entries per layer, one per refresh interval, with today's summary sizes."""
    now = datetime.now(UTC)
    counts = {}
    for source in build_demo_sources(31555):
        layer = LAYERS[source.layer]
        summary = orjson.dumps(layer.summarise(source.fetch(now).records).to_stored())
        step = timedelta(seconds=layer.refresh_seconds)
        count = int(timedelta(days=HISTORY_DAYS) / step)
        start = now - timedelta(days=HISTORY_DAYS)
        pipe = client.pipeline(transaction=False)
        for i in range(count):
            moment = start + i * step
            pipe.xadd(
                keys.history(layer.name),
                {"version": i, "fetched_at": moment.isoformat(), "writer": "backfill", "summary": summary},
                id=f"{int(moment.timestamp() * 1000)}-0",
            )
            if i % 2000 == 0:
                pipe.execute()
        pipe.execute()
        counts[layer.name] = count
    return counts


def viewer(base: str, dependencies: list, lang_en: bool, stop: threading.Event, errors: list) -> None:
    """One browser's traffic: poll every second, patch the map when the view changed."""
    endpoint = base + "/_dash-update-component"
    seen, shown = None, {}
    with signed_in_client(base, timeout=30) as client:
        while not stop.is_set():
            body = poll_body(dependencies, seen)
            if lang_en:
                body["state"][2]["value"] = "en"
            response = client.post(endpoint, json=body)
            if response.status_code == 200:
                view = response.json()["response"].get("view", {}).get("data")
                if view:
                    seen = view
                    patch = map_body(dependencies, view, shown)
                    if lang_en:
                        patch["state"][1]["value"] = "en"
                    answer = client.post(endpoint, json=patch)
                    if answer.status_code == 200:
                        shown = answer.json()["response"]["map-versions"]["data"]
                    elif answer.status_code != 204:
                        errors.append(answer.status_code)
            elif response.status_code != 204:
                errors.append(response.status_code)
            stop.wait(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="wall minutes (x60 = simulated hours)")
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()

    redis_server = RedisServer()
    redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    counts = backfill_history(client)
    print("history backfilled:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    settings = {"CITYOPS_DEMO_SPEED": "60", "CITYOPS_REFRESH_SECONDS": "1"}
    stop = threading.Event()
    errors: list = []
    with running_stack("app:create_app()", 1, settings, redis=redis_server) as stack:
        base = stack.base
        dependencies = httpx.get(base + "/_dash-dependencies", cookies=session_cookies(base)).json()
        threads = [
            threading.Thread(target=viewer, args=(base, dependencies, i % 2 == 1, stop, errors))
            for i in range(args.viewers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.minutes * 60)
        stop.set()
        for thread in threads:
            thread.join()

        worker = psutil.Process(stack.web.pid).children()[0]
        info = client.info("memory")
        versions = {name: int(client.hget(keys.snapshot(name), "version") or 0) for name in LAYERS}
        lengths = {name: client.xlen(keys.history(name)) for name in LAYERS}
        print(
            f"simulated time: {args.minutes:.1f} h; versions written: {versions}; viewers: {args.viewers}; "
            f"errors: {len(errors)}"
        )
        print(f"history entries: {lengths}")
        print(f"web worker RSS      {worker.memory_info().rss / 2**20:7.1f} MB   (target <= 250)")
        print(f"web master RSS      {psutil.Process(stack.web.pid).memory_info().rss / 2**20:7.1f} MB")
        collector_rss = psutil.Process(stack.collectors.pid).memory_info().rss
        print(f"collector RSS       {collector_rss / 2**20:7.1f} MB   (target <= 300)")
        print(
            f"Redis used_memory   {info['used_memory'] / 2**20:7.1f} MB   (target <= 300; "
            f"rss {info['used_memory_rss'] / 2**20:.1f} MB)"
        )
    redis_server.stop()


if __name__ == "__main__":
    main()
