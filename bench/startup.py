"""Time from `make run` (dependencies already installed) to the first page served (signed in as demo), and to live data.

Usage: .venv/bin/python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

import httpx

from tests.live_app import signed_in_client
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[1]


def _wait(url: str, ready, deadline: float, client=httpx) -> float:
    while time.monotonic() < deadline:
        try:
            response = client.get(url, timeout=1)
            if ready(response):
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise TimeoutError(url)


def one_run() -> tuple[float, float, float]:
    """Seconds to: first page (HTML), first layout, every layer holding data."""
    port = free_port()
    env = {**os.environ, "CITYOPS_PORT": str(port)}
    start = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = start + 120
    try:
        _wait(base + "/login", lambda r: r.status_code == 200, deadline)
        with signed_in_client(base) as client:  # the demo account of the all-in-one mode
            page = _wait(base + "/", lambda r: r.status_code == 200 and "_dash-config" in r.text, deadline, client)
            layout = _wait(base + "/_dash-layout", lambda r: r.status_code == 200, deadline, client)
        data = _wait(
            base + "/healthz",
            lambda r: r.status_code == 200 and all(s["age_seconds"] is not None for s in r.json()["sources"].values()),
            deadline,
        )
        return page - start, layout - start, data - start
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [one_run() for _ in range(args.runs)]
    for label, index in (("first page served", 0), ("layout served", 1), ("every layer holds data", 2)):
        values = [r[index] for r in results]
        print(
            f"make run -> {label:<26} median {statistics.median(values):5.2f} s  (runs: "
            + ", ".join(f"{v:.2f}" for v in values)
            + ")"
        )


if __name__ == "__main__":
    main()
