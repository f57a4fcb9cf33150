"""A production-like stack on this machine for benchmarks: redis-server, one collector process, gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.live_app import OUTSIDE_ALL_IN_ONE, demo_manager, wait_for_data
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Stack:
    """Handles on the running processes and the web server's base URL."""

    base: str
    redis: RedisServer
    collectors: subprocess.Popen
    web: subprocess.Popen


@contextmanager
def running_stack(
    app_spec: str, workers: int, settings: dict[str, str], redis: RedisServer | None = None, threads: int = 8
) -> Iterator[Stack]:
    """Start the stack (a fresh redis-server unless one is given), wait until every layer has data, stop it after."""
    own_redis = redis is None
    if redis is None:
        redis = RedisServer()
        redis.start()
    env = {
        **os.environ,
        "REDIS_URL": redis.url,
        "CITYOPS_SECRET_KEY": "bench-secret-bench-secret",
        "CITYOPS_LOG_LEVEL": "WARNING",
        "CITYOPS_MANAGERS": demo_manager(),  # sign in with tests.live_app.session_cookies (demo/demo)
        **OUTSIDE_ALL_IN_ONE,
        **settings,
    }
    port = free_port()
    collectors = subprocess.Popen([sys.executable, "-m", "dashboard.collectors"], cwd=ROOT, env=env)
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    stack = Stack(f"http://127.0.0.1:{port}", redis, collectors, web)
    try:
        wait_for_data(stack.base)
        yield stack
    finally:
        for process in (web, collectors):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        if own_redis:
            redis.stop()
