"""Three competing collector processes on one real Redis: exactly one writer per source, and a takeover."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.layers import LAYERS
from dashboard.store import Store
from tests.shared_data import NO_BOUNDARY_DOWNLOAD

ROOT = Path(__file__).resolve().parents[1]
TTL = 3.0


def _writers(store: Store, layer: str, since_version: int = 0) -> list[str]:
    return [e.writer for e in store.history(layer) if e.version > since_version]


def _wait_for(predicate, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@pytest.fixture
def collectors(redis_server, redis_client):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_")},
        **NO_BOUNDARY_DOWNLOAD,
        "REDIS_URL": redis_server.url,
        "CITYOPS_REFRESH_SECONDS": "0.3",
        # Simulated time runs fast, so that car parks change between fetches: a fetch that changes nothing
        # writes no new version, and the takeover below is seen in the versions' writers.
        "CITYOPS_DEMO_SPEED": "600",
        "CITYOPS_LEADER_TTL_SECONDS": str(TTL),
        "CITYOPS_LOG_LEVEL": "WARNING",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "dashboard.collectors"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    yield processes
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        process.communicate(timeout=10)  # drains its stderr, so a full pipe cannot hold it up


def test_one_writer_per_source_and_takeover_within_the_ttl(collectors, store):
    pids = {p.pid for p in collectors}
    # Every layer gets written (car parks several times, their data change) by exactly one of the three processes.
    assert _wait_for(
        lambda: all(_writers(store, layer) for layer in LAYERS) and len(_writers(store, "parking")) >= 5, timeout=20
    )
    for layer in LAYERS:
        writers = set(_writers(store, layer))
        assert len(writers) == 1, (layer, writers)
        assert int(next(iter(writers)).rsplit(":", 1)[1]) in pids
        versions = [e.version for e in store.history(layer)]
        assert versions == list(range(versions[0], versions[0] + len(versions)))  # no gaps, no repeats

    leader_pid = int(_writers(store, "parking")[-1].rsplit(":", 1)[1])
    os.kill(leader_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    last_version = store.snapshot("parking").version

    def new_writer():
        fresh = [w for w in _writers(store, "parking", last_version) if not w.endswith(f":{leader_pid}")]
        return fresh[0] if fresh else None

    successor = _wait_for(new_writer, timeout=TTL + 10)
    took = time.monotonic() - killed_at
    assert successor is not None, "no collector took over the parking source"
    assert int(successor.rsplit(":", 1)[1]) in pids - {leader_pid}
    assert took <= TTL + 2.0, f"takeover took {took:.1f} s with a {TTL} s lock"
    # After the takeover there is again exactly one writer.
    time.sleep(1.0)
    assert set(_writers(store, "parking", last_version)) == {successor}
