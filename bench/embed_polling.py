"""Public viewers polling an embed's data endpoint: requests/s and p99, with and without conditional requests.

Starts its own redis-server, one collector process and gunicorn (2 workers x 8 threads) on free ports. Two
loads per mode: `--viewers` browsers each polling /api/v1/public/layers/<layer> once per `--interval` (the
layer's refresh interval by default), staggered; then `--clients` polling back to back, the sustained
maximum. "conditional" viewers send the ETag they hold (If-None-Match) and mostly get a bodiless 304.

Usage: .venv/bin/python -m bench.embed_polling [--layer reports] [--viewers 600] [--interval 30] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

import httpx

from bench.stack import running_stack
from dashboard.layers import LAYERS


class Tally:
    """Latencies, status counts and bytes of one run."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.received = 0

    async def get(self, client: httpx.AsyncClient, url: str, etag: str | None) -> str | None:
        """One poll; returns the ETag to send next time."""
        headers = {"If-None-Match": etag} if etag else {}
        started = time.perf_counter()
        try:
            response = await client.get(url, headers=headers)
        except httpx.HTTPError:
            self.statuses[0] = self.statuses.get(0, 0) + 1  # status 0: no answer within the timeout
            return etag
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        self.received += len(response.content)
        return response.headers.get("ETag")

    def report(self, label: str, seconds: float) -> None:
        done = len(self.latencies)
        ordered = sorted(self.latencies)
        p99 = ordered[int(0.99 * (done - 1))] * 1000 if done else float("nan")
        p50 = statistics.median(ordered) * 1000 if done else float("nan")
        print(
            f"{label:<44} {done / seconds:8.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
            f"{self.received / max(done, 1) / 1024:7.1f} KiB/req   statuses {dict(sorted(self.statuses.items()))}"
        )


async def viewers(url: str, count: int, interval: float, seconds: float, conditional: bool) -> Tally:
    """`count` viewers, each polling once per `interval`, their first polls spread over one interval."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)

    async def viewer(client: httpx.AsyncClient) -> None:
        etag = None
        next_poll = time.monotonic() + random.uniform(0, interval)
        while True:
            await asyncio.sleep(max(next_poll - time.monotonic(), 0))
            if time.monotonic() >= deadline:
                return
            fresh = await tally.get(client, url, etag)
            etag = fresh if conditional else None
            next_poll += interval

    # No pool timeout: a viewer waiting for a connection is a slow answer, and its wait counts in the latency.
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30, pool=None)) as client:
        await asyncio.gather(*(viewer(client) for _ in range(count)))
    return tally


async def back_to_back(url: str, clients: int, seconds: float, conditional: bool) -> Tally:
    """`clients` polling without pause: the most this stack sustains."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        etag = None
        while time.monotonic() < deadline:
            fresh = await tally.get(client, url, etag)
            etag = fresh if conditional else None

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients), timeout=30) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    return tally


def main() -> None:
    """Run both loads, without and with If-None-Match, and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", default="reports", choices=[n for n, layer in LAYERS.items() if layer.public])
    parser.add_argument("--viewers", type=int, default=600)
    parser.add_argument("--interval", type=float, default=None, help="seconds between a viewer's polls")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10, help="length of each back-to-back run")
    args = parser.parse_args()
    interval = args.interval or LAYERS[args.layer].refresh_seconds
    with running_stack("app:create_app()", 2, {}) as stack:
        url = f"{stack.base}/api/v1/public/layers/{args.layer}"
        features = len(httpx.get(url, timeout=10, follow_redirects=True).json()["features"])
        print(f"{args.layer}: {features} public features; gunicorn 2 workers x 8 threads, one collector, redis-server")
        for conditional in (False, True):
            mode = "with If-None-Match" if conditional else "unconditional"
            run = 2 * interval  # every viewer polls twice: once with no ETag, then (conditional) with one
            tally = asyncio.run(viewers(url, args.viewers, interval, run, conditional))
            tally.report(f"{args.viewers} viewers every {interval:g} s, {mode}", run)
            tally = asyncio.run(back_to_back(url, args.clients, args.seconds, conditional))
            tally.report(f"{args.clients} clients back to back, {mode}", args.seconds)


if __name__ == "__main__":
    main()
