"""Prometheus metrics and JSON logs: a real collector job, real Redis, the Flask app, real processes."""

from __future__ import annotations

import io
import json
import logging
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from dashboard import keys
from dashboard.alarms import Alarm
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.logs import log_handler
from dashboard.settings import load_settings
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import AlarmStore, LeaderLock, Store, StoreUnavailable
from tests.factories import parking_result, sign_in_client
from tests.feed_server import json_reply
from tests.shared_data import NO_BOUNDARY_DOWNLOAD
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows
from tests.test_request_limits import CALLBACKS

ROOT = Path(__file__).resolve().parents[1]
METRICS_TOKEN = "scrape-token-0123456789"
WALL_TOKEN = "wall-display-token-1"
BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _app(store: Store, **settings):
    return create_app(load_settings({}, metrics_token=METRICS_TOKEN, wall_token=WALL_TOKEN, **settings), store=store)


def _scrape(client) -> dict:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type.startswith("text/plain")
    return _samples(response.get_data(as_text=True))


def test_after_a_fetch_metrics_show_the_source_counters(store, redis_client, feed_server):
    rows = [*ods_parking_rows(3), {**ods_parking_rows(1)[0], "id": "far", "geo_point_2d": {"lon": 2.35, "lat": 48.8}}]
    sent: list[int] = []

    def records(_hit):
        reply = json_reply({"total_count": len(rows), "results": rows})
        sent.append(len(reply.body))
        return reply

    feed_server.route(f"{ODS_PATH}/records", records)
    client = FeedClient(timeout=2, connect_timeout=2, retries=0)
    source = OpendatasoftSource("ods-metrics", "parking", feed_server.url + ODS_PATH, client=client)
    job = SourceJob(
        source,
        LAYERS["parking"],
        store,
        LeaderLock(redis_client, keys.leader("parking", "ods-metrics"), ttl_seconds=30),
        interval=300,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=lambda: NOW,
        rng=random.Random(0),
    )
    web = _app(store).test_client()
    stop = threading.Event()
    thread = threading.Thread(target=job.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while store.status("parking") is None and time.monotonic() < deadline:
            time.sleep(0.02)
        running = _scrape(web)
    finally:
        stop.set()
        thread.join(10)
    stopped = _scrape(web)

    ods = {"layer": "parking", "source": "ods-metrics"}
    assert _value(running, "cityops_source_records_accepted_total", **ods) == 3
    assert _value(running, "cityops_source_records_rejected_total", **ods) == 1
    assert _value(running, "cityops_source_received_bytes_total", **ods) == sum(sent) > 0
    assert _value(running, "cityops_source_fetch_duration_seconds_count", **ods, outcome="ok") == 1
    assert _value(running, "cityops_source_fetch_duration_seconds_count", **ods, outcome="failed") == 0
    assert _value(running, "cityops_source_state", **ods, state="ok") == 1
    assert _value(running, "cityops_source_state", **ods, state="down") == 0
    assert _value(running, "cityops_source_last_success_timestamp_seconds", **ods) == NOW.timestamp()
    assert _value(running, "cityops_source_lock_held", **ods) == 1
    assert _value(stopped, "cityops_source_lock_held", **ods) == 0


def test_metrics_are_for_managers_and_the_scraper_token_only(store):
    client = _app(store).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": METRICS_TOKEN}).status_code == 401
    # The token opens /metrics and nothing else.
    assert client.get("/api/v1/layers", headers=BEARER).status_code == 401
    assert client.get("/metrics", headers=BEARER).status_code == 200
    assert sign_in_client(client).get("/metrics").status_code == 200


def test_without_a_token_setting_no_bearer_opens_metrics(store):
    client = create_app(load_settings({}), store=store).test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 401


def test_polls_unchanged_answers_and_callback_4xx_are_counted_per_page(store):
    store.write_snapshot(
        "parking",
        parking_result(),
        source="t",
        demo=False,
        summary=LAYERS["parking"].summarise(parking_result().records),
    )
    client = _app(store).test_client()
    route, body = CALLBACKS["wall poll"]
    before = _scrape(client)
    first = client.post(route, json=body, headers={"X-Display-Token": WALL_TOKEN})
    assert first.status_code == 200
    view = first.get_json()["response"]["view"]["data"]
    again = {**body, "state": [{**body["state"][0], "value": view}, *body["state"][1:]]}
    unchanged = client.post(route, json=again, headers={"X-Display-Token": WALL_TOKEN})
    assert unchanged.status_code == 200 and "view" not in unchanged.get_json()["response"]  # the clock only
    assert client.post(route, json={"output": 1}, headers={"X-Display-Token": WALL_TOKEN}).status_code == 400
    assert client.post("/_dash-update-component", json=CALLBACKS["manager poll"][1]).status_code == 401
    after = _scrape(client)

    def moved(name: str, page: str) -> float:
        return _value(after, name, page=page) - _value(before, name, page=page)

    assert moved("cityops_web_polls_total", "wall") == 2
    assert moved("cityops_web_polls_unchanged_total", "wall") == 1
    assert moved("cityops_web_callback_client_errors_total", "wall") == 1
    assert moved("cityops_web_callback_client_errors_total", "managers") == 1
    assert moved("cityops_web_polls_total", "managers") == 0


def test_redis_errors_are_counted_by_store_operation(store):
    client = _app(store).test_client()
    before = _scrape(client)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    gone = Store(redis.Redis(port=port, socket_connect_timeout=0.2, socket_timeout=0.2))
    for _ in range(2):
        with pytest.raises(StoreUnavailable):
            gone.overview(["parking"])
    after = _scrape(client)
    name = "cityops_redis_errors_total"
    assert _value(after, name, operation="Store.overview") - _value(before, name, operation="Store.overview") == 2


def _alarm(subject: str, severity: str) -> Alarm:
    return Alarm(
        id=f"id-{subject}",
        rule="parking-full",
        kind="parking_full",
        severity=severity,
        layer="parking",
        subject=subject,
        name=f"Parking {subject}",
        value=99.0,
        threshold=95.0,
        since=NOW,
        raised_at=NOW,
    )


def test_active_alarms_are_counted_by_severity(store, redis_client):
    alarms = [_alarm("a1", "critical"), _alarm("a2", "warning"), _alarm("a3", "warning")]
    redis_client.hset(keys.alarms_active(), mapping={a.key: orjson.dumps(a.to_dict()) for a in alarms})
    assert len(AlarmStore(redis_client).active()) == 3
    samples = _scrape(_app(store).test_client())
    assert _value(samples, "cityops_alarms_active", severity="critical") == 1
    assert _value(samples, "cityops_alarms_active", severity="warning") == 2
    assert _value(samples, "cityops_alarms_active", severity="info") == 0


WRITER = """
import sys
from datetime import UTC, datetime
from dashboard import metrics
from dashboard.models import FetchResult
from tests.factories import parking_result
records = parking_result().records[: int(sys.argv[1])]
metrics.validated("parking", "shared", FetchResult(records=records, fetched_at=datetime.now(UTC), rejected=("x",)))
metrics.POLLS.labels("embed").inc(int(sys.argv[1]))
"""


def _environment(**extra: str) -> dict[str, str]:
    """This environment without any dashboard setting of the developer's, plus `extra`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "PROMETHEUS_", "REDIS_URL"))}
    return {**kept, "PYTHONPATH": str(ROOT), **NO_BOUNDARY_DOWNLOAD, **extra}


def test_in_multiprocess_mode_one_scrape_sums_every_process(store, tmp_path):
    for count in (1, 2):
        subprocess.run(
            [sys.executable, "-c", WRITER, str(count)],
            env=_environment(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)),
            cwd=ROOT,
            check=True,
            timeout=60,
        )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    samples = _scrape(_app(store, prometheus_multiproc_dir=tmp_path).test_client())
    shared = {"layer": "parking", "source": "shared"}
    assert _value(samples, "cityops_source_records_accepted_total", **shared) == 3
    assert _value(samples, "cityops_source_records_rejected_total", **shared) == 2
    assert _value(samples, "cityops_web_polls_total", page="embed") == 3


def test_the_multiprocess_folder_is_set_in_the_environment_only(tmp_path):
    config = tmp_path / "cityops.toml"
    config.write_text(f'prometheus_multiproc_dir = "{tmp_path}"\n')
    with pytest.raises(Exception, match="PROMETHEUS_MULTIPROC_DIR in the environment"):
        load_settings({"CITYOPS_CONFIG": str(config)})
    assert load_settings({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}).prometheus_multiproc_dir == tmp_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_collector_process_logs_json_naming_its_source_and_serves_its_metrics(redis_server, redis_client):
    port = _free_port()
    env = _environment(
        REDIS_URL=redis_server.url,
        CITYOPS_LOG_FORMAT="json",
        CITYOPS_DEMO_FAULTS="parking",
        CITYOPS_REFRESH_SECONDS="0.3",
        CITYOPS_JITTER_RATIO="0",
        CITYOPS_BACKOFF_MAX_SECONDS="1",
        CITYOPS_COLLECTOR_METRICS_PORT=str(port),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.collectors"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    lines: list[dict] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            raw = process.stderr.readline()
            if not raw:
                break
            lines.append(json.loads(raw))  # every line is one JSON object
            if lines[-1].get("source") == "demo-parking" and lines[-1]["level"] == "WARNING":
                break
        samples = _samples(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
    finally:
        process.terminate()
        # Keep reading its log while it stops: a full stderr pipe would block the collector's next log line.
        process.communicate(timeout=20)
    degraded = lines[-1]
    assert degraded["source"] == "demo-parking" and degraded["layer"] == "parking", lines
    assert "is degraded" in degraded["message"] or "is down" in degraded["message"]
    assert {"time", "level", "logger", "message"} <= set(degraded)
    datetime.fromisoformat(degraded["time"])
    parking = {"layer": "parking", "source": "demo-parking"}
    assert _value(samples, "cityops_source_records_accepted_total", **parking) > 0
    assert _value(samples, "cityops_source_fetch_duration_seconds_count", **parking, outcome="failed") >= 1


def test_request_logs_in_json_name_the_method_and_path_not_the_query(store):
    client = _app(store).test_client()
    handler = log_handler("json")
    handler.setStream(io.StringIO())
    logger = logging.getLogger("cityops.auth")
    logger.addHandler(handler)
    try:
        token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login?lang=en", data={"username": "nobody", "password": "x", "csrf_token": token})
    finally:
        logger.removeHandler(handler)
    line = json.loads(handler.stream.getvalue().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "cityops.auth"
    assert "failed sign-in for 'nobody'" in line["message"]
    assert (line["method"], line["path"]) == ("POST", "/login")
    assert "source" not in line
