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

from dashboard import metrics
from dashboard.areas import area_totals
from dashboard.collectors.health import after_failure, after_success, with_rejections
from dashboard.collectors.loop import LeaderLoop
from dashboard.collectors.schedule import next_delay
from dashboard.geo import Boundaries
from dashboard.i18n import t
from dashboard.layers import Layer
from dashboard.logs import about_source
from dashboard.models import SourceState, SourceStatus
from dashboard.public_files import version_files
from dashboard.redact import redact_url
from dashboard.rejections import by_reason, in_feed_terms
from dashboard.sources import Source, SourceError
from dashboard.sources.base import Feed
from dashboard.store import LeaderLock, NotLeader, Store, StoreUnavailable

log = logging.getLogger(__name__)


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
        timer: Callable[[], float] = time.monotonic,
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
        self.timer = timer
        self.status: SourceStatus | None = None
        # Rejection reasons and errors name fields as the feed does; its URL is told without credentials.
        self.feed = source if isinstance(source, Feed) else None
        self.fields = self.feed.fields if self.feed else {}
        self.format = self.feed.format if self.feed else ("demo" if source.demo else "")
        self.url = store.redactor.url(redact_url(self.feed.url, self.feed.params)) if self.feed else ""

    def run_once(self) -> float:
        """Fetch the source once, write what it gave, and return the seconds to wait before the next fetch.

        Raises StoreUnavailable when Redis cannot be reached and NotLeader when the lock was lost.
        """
        previous = self._current_status()
        now = self.clock()
        started, received = self.timer(), self._bytes_received()
        retry_after: float | None = None
        rejected: tuple[str, ...] | None = None  # the rows of a fetch that gave nothing valid
        written = False  # the status went with the snapshot
        try:
            with metrics.fetching(self.layer.name, self.source.name):
                result = self.source.fetch(now)
            metrics.validated(self.layer.name, self.source.name, result)
            if self.boundaries is not None:
                # Located once here, per fetch, so no viewer ever pays for a spatial join.
                result = self.boundaries.assign(result)
            if not result.records:
                rejected = result.rejected
                # Say why every row was refused: that is what the operator needs to tell the publisher.
                why = f" ({len(result.rejected)} rejetés, dont « {result.rejected[0]} »)" if result.rejected else ""
                raise SourceError(f"le flux n'a renvoyé aucun enregistrement valide{why}")
            areas = (
                area_totals(self.layer, result.records, self.boundaries.areas(), result.fetched_at)
                if self.boundaries is not None
                else None
            )
            status = after_success(previous, now, result.rejected, by_reason(result.rejected, self.fields))
            status, delay = self._finished(status, now, started, received, retry_after)
            # The snapshot and the status that says it is fresh land together, or neither does.
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
                # Made here, once per version for the whole deployment, so that no web worker reads the records.
                public_file=version_files(self.layer.name, result, source=self.source.name, demo=self.source.demo),
                status=status,
            )
            written = True
        except SourceError as err:
            retry_after = err.retry_after
            message = self.store.redactor.text(in_feed_terms(str(err), self.fields))
            status = after_failure(previous, now, message, timedelta(seconds=self.layer.freshness_seconds))
            if rejected is not None:
                status = with_rejections(status, rejected, by_reason(rejected, self.fields))
        except NotLeader:
            self._report_lost_lock(previous, now)
            raise
        except StoreUnavailable:
            raise
        except Exception as err:  # noqa: BLE001 - a bug in one adapter must not stop the collector
            # The traceback is logged as text so that a URL or key in the exception goes through the redactor too.
            trace = self.store.redactor.text("".join(traceback.format_exception(err)))
            log.error("source %s raised unexpectedly:\n%s", self.source.name, trace)
            message = self.store.redactor.text(f"erreur inattendue dans l'adaptateur : {type(err).__name__}: {err}")
            status = after_failure(previous, now, message, timedelta(seconds=self.layer.freshness_seconds))
        if not written:
            status, delay = self._finished(status, now, started, received, retry_after)
            self.store.write_status(status, fence=self.leader.fence())
        _log_transition(previous, status)
        self.status = status
        metrics.recorded(status)
        return delay

    def _finished(
        self, status: SourceStatus, now: datetime, started: float, received: int | None, retry_after: float | None
    ) -> tuple[SourceStatus, float]:
        """The status with this fetch's cost and next attempt, and the seconds to wait until that attempt."""
        delay = next_delay(
            self.interval,
            status.consecutive_failures,
            jitter_ratio=self.jitter_ratio,
            backoff_max=self.backoff_max,
            rng=self.rng,
            retry_after=retry_after,
        )
        status = replace(
            status,
            fetch_seconds=round(self.timer() - started, 3),
            fetch_bytes=None if received is None else self._bytes_received() - received,
            # The loop waits `delay` from the start of this fetch (LeaderLoop._lead).
            next_attempt=now + timedelta(seconds=delay),
            format=self.format,
            url=self.url,
        )
        return status, delay

    def _bytes_received(self) -> int | None:
        return self.feed.bytes_received if self.feed else None

    def _current_status(self) -> SourceStatus:
        # A new leader carries on from what the previous one recorded (failing_since, last_success).
        if self.status is None:
            stored = self.store.status(self.layer.name)
            self.status = stored or SourceStatus(layer=self.layer.name, source=self.source.name, state=SourceState.DOWN)
        return replace(self.status, source=self.source.name, writer=self.writer)

    def _report_lost_lock(self, previous: SourceStatus, now: datetime) -> None:
        """Say in the status that a fetch was read but not written, unless the new leader has reported since."""
        message = t("collector.lock_lost", "fr")
        status = after_failure(previous, now, message, timedelta(seconds=self.layer.freshness_seconds))
        self.store.write_status_unless_taken_over(status)

    def forget(self) -> None:
        """Drop the status kept in memory: a later lead starts from what Redis holds."""
        self.status = None

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set: lead when possible, fetch when due, never overlap two fetches."""
        loop = LeaderLoop(
            f"source {self.source.name}",
            self.leader,
            self.run_once,
            retry=self.interval,
            forget=self.forget,
            redact=self.store.redactor.text,
            on_lead=metrics.lead_watcher(self.layer.name, self.source.name),
        )
        with about_source(self.layer.name, self.source.name):  # every log line of this thread names the source
            loop.run(stop)


def _log_transition(before: SourceStatus, after: SourceStatus) -> None:
    """Log once when a source starts failing, changes state, or recovers; never on every retry."""
    if before.state == after.state:
        return
    if after.state is SourceState.OK:
        if before.last_success is not None or before.consecutive_failures:
            log.info("%s: source %s recovered", after.layer, after.source)
    else:
        log.warning("%s: source %s is %s: %s", after.layer, after.source, after.state.value, after.last_error)
