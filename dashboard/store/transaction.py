"""The one way the store writes what it has just read: WATCH, read, MULTI, EXEC, with one retry policy.

Policy: when another client changes a watched key between WATCH and EXEC (redis-py raises WatchError), the
body runs again from a fresh read, at most `ATTEMPTS` times in all; after that TransactionConflict (a
StoreUnavailable) says which keys kept changing. A collector backs off and tries again on its next turn; a
page says the data could not be saved. With a `Fence`, the leader lock's key is watched too and its token
checked before every attempt: once another process holds the lock, the write is refused with NotLeader
(a renewal of our own lock only costs one more attempt).

Composition (as redis-py's `pipeline=` arguments): a store method that takes `pipeline` and hands it to
`transaction(..., pipeline=pipeline)` runs its body inside the caller's transaction instead of its own: its
keys are watched and its reads made on the caller's pipeline, its writes queued there, and the caller's EXEC
commits both or neither (a conflict on any watched key runs the caller's body, and so the composed one, again).
Reads come first: a composed write that reads must be called before the caller starts queueing writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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


class TransactionPipeline:
    """The pipeline a transaction's body is given: commands run at once (reads) until `multi()`, then they are
    queued (writes) for EXEC. Each write composed into the transaction calls `multi()`; only the first switches."""

    def __init__(self, pipe: Pipeline) -> None:
        self.pipe = pipe
        self.writing = False

    def multi(self) -> None:
        """Start queueing writes (once per transaction, whoever asks first)."""
        if not self.writing:
            self.writing = True
            self.pipe.multi()

    def watch(self, *keys: str) -> None:
        """Watch more keys: only while the transaction still reads."""
        if self.writing:
            raise RuntimeError(f"cannot watch {', '.join(keys)}: compose writes that read before queueing writes")
        self.pipe.watch(*keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipe, name)


def transaction(
    client: redis.Redis,
    body: Callable[[Pipeline], T],
    *watched: str,
    fence: Fence | None = None,
    attempts: int = ATTEMPTS,
    pipeline: Pipeline | None = None,
) -> T:
    """Run `body` as one optimistic transaction on the `watched` keys and return what it returned.

    `body` reads through the pipeline it is given (commands run at once while watching), then calls
    `pipe.multi()` and queues its writes, which are executed atomically unless a watched key changed
    meanwhile; a body that queues nothing writes nothing. Redis errors pass through: the calling store
    method turns them into StoreUnavailable (dashboard.store.errors.unavailable_on_redis_error).
    With `pipeline` (the one another transaction's body was given), `body` runs once inside that
    transaction, which executes it and retries it with its own.
    """
    keys = (*watched, fence.key) if fence is not None else watched
    if pipeline is not None:
        return _composed(pipeline, body, keys, fence)
    with client.pipeline(transaction=True) as pipe:
        for _attempt in range(attempts):
            try:
                tx = TransactionPipeline(pipe)
                result = _composed(tx, body, keys, fence)
                pipe.execute()
                return result
            except redis.WatchError:
                continue  # another client wrote a watched key: read again
    raise TransactionConflict(f"{', '.join(keys)} changed during each of {attempts} attempts to write")


def _composed(pipe: Any, body: Callable[[Any], T], keys: tuple[str, ...], fence: Fence | None) -> T:
    """Watch `keys` on the transaction's pipeline, check the fence, and run `body` on it (nothing executed)."""
    tx = pipe if isinstance(pipe, TransactionPipeline) else TransactionPipeline(pipe)
    if keys:
        tx.watch(*keys)
    if fence is not None and tx.get(fence.key) != fence.token:
        raise NotLeader(f"leader lock {fence.key} is no longer ours")
    return body(tx)
