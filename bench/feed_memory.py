"""Peak memory of a collector reading a large Opendatasoft export (150 MB by default) from a local server.

Writes a generated car-park export of the given size to a temporary file, serves it from a separate
process (its memory is not the collector's), and runs the real collector path in another process:
the Opendatasoft adapter (first `records` page, then `exports/json`), mapping and validation, summary,
and the snapshot written to a real redis-server. Prints the payload size, the collector process's
memory before the fetch (its fixed base: interpreter, libraries, Redis and HTTP clients), its peak RSS,
the peak above the base as a multiple of the payload, and the time taken. Target: peak ≤ base + 3 × payload.

Usage: .venv/bin/python -m bench.feed_memory [--megabytes 150]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.redis_server import RedisServer, free_port

DATASET = "/api/explore/v2.1/catalog/datasets/parkings-export"
ETAG = '"export-1"'
TARGET_RATIO = 3


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    """One car park as a portal's export gives it: the mapped fields among many others, a polygon included."""
    lon, lat = rng.uniform(1.35, 1.5), rng.uniform(43.55, 43.68)
    capacity = rng.randint(20, 900)
    return {
        "id": f"P{i:08d}",
        "nom": f"Parking n°{i} — allées Jean Jaurès",
        "adresse": f"{i % 300} rue de la République, 31000 Toulouse",
        "commune": "Toulouse",
        "gestionnaire": "Tisséo Ingénierie",
        "type_ouvrage": "enclos en surface" if i % 3 else "ouvrage",
        "nb_places": capacity if i % 500 else None,  # a few rows rejected, as in real exports
        "places_disponibles": rng.randint(0, capacity),
        "nb_pmr": rng.randint(0, 20),
        "nb_velo": rng.randint(0, 40),
        "tarif_1h": f"{rng.uniform(0.5, 3):.2f}".replace(".", ","),
        "horaires": "24h/24, 7j/7",
        "date_maj": "2026-11-25T11:58:00+00:00",
        "geo_point_2d": {"lon": round(lon, 6), "lat": round(lat, 6)},
        "geo_shape": {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[round(lon + dx, 6), round(lat + dy, 6)] for dx, dy in _SQUARE]],
            },
            "properties": {},
        },
    }


_SQUARE = [(0, 0), (0.0005, 0), (0.0005, 0.0004), (0, 0.0004), (0, 0)]


def write_export(path: Path, megabytes: float) -> int:
    """Write an export of about `megabytes` MB (10^6 bytes) to `path`; return its number of rows."""
    rng = random.Random(31555)
    goal = int(megabytes * 1_000_000)
    written = rows = 0
    with path.open("wb") as out:
        out.write(b"[")
        while written < goal:
            piece = (b"," if rows else b"") + json.dumps(_row(rows, rng), ensure_ascii=False).encode()
            out.write(piece)
            written += len(piece)
            rows += 1
        out.write(b"]")
    return rows


def serve(path: Path, rows: int, port: int) -> None:
    """Answer the dataset's first `records` page and its export from `path` until killed."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path.split("?", 1)[0] == f"{DATASET}/records":
                body = json.dumps({"total_count": rows, "results": []}).encode()
                self._answer(200, len(body))
                self.wfile.write(body)
            elif self.headers.get("If-None-Match") == ETAG:
                self._answer(304, 0)
            else:
                self._answer(200, path.stat().st_size)
                with path.open("rb") as body:
                    shutil.copyfileobj(body, self.wfile, 1 << 20)

        def _answer(self, status: int, length: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(length))
            self.send_header("ETag", ETAG)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def collect(feed_url: str, redis_url: str, max_megabytes: float) -> None:
    """Run one collector fetch of the export into Redis; print what it measured as one JSON line."""
    import resource

    import psutil
    import redis

    from dashboard import keys
    from dashboard.collectors.job import SourceJob
    from dashboard.layers import LAYERS
    from dashboard.sources.http import FeedClient
    from dashboard.sources.opendatasoft import OpendatasoftSource
    from dashboard.store import LeaderLock, Store

    client = redis.Redis.from_url(redis_url)
    store = Store(client)
    feed = FeedClient(timeout=120, max_bytes=int(max_megabytes * 2**20))
    source = OpendatasoftSource("export", "parking", feed_url, fields={"updated_at": "date_maj"}, client=feed)
    leader = LeaderLock(client, keys.leader("parking", "export"), ttl_seconds=600)
    assert leader.hold()
    job = SourceJob(
        source, LAYERS["parking"], store, leader, interval=60, jitter_ratio=0, backoff_max=600, writer="bench"
    )
    process = psutil.Process()
    base = process.memory_info().rss
    start = time.perf_counter()
    job.run_once()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    status = store.status("parking")
    snapshot = store.snapshot("parking")
    stored = len(snapshot.records) if snapshot else 0
    figures = {"base": base, "peak": peak, "seconds": elapsed, "state": status.state.value, "stored": stored}
    figures |= {"rejected": status.records_rejected, "error": status.last_error}
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=150.0, help="size of the generated export (10^6 bytes)")
    parser.add_argument("--serve", nargs=3, metavar=("FILE", "ROWS", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--collect", nargs=3, metavar=("URL", "REDIS", "MAX_MB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]))
    elif args.collect:
        collect(args.collect[0], args.collect[1], float(args.collect[2]))
    else:
        run(args.megabytes)


def run(megabytes: float) -> None:
    """Generate, serve and collect the export; print the figures."""
    with tempfile.TemporaryDirectory(prefix="feed-memory-") as folder:
        path = Path(folder) / "export.json"
        rows = write_export(path, megabytes)
        size = path.stat().st_size
        port = free_port()
        me = [sys.executable, "-m", "bench.feed_memory"]
        server = subprocess.Popen([*me, "--serve", str(path), str(rows), str(port)])
        redis_server = RedisServer()
        redis_server.start()
        try:
            _wait_for(port)
            url = f"http://127.0.0.1:{port}{DATASET}"
            max_mb = size / 2**20 + 1  # the size cap raised just enough for the export, as an operator would
            out = subprocess.run([*me, "--collect", url, redis_server.url, str(max_mb)], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            server.kill()
            server.wait()
            redis_server.stop()
    _report(size, rows, figures)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the export server did not start")


def _report(size: int, rows: int, figures: dict[str, Any]) -> None:
    mb = 2**20
    base, peak = figures["base"], figures["peak"]
    ratio = (peak - base) / size
    print(f"payload: {size / mb:.0f} MB, {rows:,} rows")
    print(f"collector: {figures['state']}, {figures['stored']:,} stored, {figures['rejected']:,} rejected")
    if figures["error"]:
        print(f"last error: {figures['error']}")
    print(f"fixed base (before the fetch): {base / mb:.0f} MB")
    print(f"peak RSS: {peak / mb:.0f} MB = base + {ratio:.1f} × payload (target ≤ base + {TARGET_RATIO} × payload)")
    print(f"fetch + validate + store: {figures['seconds']:.1f} s")


if __name__ == "__main__":
    main()
