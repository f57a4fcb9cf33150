"""A lock that one worker takes while it does a job for all of them (builds a public file), the others waiting."""

from __future__ import annotations

import redis

from dashboard.store.errors import unavailable_on_redis_error


class BuildLock:
    """Non-blocking: `take()` or leave it to whoever holds it; it frees itself `ttl_seconds` after being taken."""

    def __init__(self, client: redis.Redis, key: str, ttl_seconds: float) -> None:
        self.key = key
        self._client = client
        self._lock = client.lock(key, timeout=ttl_seconds, blocking=False)

    def take(self) -> bool:
        """Take the lock if free; return whether this worker holds it now."""
        with unavailable_on_redis_error():
            return bool(self._lock.acquire(blocking=False))

    def release(self) -> None:
        """Let go of the lock taken by `take()`."""
        with unavailable_on_redis_error():
            self._lock.release()

    def taken(self) -> bool:
        """Whether any worker holds the lock now."""
        with unavailable_on_redis_error():
            return bool(self._client.exists(self.key))
