"""Fetch, validate and store 90 days of Allô Toulouse requests (120,000) from a local Open311 server.

The server answers at most 1,000 requests per query, as GeoReport v2 servers do, so the adapter walks
7-day windows and halves them until none is capped. Prints the wall time of the collector's run
(fetch + validate + summarise + write to a real redis-server) and the process's peak memory during it.
Targets: < 15 s and < 300 MB.

Usage: .venv/bin/python -m bench.open311_load [--requests 120000] [--cap 1000]
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import psutil
import redis

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.sources.http import FeedClient
from dashboard.sources.open311 import Open311Source
from dashboard.store import LeaderLock, Store
from tests.feed_server import FeedServer, Reply
from tests.redis_server import RedisServer

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
STATUSES = ["open", "acknowledged", "in_progress", "closed"]
CATEGORIES = ["Propreté", "Dépôt sauvage", "Stationnement gênant", "Voirie", "Éclairage public", "Espaces verts"]


def _requests(count: int) -> tuple[list[float], list[dict]]:
    """`count` requests spread over 90 days inside the Métropole, sorted by date, with their timestamps."""
    rng = random.Random(31555)
    stamps = sorted(rng.uniform((NOW - timedelta(days=90)).timestamp(), NOW.timestamp()) for _ in range(count))
    rows = []
    for i, stamp in enumerate(stamps):
        when = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        rows.append(
            {
                "service_request_id": f"AT{i:07d}",
                "status": STATUSES[i % 4],
                "service_name": CATEGORIES[i % len(CATEGORIES)],
                "requested_datetime": when,
                "updated_datetime": when,
                "lat": round(rng.uniform(43.55, 43.68), 6),
                "long": round(rng.uniform(1.33, 1.52), 6),
                "description": "Signalement de démonstration",
            }
        )
    return stamps, rows


def _serve(server: FeedServer, stamps: list[float], rows: list[dict], cap: int) -> None:
    def handler(hit):
        start = datetime.fromisoformat(hit.query["start_date"].replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(hit.query["end_date"].replace("Z", "+00:00")).timestamp()
        low, high = bisect.bisect_left(stamps, start), bisect.bisect_right(stamps, end)
        body = json.dumps(rows[low : min(high, low + cap)]).encode()
        return Reply(body=body, headers={"Content-Type": "application/json"})

    server.route("/open311/v2/requests.json", handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=120_000)
    parser.add_argument("--cap", type=int, default=1000)
    args = parser.parse_args()

    stamps, rows = _requests(args.requests)
    feed, redis_server = FeedServer(), RedisServer()
    feed.start()
    redis_server.start()
    try:
        _serve(feed, stamps, rows, args.cap)
        client = redis.Redis.from_url(redis_server.url)
        store = Store(client)
        source = Open311Source("allo", feed.url + "/open311/v2", layer="reports", cap=args.cap, client=FeedClient())
        leader = LeaderLock(client, keys.leader("reports", "allo"), ttl_seconds=60)
        assert leader.hold()
        job = SourceJob(
            source,
            LAYERS["reports"],
            store,
            leader,
            interval=30,
            jitter_ratio=0,
            backoff_max=600,
            writer="bench",
            clock=lambda: NOW,
        )

        process = psutil.Process()
        baseline = process.memory_info().rss
        peak = baseline
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.01):
                peak = max(peak, process.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        job.run_once()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()

        snapshot = store.snapshot("reports")
        status = store.status("reports")
        print(f"requests served: {len(rows):,} in {len(feed.hits)} queries (cap {args.cap} per query)")
        print(f"stored: {len(snapshot.records):,} reports, version {snapshot.version}; state {status.state.value}")
        print(f"rejected: {status.records_rejected}; last error: {status.last_error or '-'}")
        print(f"fetch + validate + store: {elapsed:.2f} s (target < 15 s)")
        print(
            f"peak RSS: {peak / 2**20:.0f} MB, of which {(peak - baseline) / 2**20:.0f} MB during the run "
            "(the process also holds the server's 120,000 generated requests; target < 300 MB)"
        )
    finally:
        feed.stop()
        redis_server.stop()


if __name__ == "__main__":
    main()
