"""The store's one transaction helper against a real redis-server: retries on a conflict, gives up, fences."""

from __future__ import annotations

import pytest
import redis

from dashboard import keys
from dashboard.models import SourceState, SourceStatus
from dashboard.store import ATTEMPTS, LeaderLock, NotLeader, StoreUnavailable, TransactionConflict, transaction

COUNTER = keys.status("parking")  # any key of the layer's hash tag will do


@pytest.fixture
def other_client(redis_server):
    """A second connection: the concurrent writer."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


def _increment(attempts: list[int], before_exec=lambda attempt: None):
    """A body adding one to the counter's `n` as read, calling `before_exec` after reading (between WATCH and EXEC)."""

    def body(pipe):
        n = int(pipe.hget(COUNTER, "n") or 0)
        attempts.append(n)
        before_exec(len(attempts))
        pipe.multi()
        pipe.hset(COUNTER, "n", n + 1)
        return n + 1

    return body


def test_a_write_in_between_makes_the_body_read_again(redis_client, other_client):
    attempts: list[int] = []

    def concurrent_write(attempt: int) -> None:
        if attempt == 1:
            other_client.hset(COUNTER, "n", 10)

    result = transaction(redis_client, _increment(attempts, concurrent_write), COUNTER)
    assert attempts == [0, 10]  # the first read was stale: read again, after the other writer
    assert result == 11
    assert redis_client.hget(COUNTER, "n") == b"11"


def test_a_key_that_changes_at_every_attempt_ends_in_a_clear_error(redis_client, other_client):
    attempts: list[int] = []

    def concurrent_write(attempt: int) -> None:
        other_client.hset(COUNTER, "n", 100 + attempt)

    with pytest.raises(TransactionConflict, match=rf"{COUNTER}.* each of {ATTEMPTS} attempts") as caught:
        transaction(redis_client, _increment(attempts, concurrent_write), COUNTER)
    assert isinstance(caught.value, StoreUnavailable)  # callers handle it as Redis being unable to save
    assert len(attempts) == ATTEMPTS
    assert redis_client.hget(COUNTER, "n") == str(100 + ATTEMPTS).encode()  # only the other writer's


def test_an_unwatched_key_changing_costs_no_retry(redis_client, other_client):
    attempts: list[int] = []
    transaction(redis_client, _increment(attempts, lambda _: other_client.set(keys.born(), 1)), COUNTER)
    assert attempts == [0]


def test_a_body_that_queues_nothing_writes_nothing(redis_client):
    assert transaction(redis_client, lambda pipe: "nothing to do", COUNTER) == "nothing to do"
    assert not redis_client.exists(COUNTER)


def test_the_fence_refuses_a_write_once_the_lock_was_taken_over(redis_client, other_client):
    key = keys.leader("parking", "test")
    ours = LeaderLock(redis_client, key, ttl_seconds=30)
    assert ours.hold()
    fence = ours.fence()
    redis_client.delete(key)  # our lock lapsed (a long pause, an outage)...
    assert LeaderLock(other_client, key, ttl_seconds=30).hold()  # ...and another collector took it
    with pytest.raises(NotLeader):
        transaction(redis_client, _increment([]), COUNTER, fence=fence)
    assert not redis_client.exists(COUNTER)


def test_the_fence_refuses_a_write_when_the_lock_is_taken_over_between_watch_and_exec(redis_client, other_client):
    key = keys.leader("parking", "test")
    ours = LeaderLock(redis_client, key, ttl_seconds=30)
    assert ours.hold()
    attempts: list[int] = []

    def take_over(attempt: int) -> None:
        if attempt == 1:
            other_client.delete(key)
            assert LeaderLock(other_client, key, ttl_seconds=30).hold()

    with pytest.raises(NotLeader):
        transaction(redis_client, _increment(attempts, take_over), COUNTER, fence=ours.fence())
    assert attempts == [0]  # EXEC refused, and the next attempt found the token changed
    assert not redis_client.exists(COUNTER)


def test_our_own_renewal_between_watch_and_exec_only_costs_an_attempt(redis_client):
    key = keys.leader("parking", "test")
    ours = LeaderLock(redis_client, key, ttl_seconds=30)
    assert ours.hold()
    attempts: list[int] = []

    def renew(attempt: int) -> None:
        if attempt == 1:
            assert ours.hold()  # the renewal thread extending the lock touches the watched key

    assert transaction(redis_client, _increment(attempts, renew), COUNTER, fence=ours.fence()) == 1
    assert attempts == [0, 0]


def test_a_fenced_status_write_goes_through_while_the_lock_is_ours(store, redis_client):
    lock = store.leader_lock(keys.leader("parking", "test"), ttl_seconds=30)
    assert lock.hold()
    status = SourceStatus(layer="parking", source="test", state=SourceState.OK)
    store.write_status(status, fence=lock.fence())
    assert store.status("parking").state is SourceState.OK
    lock.step_down()
    with pytest.raises(NotLeader):
        store.write_status(status, fence=lock.fence())
