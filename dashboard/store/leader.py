"""One writer per source across processes and hosts: a Redis lock with a TTL, renewed while held."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import redis
from redis.exceptions import LockError

from dashboard.store.errors import REDIS_ERRORS, unavailable_on_redis_error
from dashboard.store.transaction import Fence

# A follower wakes this long after the leader's lock would expire, so its try finds the lock gone.
_AFTER_EXPIRY = 0.01


class LeaderLock:
    """Non-blocking leadership of one source; `hold()` acquires or renews, `fence()` guards writes."""

    def __init__(self, client: redis.Redis, key: str, ttl_seconds: float) -> None:
        self.key = key
        self.ttl_seconds = ttl_seconds
        self._client = client
        # thread_local=False: the token must be visible to whichever thread renews or releases it.
        self._lock = client.lock(key, timeout=ttl_seconds, blocking=False, thread_local=False)
        self._held = False
        self.term = 0  # how many times this process has newly acquired the lock

    @property
    def renew_every(self) -> float:
        """Renew well before expiry so one slow round trip does not cost the lock."""
        return self.ttl_seconds / 3

    @property
    def held(self) -> bool:
        return self._held

    def hold(self) -> bool:
        """Acquire the lock if free, or extend it if ours; return whether we are the leader now."""
        with unavailable_on_redis_error():
            return self._hold()

    def _hold(self) -> bool:
        if self._held:
            try:
                self._lock.reacquire()
                return True
            except LockError:
                # Expired (a Redis outage, a restart without persistence): take it again at once if it is free.
                self._held = False
        with contextlib.suppress(LockError):
            self._held = bool(self._lock.acquire(blocking=False))
        if self._held:
            self.term += 1
        return self._held

    def follow_wait(self) -> float:
        """Seconds a follower waits before trying again: until the leader's lock would expire, if not renewed."""
        with unavailable_on_redis_error():
            remaining_ms = self._client.pttl(self.key)
        if remaining_ms < 0:
            return _AFTER_EXPIRY  # gone (or no expiry, which our locks never lack): try again at once
        return min(remaining_ms / 1000 + _AFTER_EXPIRY, self.renew_every)

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        """Renew the lock from a background thread while the body runs: a slow fetch may outlast the TTL."""
        done = threading.Event()
        renewer = threading.Thread(target=self._renew_until, args=(done,), name=f"renew {self.key}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()

    def _renew_until(self, done: threading.Event) -> None:
        while not done.wait(self.renew_every):
            try:
                self._lock.reacquire()
            except LockError:
                return  # taken over: the fenced write that ends the work is refused and says so
            except REDIS_ERRORS:
                continue  # Redis away for a moment: the lock may still outlive the outage

    def fence(self) -> Fence:
        """The token a write must match to go through (only meaningful while held)."""
        token = self._lock.local.token
        return Fence(key=self.key, token=token if isinstance(token, bytes) else str(token).encode())

    def step_down(self) -> None:
        """Stop acting as leader (after a refused write or on shutdown), releasing the lock if still ours."""
        if self._held:
            # Already expired or taken over, or Redis is gone: the TTL frees it either way.
            with contextlib.suppress(LockError, *REDIS_ERRORS):
                self._lock.release()
        self._held = False
