"""One job per source: fetch, summarise, store, record status; keep the last good snapshot on failure."""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import redis

from dashboard.areas import area_totals
from dashboard.collectors.health import after_failure, after_success
from dashboard.collectors.leader import LeaderLock
from dashboard.collectors.schedule import next_delay
from dashboard.geo import Boundaries
from dashboard.layers import Layer
from dashboard.models import SourceState, SourceStatus
from dashboard.sources import Source, SourceError
from dashboard.store import NotLeader, Store, StoreUnavailable

log = logging.getLogger(__name__)

# The longest a job waits for Redis to come back between two tries.
_INFRA_BACKOFF_MAX = 30.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SourceJob:
    """Collects one source into its layer; only the holder of the source's leader lock writes."""

    def __init__(
        self,
        source: Source,
        layer: Layer,
        store: Store,
        leader: LeaderLock,
        *,
        interval: float,
        jitter_ratio: float,
        backoff_max: float,
        writer: str,
        boundaries: Boundaries | None = None,
        clock: Callable[[], datetime] = _utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.source = source
        self.layer = layer
        self.store = store
        self.leader = leader
        self.interval = interval
        self.jitter_ratio = jitter_ratio
        self.backoff_max = backoff_max
        self.writer = writer
        self.boundaries = boundaries
        self.clock = clock
        self.rng = rng or random.Random()
        self.status: SourceStatus | None = None

    def run_once(self) -> float:
        """Fetch the source once, write what it gave, and return the seconds to wait before the next fetch.

        Raises StoreUnavailable when Redis cannot be reached and NotLeader when the lock was lost.
        """
        previous = self._current_status()
        now = self.clock()
        retry_after: float | None = None
        try:
            result = self.source.fetch(now)
            if self.boundaries is not None:
                # Located once here, per fetch, so no viewer ever pays for a spatial join.
                result = self.boundaries.assign(result)
            if not result.records:
                # Say why every row was refused: that is what the operator needs to tell the publisher.
                why = f" ({len(result.rejected)} rejetés, dont « {result.rejected[0]} »)" if result.rejected else ""
                raise SourceError(f"le flux n'a renvoyé aucun enregistrement valide{why}")
            areas = (
                area_totals(self.layer, result.records, self.boundaries.areas(), result.fetched_at)
                if self.boundaries is not None
                else None
            )
            self.store.write_snapshot(
                self.layer.name,
                result,
                source=self.source.name,
                demo=self.source.demo,
                summary=self.layer.summarise(result.records),
                areas=areas,
                writer=self.writer,
                fence=self.leader.fence(),
                now=now,
                timeline={r.id: self.layer.timeline(r) for r in result.records} if self.layer.timeline else None,
            )
            status = after_success(previous, now, result.rejected)
        except SourceError as err:
            retry_after = err.retry_after
            message = self.store.redactor.text(str(err))
            status = after_failure(previous, now, message, timedelta(seconds=self.layer.freshness_seconds))
        except (StoreUnavailable, NotLeader):
            raise
        except Exception as err:  # noqa: BLE001 - a bug in one adapter must not stop the collector
            # The traceback is logged as text so that a URL or key in the exception goes through the redactor too.
            trace = self.store.redactor.text("".join(traceback.format_exception(err)))
            log.error("source %s raised unexpectedly:\n%s", self.source.name, trace)
            message = self.store.redactor.text(f"erreur inattendue dans l'adaptateur : {type(err).__name__}: {err}")
            status = after_failure(previous, now, message, timedelta(seconds=self.layer.freshness_seconds))
        self.store.write_status(status, fence=self.leader.fence())
        _log_transition(previous, status)
        self.status = status
        return next_delay(
            self.interval,
            status.consecutive_failures,
            jitter_ratio=self.jitter_ratio,
            backoff_max=self.backoff_max,
            rng=self.rng,
            retry_after=retry_after,
        )

    def _current_status(self) -> SourceStatus:
        # A new leader carries on from what the previous one recorded (failing_since, last_success).
        if self.status is None:
            stored = self.store.status(self.layer.name)
            self.status = stored or SourceStatus(layer=self.layer.name, source=self.source.name, state=SourceState.DOWN)
        return replace(self.status, source=self.source.name, writer=self.writer)

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set: lead when possible, fetch when due, never overlap two fetches."""
        due = 0.0
        infra_failures = 0
        while not stop.is_set():
            try:
                if self.leader.hold():
                    if time.monotonic() >= due:
                        due = time.monotonic() + self.run_once()
                    wait = min(due - time.monotonic(), self.leader.renew_every)
                else:
                    self.status = None  # re-read from Redis if we become leader later
                    due = 0.0
                    wait = self.leader.renew_every
                if infra_failures:
                    log.warning("Redis is reachable again; collecting %s", self.source.name)
                infra_failures = 0
            except NotLeader:
                log.warning("lost the leader lock of %s; another collector writes it now", self.source.name)
                self.leader.step_down()
                wait = 0.0
            except (StoreUnavailable, redis.RedisError) as err:
                if infra_failures == 0:
                    reason = self.store.redactor.text(str(err))
                    log.error("Redis unreachable while collecting %s: %s", self.source.name, reason)
                infra_failures += 1
                wait = min(_INFRA_BACKOFF_MAX, 0.5 * 2 ** min(infra_failures, 10))
            stop.wait(max(wait, 0.05))
        self.leader.step_down()


def _log_transition(before: SourceStatus, after: SourceStatus) -> None:
    """Log once when a source starts failing, changes state, or recovers; never on every retry."""
    if before.state == after.state:
        return
    if after.state is SourceState.OK:
        if before.last_success is not None or before.consecutive_failures:
            log.info("%s: source %s recovered", after.layer, after.source)
    else:
        log.warning("%s: source %s is %s: %s", after.layer, after.source, after.state.value, after.last_error)
