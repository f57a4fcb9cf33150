"""A circuit breaker in front of Redis: once Redis stops answering, requests fail at once instead of each waiting.

Without it a hung Redis (stopped, swapping, a network black hole) holds every web thread for the full socket
timeout on every call, so pages that never touch Redis starve too. After one call that waited in vain (a timeout)
the breaker opens: calls fail at once with a `redis.ConnectionError`, which the store already turns into
StoreUnavailable. After a short cool-down one call at a time goes through as a trial; the first answer from
Redis closes the breaker again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis

COOL_DOWN_SECONDS = 1.0


class CircuitBreaker:
    """Closed while Redis answers; open (failing fast) after a failure, letting one trial through per cool-down."""

    def __init__(
        self,
        timeout_seconds: float,
        *,
        cool_down_seconds: float = COOL_DOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cool_down = cool_down_seconds
        # A trial that neither failed nor succeeded by then (its thread died) no longer blocks the next one;
        # a new connection can take two timeouts (connect, then the first read).
        self.trial_lease = 2 * timeout_seconds + cool_down_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._trial: int | None = None  # the thread running the trial
        self._trial_started = 0.0

    @property
    def is_open(self) -> bool:
        """True while Redis is taken as unavailable."""
        return self._opened_at is not None

    def before(self) -> None:
        """Raise redis.ConnectionError unless a call may go to Redis now."""
        with self._lock:
            if self._opened_at is None:
                return
            now = self.clock()
            me = threading.get_ident()
            if self._trial == me:
                return
            trial_free = self._trial is None or now - self._trial_started >= self.trial_lease
            if trial_free and now - self._opened_at >= self.cool_down:
                self._trial, self._trial_started = me, now
                return
            waited = now - self._opened_at
        raise redis.ConnectionError(f"Redis ne répond plus (sans réponse depuis {waited:.1f} s)")

    def failed(self) -> None:
        """Redis did not answer in time: open, or stay open a new cool-down."""
        with self._lock:
            self._opened_at = self.clock()
            if self._trial == threading.get_ident():
                self._trial = None

    def refused(self) -> None:
        """The connection was refused or dropped at once: that costs no wait, so only a failed trial stays open."""
        with self._lock:
            if self._trial == threading.get_ident():
                self._opened_at = self.clock()
                self._trial = None

    def succeeded(self) -> None:
        """Redis answered: close."""
        with self._lock:
            self._opened_at = None
            self._trial = None

    @contextmanager
    def guard(self, *, answer: bool) -> Iterator[None]:
        """Around one socket operation; `answer`: its success proves Redis answers (a read, not a send)."""
        self.before()
        try:
            yield
        except redis.TimeoutError:
            self.failed()
            raise
        except redis.ConnectionError:
            self.refused()
            raise
        except redis.ResponseError:
            if answer:  # an error reply is still a reply
                self.succeeded()
            raise
        if answer:
            self.succeeded()


def guarded_connection_class(base: type[redis.Connection], breaker: CircuitBreaker) -> type[redis.Connection]:
    """`base` (TCP, TLS or unix socket connection) with every connect, send and read going through `breaker`."""

    class Guarded(base):  # type: ignore[valid-type,misc]
        def connect_check_health(self, *args: Any, **kwargs: Any) -> Any:
            with breaker.guard(answer=False):
                return super().connect_check_health(*args, **kwargs)

        def send_packed_command(self, command: Any, check_health: bool = True) -> Any:
            with breaker.guard(answer=False):
                return super().send_packed_command(command, check_health)

        def read_response(self, *args: Any, **kwargs: Any) -> Any:
            with breaker.guard(answer=True):
                return super().read_response(*args, **kwargs)

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{base.__name__}"
    return Guarded
