"""One writer per source across processes and hosts: a Redis lock with a TTL, renewed while held."""

from __future__ import annotations

import contextlib

import redis
from redis.exceptions import LockError

from dashboard.store import Fence


class LeaderLock:
    """Non-blocking leadership of one source; `hold()` acquires or renews, `fence()` guards writes."""

    def __init__(self, client: redis.Redis, key: str, ttl_seconds: float) -> None:
        self.key = key
        self.ttl_seconds = ttl_seconds
        # thread_local=False: the token must be visible to whichever thread renews or releases it.
        self._lock = client.lock(key, timeout=ttl_seconds, blocking=False, thread_local=False)
        self._held = False

    @property
    def renew_every(self) -> float:
        """Renew well before expiry so one slow round trip does not cost the lock."""
        return self.ttl_seconds / 3

    @property
    def held(self) -> bool:
        return self._held

    def hold(self) -> bool:
        """Acquire the lock if free, or extend it if ours; return whether we are the leader now."""
        try:
            if self._held:
                self._lock.reacquire()
            else:
                self._held = bool(self._lock.acquire(blocking=False))
        except LockError:
            self._held = False
        return self._held

    def fence(self) -> Fence:
        """The token a write must match to go through (only meaningful while held)."""
        token = self._lock.local.token
        return Fence(key=self.key, token=token if isinstance(token, bytes) else str(token).encode())

    def step_down(self) -> None:
        """Stop acting as leader (after a refused write or on shutdown), releasing the lock if still ours."""
        if self._held:
            # Already expired or taken over, or Redis is gone: the TTL frees it either way.
            with contextlib.suppress(LockError, redis.RedisError):
                self._lock.release()
        self._held = False
