"""GET /metrics, and the web workers' own counts: each page's polls and its callbacks' 4xx answers."""

from __future__ import annotations

from collections.abc import Iterator
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
# Which page a callback request belongs to, by its path's prefix (the managers' page is the rest).
PAGES = (("/wall/", "wall"), ("/embed/", "embed"))
_UNCHANGED = "cityops_poll_unchanged"


def _page(path: str) -> str:
    return next((page for prefix, page in PAGES if path.startswith(prefix)), "managers")


def mark_unchanged_poll() -> None:
    """Count this poll as one that found nothing new, though it answers (with the server's clock only)."""
    g.setdefault(_UNCHANGED, True)


def install_web_metrics(server: Flask, poll_input: str) -> None:
    """Count each page's callback requests: those of its poll timer (`poll_input`), the unchanged ones, the 4xx."""

    @server.after_request
    def _count_callback(response: Response) -> Response:
        if not request.path.endswith(CALLBACK_SUFFIX):
            return response
        page = _page(request.path)
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
