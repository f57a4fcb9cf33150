"""The circuit breaker in front of Redis, on a fake clock: when it fails fast, when it lets a trial through."""

from __future__ import annotations

import threading

import pytest
import redis

from dashboard.store import StoreUnavailable, connect, unavailable_on_redis_error
from dashboard.store.breaker import CircuitBreaker, guarded_connection_class


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def in_other_thread(action) -> BaseException | None:
    """Run `action` in another thread; what it raised, or None."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            action()
        except BaseException as err:  # handed back to the test
            raised[0] = err

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return raised[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(timeout_seconds=2.0, cool_down_seconds=1.0, clock=clock)


def test_a_closed_breaker_lets_every_call_through(breaker):
    for _ in range(3):
        breaker.before()
    assert not breaker.is_open


def test_one_failure_opens_it_and_calls_then_fail_at_once(breaker, clock):
    breaker.failed()
    clock.now += 0.5
    with pytest.raises(redis.ConnectionError, match="ne répond plus"):
        breaker.before()
    assert breaker.is_open


def test_after_the_cool_down_one_trial_goes_through_and_the_others_still_fail(breaker, clock):
    breaker.failed()
    clock.now += 1.0
    breaker.before()  # this thread holds the trial
    breaker.before()  # and its own nested calls (connect, then read) go through
    assert isinstance(in_other_thread(breaker.before), redis.ConnectionError)


def test_a_trial_that_fails_opens_it_for_another_cool_down(breaker, clock):
    breaker.failed()
    clock.now += 1.0
    breaker.before()
    breaker.failed()
    clock.now += 0.5
    assert isinstance(in_other_thread(breaker.before), redis.ConnectionError)
    clock.now += 0.5
    assert in_other_thread(breaker.before) is None


def test_an_answer_closes_it_for_everyone(breaker, clock):
    breaker.failed()
    clock.now += 1.0
    breaker.before()
    breaker.succeeded()
    assert not breaker.is_open
    assert in_other_thread(breaker.before) is None


def test_a_trial_whose_thread_never_reports_stops_blocking_after_its_lease(breaker, clock):
    breaker.failed()
    clock.now += 1.0
    breaker.before()  # the trial's thread then disappears without a word
    clock.now += breaker.trial_lease - 0.1
    assert isinstance(in_other_thread(breaker.before), redis.ConnectionError)
    clock.now += 0.1
    assert in_other_thread(breaker.before) is None


def test_guard_counts_a_timeout_as_a_failure_and_an_error_reply_as_an_answer(breaker, clock):
    with pytest.raises(redis.TimeoutError), breaker.guard(answer=True):
        raise redis.TimeoutError("Timeout reading from socket")
    assert breaker.is_open
    clock.now += 1.0
    with pytest.raises(redis.ResponseError), breaker.guard(answer=True):
        raise redis.ResponseError("WRONGTYPE")
    assert not breaker.is_open


def test_a_refused_connection_does_not_open_it_but_keeps_a_failed_trial_open(breaker, clock):
    # A stopped or restarting Redis refuses at once: nothing waits, and its restart is seen on the next call.
    with pytest.raises(redis.ConnectionError), breaker.guard(answer=True):
        raise redis.ConnectionError("Connection refused")
    assert not breaker.is_open
    breaker.failed()
    clock.now += 1.0
    with pytest.raises(redis.ConnectionError), breaker.guard(answer=True):
        raise redis.ConnectionError("Connection refused")
    clock.now += 0.5
    assert isinstance(in_other_thread(breaker.before), redis.ConnectionError)


def test_a_send_that_succeeds_proves_nothing(breaker, clock):
    # A stopped server's kernel still takes the bytes: only a read shows that Redis answers.
    breaker.failed()
    clock.now += 1.0
    with breaker.guard(answer=False):
        pass
    assert breaker.is_open


def test_guarded_connections_fail_fast_as_store_unavailable(redis_server):
    breaker = CircuitBreaker(timeout_seconds=1.0)
    breaker.failed()
    pool = redis.ConnectionPool.from_url(redis_server.url)
    pool.connection_class = guarded_connection_class(pool.connection_class, breaker)
    client = redis.Redis(connection_pool=pool)
    with pytest.raises(StoreUnavailable, match="ne répond plus"), unavailable_on_redis_error():
        client.ping()


def test_a_fail_fast_client_reaches_a_redis_that_answers(redis_server):
    client = connect(redis_server.url, timeout_seconds=1.0, fail_fast=True)
    client.set("cityops:test:breaker", "1")
    assert client.get("cityops:test:breaker") == b"1"
    client.delete("cityops:test:breaker")
