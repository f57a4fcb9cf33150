"""A Redis that stops answering (SIGSTOP) against gunicorn with few threads: the server keeps answering quickly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bench.stack import Stack, running_stack
from tests.live_app import TOKEN_FIELD
from tests.redis_server import RedisServer

TIMEOUT = 1.0  # CITYOPS_REDIS_TIMEOUT_SECONDS of the stack
MARGIN = 0.6  # process scheduling on a busy machine
THREADS = 4  # one gunicorn worker with this many threads: few enough to starve if each Redis call waits


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    server = RedisServer()
    server.start()
    settings = {"CITYOPS_REDIS_TIMEOUT_SECONDS": str(TIMEOUT), "CITYOPS_REFRESH_SECONDS": "1"}
    try:
        with running_stack("app:create_app()", 1, settings, redis=server, threads=THREADS) as running:
            yield running
    finally:
        server.stop()


@pytest.fixture
def paused(stack: Stack) -> Iterator[Stack]:
    """The stack with its Redis frozen for the test, resumed after."""
    stack.redis.pause()
    try:
        yield stack
    finally:
        stack.redis.resume()
    wait_healthy(stack.base, 10)


def wait_healthy(base: str, within: float) -> float:
    """Seconds until /healthz answers 200 (AssertionError after `within`)."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        try:
            if httpx.get(f"{base}/healthz", timeout=within).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"/healthz not healthy within {within} s")


def timed_get(url: str, **options) -> tuple[float, int]:
    start = time.monotonic()
    response = httpx.get(url, timeout=30, **options)
    return time.monotonic() - start, response.status_code


def test_healthz_says_503_within_the_timeout_then_at_once(paused):
    first, status = timed_get(f"{paused.base}/healthz")
    assert status == 503
    assert first < TIMEOUT + MARGIN, f"first /healthz took {first:.1f} s with a {TIMEOUT} s timeout"
    later = [timed_get(f"{paused.base}/healthz") for _ in range(5)]
    assert all(status == 503 for _took, status in later)
    slowest = max(took for took, _status in later)
    # A trial after each cool-down may still wait one timeout: the median call does not.
    assert sorted(took for took, _status in later)[2] < TIMEOUT / 4, f"503s took {later}"
    assert slowest < TIMEOUT + MARGIN


def test_a_page_without_redis_keeps_answering_under_redis_bound_requests(paused):
    base = paused.base
    stop_at = time.monotonic() + 4 * TIMEOUT
    bound = 3 * THREADS  # more Redis-bound requests at once than the worker has threads

    def hammer() -> int:
        count = 0
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                client.get(f"{base}/healthz")
                client.get(f"{base}/api/v1/public/versions")
                count += 2
        return count

    with ThreadPoolExecutor(bound) as pool:
        hammers = [pool.submit(hammer) for _ in range(bound)]
        time.sleep(TIMEOUT + MARGIN)  # the first calls wait out their timeout; then the breaker is open
        login = [timed_get(f"{base}/login") for _ in range(5)]
        for future in hammers:
            future.result()
    assert all(status == 200 for _took, status in login)
    slowest = max(took for took, _status in login)
    assert slowest < TIMEOUT / 2, f"/login took {slowest:.2f} s at worst while Redis hung"


def test_a_failed_sign_in_is_not_held_by_the_rate_limiter(paused):
    with httpx.Client(timeout=30) as client:
        token = TOKEN_FIELD.search(client.get(f"{paused.base}/login").text).group(1)  # the page needs no Redis
        form = {"username": "nobody", "password": "wrong", "csrf_token": token}
        times = []
        for _ in range(3):
            start = time.monotonic()
            response = client.post(f"{paused.base}/login", data=form)
            times.append(time.monotonic() - start)
            assert response.status_code == 401
    assert times[0] < TIMEOUT + MARGIN, f"sign-ins took {times}"
    assert max(times[1:]) < TIMEOUT + MARGIN


def test_data_comes_back_by_itself_after_redis_resumes(stack):
    stack.redis.pause()
    try:
        assert timed_get(f"{stack.base}/healthz")[1] == 503
    finally:
        stack.redis.resume()
    assert wait_healthy(stack.base, 3) < 2 + MARGIN
    layers = httpx.get(f"{stack.base}/api/v1/public/layers/reports", timeout=10, follow_redirects=True)
    assert layers.status_code == 200
