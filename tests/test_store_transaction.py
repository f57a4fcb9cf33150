"""The store's one transaction helper against a real redis-server: retries on a conflict, gives up, fences, and
composes the store's writes (pipeline=) so that they land together or not at all."""

from __future__ import annotations

import pytest
import redis

from dashboard import keys
from dashboard.models import SourceState, SourceStatus
from dashboard.store import ATTEMPTS, LeaderLock, NotLeader, StoreUnavailable, TransactionConflict, transaction
from tests.factories import parking_result

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


# ---- writes composed into one transaction (pipeline=) ---------------------------------------------------------

OK_STATUS = SourceStatus(layer="parking", source="demo-parking", state=SourceState.OK, writer="c1")


def _snapshot_then_status(store, before_status=lambda attempt: None):
    """A body composing a snapshot write and a status write, calling `before_status` between them."""
    attempts: list[int] = []

    def body(pipe):
        version = store.write_snapshot("parking", parking_result(), source="demo-parking", demo=True, pipeline=pipe)
        attempts.append(version)
        before_status(len(attempts))
        store.write_status(OK_STATUS, pipeline=pipe)
        return version

    return body, attempts


def test_a_snapshot_and_its_status_land_together(store, redis_client):
    version = store.write_snapshot("parking", parking_result(), source="demo-parking", demo=True, status=OK_STATUS)
    assert store.snapshot("parking").version == version
    assert store.status("parking").state is SourceState.OK
    assert len(store.history("parking")) == 1


def test_composed_writes_are_not_written_before_the_callers_exec(store, redis_client):
    body, _attempts = _snapshot_then_status(store)

    def caller(pipe):
        body(pipe)
        # Queued, not written: another connection sees neither yet.
        assert not redis_client.exists(keys.snapshot("parking"), keys.status("parking"))

    transaction(redis_client, caller)
    assert store.snapshot("parking") is not None and store.status("parking") is not None


def test_a_watched_key_changed_between_composed_writes_retries_both(store, redis_client, other_client):
    def concurrent_write(attempt: int) -> None:
        if attempt == 1:
            other_client.hset(keys.snapshot("parking"), "version", 41)  # another writer, before our EXEC

    body, attempts = _snapshot_then_status(store, concurrent_write)
    assert transaction(redis_client, body) == 42
    assert attempts[1] == 42  # read again after the other writer: its version, plus one
    assert store.snapshot("parking").version == 42
    assert store.status("parking").writer == "c1"
    assert [entry.version for entry in store.history("parking")] == [42]  # the first attempt left nothing


def test_composed_writes_that_keep_conflicting_land_not_at_all(store, redis_client, other_client):
    def concurrent_write(attempt: int) -> None:
        other_client.hset(keys.snapshot("parking"), "version", 100 + attempt)

    body, attempts = _snapshot_then_status(store, concurrent_write)
    with pytest.raises(TransactionConflict):
        transaction(redis_client, body)
    assert len(attempts) == ATTEMPTS
    assert not redis_client.exists(keys.status("parking"), keys.history("parking"))
    assert redis_client.hkeys(keys.snapshot("parking")) == [b"version"]  # only the other writer's


def test_a_fenced_composed_write_lands_only_while_the_lock_is_ours(store, redis_client, other_client):
    key = keys.leader("parking", "test")
    ours = LeaderLock(redis_client, key, ttl_seconds=30)
    assert ours.hold()
    body, _attempts = _snapshot_then_status(store)
    fence = ours.fence()
    redis_client.delete(key)
    assert LeaderLock(other_client, key, ttl_seconds=30).hold()
    with pytest.raises(NotLeader):
        transaction(redis_client, body, fence=fence)
    assert not redis_client.exists(keys.snapshot("parking"), keys.status("parking"))


def test_a_composed_write_that_reads_must_come_before_the_callers_writes(store, redis_client):
    def writes_first(pipe):
        pipe.multi()
        pipe.set(keys.born(), 1)
        store.write_snapshot("parking", parking_result(), source="demo-parking", demo=True, pipeline=pipe)

    with pytest.raises(RuntimeError, match="before queueing writes"):
        transaction(redis_client, writes_first)
    assert not redis_client.exists(keys.snapshot("parking"), keys.born())


def test_the_alarms_version_moves_with_the_write_it_is_composed_into(store, redis_client):
    alarms = store.alarm_store()

    def body(pipe):
        pipe.multi()
        pipe.hset(keys.alarms_active(), "a1", b"{}")
        alarms.bump_version(pipeline=pipe)
        assert not redis_client.exists(keys.alarms_version())  # queued with the alarm, not before it

    transaction(redis_client, body)
    assert alarms.version() > 0 and redis_client.hexists(keys.alarms_active(), "a1")
