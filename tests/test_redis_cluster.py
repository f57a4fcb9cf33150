"""The whole path on a real 3-master Redis Cluster: collectors write, the web app reads, the breaker fails fast."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from app import create_app
from dashboard import keys
from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.details_cache import DetailsCache
from dashboard.layers import LAYERS
from dashboard.settings import Settings, load_settings
from dashboard.store import StoreUnavailable, open_store
from dashboard.view_cache import FigureCache
from tests.factories import form_token, poll_body, sign_in_client
from tests.live_app import demo_manager
from tests.redis_topologies import RedisClusterProcesses

TIMEOUT = 0.5  # CITYOPS_REDIS_TIMEOUT_SECONDS


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisClusterProcesses]:
    nodes = RedisClusterProcesses(masters=3)
    nodes.start()
    try:
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture(scope="module")
def settings(cluster: RedisClusterProcesses) -> Settings:
    return load_settings(
        {
            "REDIS_URL": cluster.url,
            "CITYOPS_MANAGERS": demo_manager(),
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
            "CITYOPS_SECRET_KEY": "cluster-test-secret-0123456789",
            "CITYOPS_REDIS_TIMEOUT_SECONDS": str(TIMEOUT),
        }
    )


@pytest.fixture(scope="module")
def collected(settings: Settings) -> CollectorRunner:
    """Every demo source collected once and the alarm rules evaluated, as the collector process does."""
    runner = CollectorRunner(open_store(settings), configured_sources(settings), settings)
    for job in (*runner.jobs, runner.alarm_job):
        assert job.leader.hold()  # the leader locks (a Lua script each) on the node of their layer's slot
        job.run_once()
    return runner


def _keys_per_node(cluster: RedisClusterProcesses, pattern: str) -> list[int]:
    return [len(redis.Redis(port=port).keys(pattern)) for port in cluster.ports]


def test_collectors_write_every_layer_across_the_cluster_nodes(cluster, collected):
    store = collected.jobs[0].store
    first = {name: store.snapshot(name).version for name in LAYERS}  # from the server's clock (never repeating)
    assert all(first.values())
    # The layers' hash tags spread them over the masters: each layer's keys on one node, several nodes used.
    per_node = _keys_per_node(cluster, "cityops:{*}:*")
    assert sum(1 for count in per_node if count) >= 2, per_node
    for name in LAYERS:
        holders = [count for count in _keys_per_node(cluster, f"cityops:{{{name}}}:*") if count]
        assert len(holders) == 1, (name, holders)
    # A second round of every job: the fenced WATCH/MULTI transactions go on, the versions follow each other
    # (a layer whose demonstration data did not change meanwhile keeps its version).
    attempts = {name: store.status(name).last_attempt for name in LAYERS}
    for job in collected.jobs:
        job.run_once()
    now = {name: store.snapshot(name).version for name in LAYERS}
    assert all(now[name] in (first[name], first[name] + 1) for name in LAYERS), (first, now)
    assert sum(now[name] == first[name] + 1 for name in LAYERS) >= 2, (first, now)
    assert all(store.status(name).last_attempt > attempts[name] for name in LAYERS)


def test_the_web_app_reads_the_cluster(settings, collected):
    app = create_app(settings)
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200, health.get_json()
    assert all(source["age_seconds"] is not None for source in health.get_json()["sources"].values())
    public = client.get("/api/v1/public/versions").get_json()["layers"]
    assert public and all(item["version"] for item in public.values())
    parking = client.get("/api/v1/public/layers/parking", follow_redirects=True)  # to its versioned file
    assert parking.status_code == 200 and parking.get_json()["features"]

    sign_in_client(client)
    layers = client.get("/api/v1/layers").get_json()["layers"]
    assert {item["name"]: bool(item["version"]) for item in layers} == dict.fromkeys(LAYERS, True)
    poll = client.post("/_dash-update-component", json=poll_body())
    assert poll.status_code == 200
    view = poll.get_json()["response"]["view"]["data"]
    assert all(view["versions"][name] >= 1 for name in LAYERS), view
    assert client.get("/api/v1/alarms").status_code == 200
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and b"cityops" in metrics.data


def test_figure_cache_sign_in_limits_and_sign_out_live_in_the_cluster(cluster, settings, collected):
    client = create_app(settings).test_client()
    token = form_token(client)
    refused = client.post("/login", data={"username": "demo", "password": "wrong", "csrf_token": token})
    assert refused.status_code == 401
    assert sum(_keys_per_node(cluster, f"*{keys.login_prefix()}/*")) >= 1  # the failed sign-in is counted in Redis
    sign_in_client(client)
    # The figure cache the app set up (flask-caching on the store's cluster client): built once, then read back.
    store = client.application.extensions["cityops"]["store"]
    snapshots = client.application.extensions["cityops"]["snapshots"]
    (cache,) = client.application.extensions["cache"]
    version = store.snapshot("parking").version
    rendered, traces = FigureCache(snapshots, cache).traces("parking", version, "fr", public=True)
    assert rendered == version and traces
    assert sum(_keys_per_node(cluster, f"{keys.figure_cache_prefix()}*")) == 1
    assert cache.get(f"traces:public:parking:{version}:fr:") is not None
    # The details panel reads several history digests in one MGET: keys of one slot, or the cluster refuses it.
    details = DetailsCache(snapshots, cache)
    assert details.history_points("parking", timedelta(hours=6))
    assert sum(_keys_per_node(cluster, f"{keys.figure_cache_prefix()}details:digest:*")) > 2
    client.post("/logout", data={"csrf_token": form_token(client, "/logout")})
    assert sum(_keys_per_node(cluster, f"{keys.login_prefix()}:revoked:*")) == 1
    assert client.get("/api/v1/layers").status_code == 401


def test_a_node_that_stops_answering_costs_one_timeout_then_the_web_store_fails_fast(cluster, settings, collected):
    store = open_store(settings, fail_fast=True)
    store.overview(LAYERS)  # connections to every node are open
    node = cluster.processes[cluster.ports[0]]
    node.send_signal(19)  # SIGSTOP: connections are accepted but nothing answers
    try:
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 3
        start = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.overview(LAYERS)
        assert time.monotonic() - start < TIMEOUT * 0.8  # no wait for the timeout (a busy machine is slow)
    finally:
        node.send_signal(18)  # SIGCONT
    time.sleep(1.1)  # the breaker's cool-down
    assert store.overview(LAYERS)["parking"].head is not None
