"""The one way the store writes what it has just read: WATCH, read, MULTI, EXEC, with one retry policy.

Policy: when another client changes a watched key between WATCH and EXEC (redis-py raises WatchError), the
body runs again from a fresh read, at most `ATTEMPTS` times in all; after that TransactionConflict (a
StoreUnavailable) says which keys kept changing. A collector backs off and tries again on its next turn; a
page says the data could not be saved. With a `Fence`, the leader lock's key is watched too and its token
checked before every attempt: once another process holds the lock, the write is refused with NotLeader
(a renewal of our own lock only costs one more attempt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import redis
from redis.client import Pipeline

from dashboard.store.errors import NotLeader, TransactionConflict

# Conflicts are rare (one leader per source; an acknowledgement racing the alarm evaluation): a few attempts
# absorb them, and a key that changes on every attempt is a fault worth saying rather than a loop.
ATTEMPTS = 5

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fence:
    """A leader lock's key and token: a write goes through only while the lock still holds this token."""

    key: str
    token: bytes


def transaction(
    client: redis.Redis,
    body: Callable[[Pipeline], T],
    *watched: str,
    fence: Fence | None = None,
    attempts: int = ATTEMPTS,
) -> T:
    """Run `body` as one optimistic transaction on the `watched` keys and return what it returned.

    `body` reads through the pipeline it is given (commands run at once while watching), then calls
    `pipe.multi()` and queues its writes, which are executed atomically unless a watched key changed
    meanwhile; a body that queues nothing writes nothing. Redis errors pass through: the calling store
    method turns them into StoreUnavailable (dashboard.store.errors.unavailable_on_redis_error).
    """
    keys = (*watched, fence.key) if fence is not None else watched
    with client.pipeline(transaction=True) as pipe:
        for _attempt in range(attempts):
            try:
                pipe.watch(*keys)
                if fence is not None and pipe.get(fence.key) != fence.token:
                    raise NotLeader(f"leader lock {fence.key} is no longer ours")
                result = body(pipe)
                pipe.execute()
                return result
            except redis.WatchError:
                continue  # another client wrote a watched key: read again
    raise TransactionConflict(f"{', '.join(keys)} changed during each of {attempts} attempts to write")
