"""Throughput of the web server while Redis hangs (SIGSTOP), measured with wrk against gunicorn 2x8.

Starts its own redis-server, one collector process and gunicorn (2 workers x 8 threads) on free ports. In each
phase, Redis answering then Redis stopped, two wrk runs go side by side: `--bound` connections polling /healthz
(which reads Redis) and `--free` connections on /login (which never does); then /healthz alone. The figures
show whether requests that need Redis take the whole server down with them while it does not answer.

Usage: .venv/bin/python -m bench.redis_hang [--seconds 8] [--bound 32] [--free 8] [--timeout 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from dataclasses import dataclass

from bench.stack import Stack, running_stack


@dataclass(frozen=True)
class Run:
    """What wrk measured on one URL."""

    url: str
    requests_per_second: float
    p99: str
    errors: str

    def line(self) -> str:
        return f"{self.url:<9} {self.requests_per_second:>9.1f} req/s  p99 {self.p99:>8}  {self.errors}"


def _start_wrk(url: str, connections: int, seconds: float) -> subprocess.Popen:
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    command = [binary, "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "30s", "--latency", url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def _result(path: str, process: subprocess.Popen) -> Run:
    output, _ = process.communicate()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    errors = re.search(r"Socket errors:.*|Non-2xx or 3xx responses: \d+", output)
    return Run(
        path,
        float(rate.group(1)) if rate else 0.0,
        p99.group(1) if p99 else "-",
        errors.group(0) if errors else "",
    )


def _phase(stack: Stack, label: str, args: argparse.Namespace) -> None:
    print(f"-- {label}")
    bound = _start_wrk(f"{stack.base}/healthz", args.bound, args.seconds)
    free = _start_wrk(f"{stack.base}/login", args.free, args.seconds)
    for run in (_result("/healthz", bound), _result("/login", free)):
        print("   side by side: " + run.line())
    alone = _result("/healthz", _start_wrk(f"{stack.base}/healthz", args.bound, args.seconds))
    print("   alone:        " + alone.line())


def main() -> None:
    """Both phases, one block of figures each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of each wrk run")
    parser.add_argument("--bound", type=int, default=32, help="connections on /healthz")
    parser.add_argument("--free", type=int, default=8, help="connections on /login")
    parser.add_argument("--timeout", type=float, default=2.0, help="CITYOPS_REDIS_TIMEOUT_SECONDS")
    args = parser.parse_args()
    settings = {"CITYOPS_REDIS_TIMEOUT_SECONDS": str(args.timeout)}
    with running_stack("app:create_app()", 2, settings) as stack:
        print(f"gunicorn 2 workers x 8 threads, one collector, redis-server; Redis timeout {args.timeout:g} s")
        _phase(stack, "Redis answering", args)
        stack.redis.pause()
        try:
            _phase(stack, "Redis stopped (SIGSTOP)", args)
        finally:
            stack.redis.resume()


if __name__ == "__main__":
    main()
