"""Public fan-out: N embed viewers polling the versions document, fetching the reports file when it moves.

Writes a 120,000-report city straight into its own redis-server, each version with its public file made
beforehand as the collector makes it (`--web-builds`: without, so the web workers build it, as before), runs
gunicorn (2 workers x 8 threads, no collector), and drives it with wrk (bench/embed_fanout.lua): every viewer
polls /api/v1/public/versions every 5 s on average, at random moments (`--burst`: all at the same instant), and
fetches the versioned reports file when the version moves; a new version is written every 30 s. A first wrk
run of `--warmup` seconds warms the server and nginx's caches; the figures are from a second run (which opens
its own connections again: their TLS handshakes are in it).
Prints polls/s, p50/p99, bytes out, the workers' memory before and after, and the reports file's sizes.
With --nginx the viewers go through nginx started with the production recipe (deploy/nginx/, https), which
answers the polls from its one-second copy of the versions document: the whole node as deployed.

Usage: .venv/bin/python -m bench.embed_fanout [--viewers 2000] [--seconds 65] [--reports 120000] [--nginx]
       [--burst] [--web-builds] [--warmup 15]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis

from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.public_files import version_files
from dashboard.store import Store
from tests.live_app import OUTSIDE_ALL_IN_ONE, demo_manager
from tests.nginx_server import NginxServer
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ("31555", "31069", "31149", "31557", "31044")
WRK_THREADS = 2


def city(count: int, seed: int) -> tuple[ReportRecord, ...]:
    """`count` reports spread over the Métropole, statuses drawn at random (`seed` makes each version differ)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    statuses = list(ReportStatus)
    return tuple(
        ReportRecord(
            f"AT-{i}",
            rng.choice(("voirie", "proprete", "eclairage", "espaces verts")),
            rng.choice(statuses),
            round(1.30 + rng.random() * 0.28, 7),
            round(43.52 + rng.random() * 0.18, 7),
            now - timedelta(minutes=i % 10080),
            now,
            COMMUNES[i % len(COMMUNES)],
        )
        for i in range(count)
    )


def write_version(store: Store, records: tuple[ReportRecord, ...], *, with_file: bool) -> None:
    """Write `records` as the reports layer's next version, with its public file when `with_file` (collector's way)."""
    result = FetchResult(records=records, fetched_at=datetime.now(UTC))
    store.write_snapshot(
        "reports",
        result,
        source="bench",
        demo=True,
        summary=LAYERS["reports"].summarise(records),
        public_file=version_files("reports", result, source="bench", demo=True) if with_file else None,
    )


def workers_rss_mib(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), MiB."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    sizes = []
    for pid in children.split():
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sorted(sizes)


def gunicorn(redis_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CITYOPS_SECRET_KEY": "bench-secret-bench-secret",
        "CITYOPS_LOG_LEVEL": "WARNING",
        "CITYOPS_MANAGERS": demo_manager(),
        **OUTSIDE_ALL_IN_ONE,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8", "--worker-class", "gthread"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def file_sizes(base: str) -> str:
    """The current reports file's size in each content coding."""
    url = httpx.get(f"{base}/api/v1/public/versions", timeout=60, verify=False).json()["layers"]["reports"]["url"]
    sizes = {}
    for coding in ("identity", "gzip", "br"):
        response = httpx.get(base + url, headers={"Accept-Encoding": coding}, timeout=60, verify=False)
        sizes[coding] = len(response.content) if coding == "identity" else int(response.headers["Content-Length"])
    return ", ".join(f"{coding} {size / 1024:.1f} KiB" for coding, size in sizes.items())


def main() -> None:
    """Build the city, start the web workers, run wrk while versions move, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=65)
    parser.add_argument("--reports", type=int, default=120_000)
    parser.add_argument("--every", type=float, default=30, help="seconds between two versions")
    parser.add_argument("--nginx", action="store_true", help="through nginx with deploy/nginx/ (https)")
    parser.add_argument("--burst", action="store_true", help="every viewer polls at the same instant")
    parser.add_argument("--web-builds", action="store_true", help="versions written without their public file")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load before the measured run")
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    store = Store(redis.Redis.from_url(server.url))
    write_version(store, city(args.reports, 0), with_file=not args.web_builds)
    port = free_port()
    web = gunicorn(server.url, port)
    base = f"http://127.0.0.1:{port}"
    nginx = NginxServer(port) if args.nginx else None
    stop = threading.Event()
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=60).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        if nginx is not None:
            nginx.start()
            base = f"https://127.0.0.1:{nginx.https_port}"
        started = time.perf_counter()
        httpx.get(f"{base}/api/v1/public/versions", timeout=60, verify=False)  # the first one builds the reports file
        print(f"{args.reports} reports; first versions document, file built: {time.perf_counter() - started:.2f} s")
        print(f"reports file: {file_sizes(base)}")
        before = workers_rss_mib(web.pid)

        def move() -> None:
            seed = 1
            while not stop.wait(args.every):
                write_version(store, city(args.reports, seed), with_file=not args.web_builds)
                seed += 1

        threading.Thread(target=move, daemon=True).start()
        per_thread = max(args.viewers // WRK_THREADS, 1)

        def wrk(seconds: int) -> str:
            command = ["/usr/bin/wrk", "-t", str(WRK_THREADS), "-c", str(args.viewers), "-d", f"{seconds}s"]
            command += ["--timeout", "10s", "-s", str(ROOT / "bench" / "embed_fanout.lua"), base, "--"]
            command += [str(per_thread), "burst" if args.burst else "spread"]
            return subprocess.run(command, capture_output=True, text=True, check=True).stdout

        if args.warmup:
            wrk(args.warmup)
        output = wrk(args.seconds)
        figures = dict(pair.split("=") for pair in output.split("WRK ", 1)[1].split())
        seconds = float(figures["seconds"])
        print(
            f"{'through nginx, ' if nginx else ''}{args.viewers} viewers, versions every 5 s "
            f"({'all at once' if args.burst else 'at random moments'}, files built by "
            f"{'the web workers' if args.web_builds else 'the writer'}), "
            f"a new version every {args.every:g} s, {seconds:.0f} s: "
            f"{int(figures['requests']) / seconds:.0f} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"{int(figures['bytes']) / seconds / 1024:.0f} KiB/s out ({int(figures['bytes']) / 2**20:.1f} MiB), "
            f"errors {figures['errors']} (connect {figures['connect']}, read {figures['read']}, "
            f"write {figures['write']}, timeout {figures['timeout']}), non-2xx {figures['non2xx']}"
        )
        after = workers_rss_mib(web.pid)
        print(f"worker RSS MiB before {[round(x) for x in before]}, after {[round(x) for x in after]}")
    finally:
        stop.set()
        if nginx is not None:
            nginx.stop()
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=15)
        server.stop()


if __name__ == "__main__":
    main()
