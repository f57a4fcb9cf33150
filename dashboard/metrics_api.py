"""GET /metrics, and the web workers' own counts: each page's polls and its callbacks' 4xx answers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from dashboard.alarm_rules import SEVERITIES
from dashboard.auth import METRICS_PATH
from dashboard.metrics import CALLBACK_CLIENT_ERRORS, POLLS, POLLS_UNCHANGED
from dashboard.store import AlarmStore, StoreUnavailable

CALLBACK_SUFFIX = "/_dash-update-component"
_UNCHANGED = "cityops_poll_unchanged"


def page_label(prefix: str) -> str:
    """How a page is named in the metrics: its prefix without slashes ("/wall/" is "wall"), "/" is "managers"."""
    return prefix.strip("/") or "managers"


def _page(path: str, prefixes: Sequence[str]) -> str:
    """The label of the declared page a request's path belongs to (the longest prefix that matches)."""
    matching = [prefix for prefix in prefixes if path.startswith(prefix)]
    return page_label(max(matching, key=len)) if matching else "other"


def mark_unchanged_poll() -> None:
    """Count this poll as one that found nothing new, though it answers (with the server's clock only)."""
    g.setdefault(_UNCHANGED, True)


def install_web_metrics(server: Flask, poll_input: str, prefixes: Sequence[str]) -> None:
    """Count each page's callback requests: those of its poll timer (`poll_input`), the unchanged ones, the 4xx.

    `prefixes`: the declared pages' URL prefixes, which name the pages in the metrics (`page_label`).
    """

    @server.after_request
    def _count_callback(response: Response) -> Response:
        if not request.path.endswith(CALLBACK_SUFFIX):
            return response
        page = _page(request.path, prefixes)
        if 400 <= response.status_code < 500:
            CALLBACK_CLIENT_ERRORS.labels(page).inc()
            return response
        body = request.get_json(silent=True)  # already parsed (and checked) before the callback ran
        if isinstance(body, dict) and poll_input in (body.get("changedPropIds") or ()):
            POLLS.labels(page).inc()
            if response.status_code == 204 or g.get(_UNCHANGED):
                POLLS_UNCHANGED.labels(page).inc()
        return response


class _ActiveAlarms(Collector):
    """Active alarms by severity, read from Redis at each scrape (the collectors evaluate them, one at a time)."""

    def __init__(self, alarms: AlarmStore) -> None:
        self.alarms = alarms

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            active = self.alarms.active()
        except StoreUnavailable:
            return  # counted in cityops_redis_errors_total; no figure is better than a wrong zero
        family = GaugeMetricFamily("cityops_alarms_active", "Alarms active now, by severity.", labels=["severity"])
        for severity in SEVERITIES:
            family.add_metric([severity], sum(1 for alarm in active if alarm.severity == severity))
        yield family


def scrape_registry(multiproc_dir: Path | None) -> CollectorRegistry:
    """This process's metrics, or every process's summed from `multiproc_dir` (PROMETHEUS_MULTIPROC_DIR)."""
    if multiproc_dir is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(multiproc_dir))
    return registry


def create_metrics_endpoint(alarms: AlarmStore, multiproc_dir: Path | None) -> Blueprint:
    """GET /metrics in Prometheus' text format (behind the managers' login or the scrape token: dashboard.auth)."""
    endpoint = Blueprint("metrics", __name__)
    counted = scrape_registry(multiproc_dir)
    read_from_redis = CollectorRegistry()
    read_from_redis.register(_ActiveAlarms(alarms))

    @endpoint.get(METRICS_PATH)
    def metrics() -> Response:
        body = generate_latest(counted) + generate_latest(read_from_redis)
        return Response(body, content_type=CONTENT_TYPE_LATEST)

    return endpoint
