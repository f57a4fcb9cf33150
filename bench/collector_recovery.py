"""How fast collector processes write again after a Redis restart, and take over after `kill -9` of a leader.

Runs real `python -m dashboard.collectors` processes (demonstration feeds) against a redis-server of its own.
Usage: .venv/bin/python -m bench.collector_recovery [--outage 5] [--ttl 3] [--kills 5]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from dashboard.layers import LAYERS
from dashboard.store import Store
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]


def _collector(url: str, **settings: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")}
    env |= {"REDIS_URL": url, "CITYOPS_LOG_LEVEL": "ERROR", **{f"CITYOPS_{k.upper()}": v for k, v in settings.items()}}
    return subprocess.Popen([sys.executable, "-m", "dashboard.collectors"], cwd=ROOT, env=env)


def _wait(predicate: Callable[[], object], timeout: float) -> float:
    """Seconds until `predicate` holds (Redis errors count as not yet)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if predicate():
                return time.monotonic() - start
        except redis.RedisError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"no answer within {timeout:.0f} s")


def redis_restart(outage: float) -> dict[str, float]:
    """Seconds from Redis answering again (restarted empty) to each layer's first new snapshot; default settings."""
    server = RedisServer()
    server.start()
    store = Store(redis.Redis.from_url(server.url))
    process = _collector(server.url)
    try:
        _wait(lambda: all(store.snapshot(layer) for layer in LAYERS), timeout=60)
        server.stop()
        time.sleep(outage)
        server.start()
        back = time.monotonic()
        seen: dict[str, float] = {}

        def all_written() -> bool:
            for layer in LAYERS:
                if layer not in seen and store.snapshot(layer):
                    seen[layer] = time.monotonic() - back
            return len(seen) == len(LAYERS)

        _wait(all_written, timeout=120)
        return seen
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        server.stop()


def takeovers(ttl: float, kills: int) -> list[float]:
    """Seconds from `kill -9` of the parking source's leader to the next write by another collector."""
    server = RedisServer()
    server.start()
    store = Store(redis.Redis.from_url(server.url))
    settings = {"leader_ttl_seconds": str(ttl), "refresh_seconds": "0.2"}
    processes = {p.pid: p for p in (_collector(server.url, **settings) for _ in range(2))}
    took: list[float] = []
    try:
        for _ in range(kills):
            _wait(lambda: store.snapshot("parking"), timeout=60)
            time.sleep(random.uniform(1.0, 1.0 + ttl))  # any moment of the leader's renewal cycle
            writer = store.history("parking")[-1].writer
            processes.pop(int(writer.rsplit(":", 1)[1])).kill()
            killed = time.monotonic()
            _wait(lambda dead=writer: store.history("parking")[-1].writer != dead, timeout=ttl + 30)
            took.append(time.monotonic() - killed)
            replacement = _collector(server.url, **settings)  # back to two collectors
            processes[replacement.pid] = replacement
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
            process.wait(10)
        server.stop()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds Redis stays down")
    parser.add_argument("--ttl", type=float, default=3.0, help="leader lock lifetime for the takeover runs")
    parser.add_argument("--kills", type=int, default=5, help="how many leaders to kill")
    args = parser.parse_args()
    seen = redis_restart(args.outage)
    print(f"Redis down {args.outage:g} s, restarted empty; new data per layer after it answered again (s):")
    for layer, seconds in sorted(seen.items(), key=lambda item: item[1]):
        print(f"  {layer:10} {seconds:5.2f}")
    took = takeovers(args.ttl, args.kills)
    print(f"kill -9 of the leader, lock TTL {args.ttl:g} s; seconds to the next write by another collector:")
    print("  " + "  ".join(f"{seconds:.2f}" for seconds in took) + f"   (max {max(took):.2f})")


if __name__ == "__main__":
    main()
