"""The one run loop of every collector job: lead when possible, work when due, renew while working, back off."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable

from dashboard.store import LeaderLock, NotLeader, StoreUnavailable

log = logging.getLogger(__name__)

# While Redis is unreachable it is probed about every second (not backed off further), so that data
# flows again within a few seconds of its return; the feeds' own backoff is a separate matter.
INFRA_RETRY_FIRST = 0.25
INFRA_RETRY_MAX = 1.0
# A leader checks its lock (renewing it) at least this often, so that a Redis restart that emptied it, or
# took the data with it, is noticed within a second rather than at the next renewal.
CHECK_EVERY = 1.0
# The shortest pause between two turns, so that no failure mode can spin a core.
_MIN_WAIT = 0.01


class LeaderLoop:
    """Runs `work` whenever it is due, while holding `leader`; `work` returns the seconds until it is due again.

    `forget` is called on each new lead, so that the work starts from what Redis holds, not from memory.
    `retry` is the pause after `work` raised unexpectedly; `on_lead` hears on each turn whether the lock is held
    (for the metrics). Problems are logged once when they start and
    once when they end, never on every retry.
    """

    def __init__(
        self,
        what: str,
        leader: LeaderLock,
        work: Callable[[], float],
        *,
        retry: float,
        forget: Callable[[], None] = lambda: None,
        redact: Callable[[str], str] = lambda text: text,
        on_lead: Callable[[bool], None] = lambda held: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.leader = leader
        self.work = work
        self.retry = retry
        self.forget = forget
        self.redact = redact
        self.on_lead = on_lead
        self.clock = clock
        self.due = 0.0
        self.problem: str | None = None  # "redis" or "work" while failing, for edge-triggered logs
        self._infra_failures = 0
        self._term = 0

    def run(self, stop: threading.Event) -> None:
        """Turn until `stop` is set, then release the lock."""
        while not stop.is_set():
            stop.wait(self.turn())
        self.leader.step_down()
        self.on_lead(False)

    def turn(self) -> float:
        """Lead or follow once, working if due; return the seconds to wait before the next turn."""
        try:
            leading = self.leader.hold()
            self.on_lead(leading)
            wait = self._lead() if leading else self.leader.follow_wait()
        except NotLeader:
            log.warning("lost the leader lock of %s; another collector took it over", self.what)
            self.leader.step_down()
            self.on_lead(False)
            return _MIN_WAIT
        except StoreUnavailable as err:
            self._infra_failures += 1
            self._failing("redis", "Redis unreachable while running %s: %s", err)
            return min(INFRA_RETRY_MAX, INFRA_RETRY_FIRST * 2 ** (self._infra_failures - 1))
        except Exception as err:  # noqa: BLE001 - a bug in one job must not stop the collectors
            self.due = self.clock() + self.retry
            self._failing("work", "%s failed: %s", err, with_traceback=True)
            return self.retry
        self._infra_failures = 0
        if self.problem is not None:
            log.warning("%s runs again%s", self.what, "; Redis is reachable again" if self.problem == "redis" else "")
            self.problem = None
        return max(wait, _MIN_WAIT)

    def _lead(self) -> float:
        if self.leader.term != self._term:
            # A new lead (the first, or after the lock lapsed in an outage): work at once, from what Redis holds.
            self._term = self.leader.term
            self.due = 0.0
            self.forget()
        now = self.clock()
        if now >= self.due:
            with self.leader.kept():
                self.due = now + self.work()
        return min(self.due - self.clock(), self.leader.renew_every, CHECK_EVERY)

    def _failing(self, problem: str, message: str, err: Exception, *, with_traceback: bool = False) -> None:
        if self.problem != problem:
            # Formatted here so that a URL or key in the error (or its traceback) goes through `redact` too.
            told = str(err) + ("\n" + "".join(traceback.format_exception(err)) if with_traceback else "")
            log.error(message, self.what, self.redact(told))
            self.problem = problem
