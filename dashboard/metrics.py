"""Prometheus metrics: what the collectors and the web workers count (served by dashboard.metrics_api).

Every label is bounded: a layer, a configured source's name, a state, a page, a severity, a store operation;
never a record id, a URL or a user. Counters and histograms live in prometheus_client's default registry; with
gunicorn's several workers, PROMETHEUS_MULTIPROC_DIR makes each process write them to files that a scrape sums.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from dashboard.logs import about_source, current_source
from dashboard.models import FetchResult, SourceState, SourceStatus

FETCH_SECONDS = Histogram(
    "cityops_source_fetch_duration_seconds",
    "Time a source's fetch took (pages, retries and validation included), by outcome.",
    ["layer", "source", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
RECEIVED_BYTES = Counter(
    "cityops_source_received_bytes", "Bytes of feed answers received for a source (as sent).", ["layer", "source"]
)
RECORDS_ACCEPTED = Counter(
    "cityops_source_records_accepted", "Rows a source's fetches gave that passed validation.", ["layer", "source"]
)
RECORDS_REJECTED = Counter(
    "cityops_source_records_rejected", "Rows a source's fetches gave that validation rejected.", ["layer", "source"]
)
LAST_SUCCESS = Gauge(
    "cityops_source_last_success_timestamp_seconds",
    "Unix time of the source's last good fetch.",
    ["layer", "source"],
    multiprocess_mode="max",
)
LOCK_HELD = Gauge(
    "cityops_source_lock_held",
    "1 while this process holds the source's leader lock (collects it), else 0.",
    ["layer", "source"],
    multiprocess_mode="livesum",
)
STATE = Gauge(
    "cityops_source_state",
    "1 for the source's current state (ok, degraded, down) as this process last recorded it, 0 for the others.",
    ["layer", "source", "state"],
    multiprocess_mode="livemax",
)
POLLS = Counter("cityops_web_polls", "Callback requests a page's poll timer made.", ["page"])
POLLS_UNCHANGED = Counter(
    "cityops_web_polls_unchanged", "Poll requests that found nothing new since the last.", ["page"]
)
CALLBACK_CLIENT_ERRORS = Counter(
    "cityops_web_callback_client_errors", "Callback requests answered 4xx (malformed, signed out, no token).", ["page"]
)
REDIS_ERRORS = Counter(
    "cityops_redis_errors", "Redis errors (unreachable, timeout, error answer), by store operation.", ["operation"]
)


@contextmanager
def fetching(layer: str, source: str) -> Iterator[None]:
    """Time a fetch of `source`, and count the bytes its feed client receives meanwhile."""
    started = time.monotonic()
    outcome = "failed"
    with about_source(layer, source):
        try:
            yield
            outcome = "ok"
        finally:
            FETCH_SECONDS.labels(layer, source, outcome).observe(time.monotonic() - started)


def validated(layer: str, source: str, result: FetchResult) -> None:
    """Count the rows a fetch gave: accepted and rejected by validation."""
    RECORDS_ACCEPTED.labels(layer, source).inc(len(result.records))
    RECORDS_REJECTED.labels(layer, source).inc(len(result.rejected))


def recorded(status: SourceStatus) -> None:
    """Mirror a source's status as just written: its state and last good fetch."""
    for state in SourceState:
        STATE.labels(status.layer, status.source, state.value).set(1 if status.state is state else 0)
    if status.last_success is not None:
        LAST_SUCCESS.labels(status.layer, status.source).set(status.last_success.timestamp())


def lead_watcher(layer: str, source: str) -> Callable[[bool], None]:
    """What a collector loop calls with whether it holds the source's lock, on each turn."""
    return lambda held: LOCK_HELD.labels(layer, source).set(1 if held else 0)


class _CountedStream(httpx.SyncByteStream):
    """A response body that counts its bytes, as they arrive, for the source being fetched."""

    def __init__(self, stream: httpx.SyncByteStream, counter: Counter) -> None:
        self._stream = stream
        self._counter = counter

    def __iter__(self) -> Iterator[bytes]:
        for part in self._stream:
            self._counter.inc(len(part))
            yield part

    def close(self) -> None:
        self._stream.close()


def count_received_bytes(response: httpx.Response) -> None:
    """httpx response hook: count the answer's body bytes for the source whose fetch is running in this thread."""
    about = current_source()
    if about is not None and isinstance(response.stream, httpx.SyncByteStream):
        response.stream = _CountedStream(response.stream, RECEIVED_BYTES.labels(*about))


def redis_error(err: BaseException) -> None:
    """Count a Redis error under the store operation it broke (the function that ran the command)."""
    # The traceback's first frame is the context manager that caught it; the next is the store's method.
    frame = err.__traceback__.tb_next if err.__traceback__ is not None else None
    REDIS_ERRORS.labels(frame.tb_frame.f_code.co_qualname if frame is not None else "unknown").inc()


def serve_collector_metrics(port: int) -> None:
    """Serve this collector process's metrics on 127.0.0.1:`port` (no login there: loopback only)."""
    start_http_server(port, addr="127.0.0.1")
