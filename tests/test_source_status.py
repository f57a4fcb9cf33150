"""What a source's status tells an operator: rejections by reason, fetch facts, and /api/v1/sources.

Feeds go through the real Opendatasoft adapter, the real collector job and a real Redis.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta

from flask import Flask

from app import create_app
from dashboard import keys
from dashboard.api import create_api
from dashboard.areas import Geography
from dashboard.auth import install_manager_login
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.models import SourceState, SourceStatus
from dashboard.rejections import MAX_REASONS, by_reason
from dashboard.settings import load_settings
from dashboard.snapshots import SnapshotReader
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import LeaderLock
from tests.factories import api_client, sign_in_client
from tests.feed_server import Reply, json_reply
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows
from tests.test_request_limits import CALLBACKS

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _job(store, redis_client, url: str, **source_options) -> SourceJob:
    client = FeedClient(timeout=2, connect_timeout=2, retries=0)
    source = OpendatasoftSource("ods", "parking", url, client=client, **source_options)
    leader = LeaderLock(redis_client, keys.leader("parking", "ods"), ttl_seconds=30)
    assert leader.hold()
    return SourceJob(
        source,
        LAYERS["parking"],
        store,
        leader,
        interval=30,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=lambda: NOW,
        rng=random.Random(0),
    )


def _mixed_rows() -> list[dict]:
    """Two good car parks, five outside the area (each elsewhere), three without capacity, two with a word for it."""
    rows = ods_parking_rows(12)
    for i in range(2, 7):
        rows[i]["geo_point_2d"] = {"lon": 2.35 + i * 0.01, "lat": 48.85}
    for i in range(7, 10):
        rows[i]["nb_places"] = None
    for i in (10, 11):
        rows[i]["nb_places"] = "beaucoup"
    return rows


def _page(rows) -> Reply:
    return json_reply({"total_count": len(rows), "results": rows})


def test_rejections_are_counted_by_reason_most_common_first_in_the_feed_names(store, redis_client, feed_server):
    feed_server.route(f"{ODS_PATH}/records", _page(_mixed_rows()))
    _job(store, redis_client, feed_server.url + ODS_PATH).run_once()

    status = store.status("parking")
    assert status.state is SourceState.OK and status.records_rejected == 10
    assert status.rejections == (
        ("hors de la zone couverte", 5),
        ("champ « nb_places » (capacity) manquant", 3),
        ("champ « nb_places » (capacity) n'est pas un nombre", 2),
    )


def test_a_fetch_with_every_row_rejected_fails_and_still_says_why_by_reason(store, redis_client, feed_server):
    rows = _mixed_rows()[2:]
    feed_server.route(f"{ODS_PATH}/records", _page(rows))
    _job(store, redis_client, feed_server.url + ODS_PATH).run_once()

    status = store.status("parking")
    assert status.state is SourceState.DOWN and "aucun enregistrement valide" in status.last_error
    assert status.records_rejected == 10
    assert status.rejections[0] == ("hors de la zone couverte", 5)


def test_only_the_most_common_reasons_are_kept_each_with_its_count():
    rejected = [f"p{i}-{n} : statut « état {i} » inconnu (valeur {n})" for i in range(15) for n in range(i + 1)]
    reasons = by_reason(rejected, {"status": "etat"})
    assert len(reasons) == MAX_REASONS == 10
    assert reasons[0] == ("statut « état 14 » inconnu", 15)
    assert [count for _reason, count in reasons] == list(range(15, 5, -1))


def test_a_reason_names_the_feed_field_only_where_the_mapping_knows_it():
    reasons = by_reason(
        ["a : champ « free » manquant", "b : « name » n'est pas un texte", "c : champ « occupied » manquant"],
        {"free": "places_dispo", "name": "name"},
    )
    assert reasons == (
        ("champ « places_dispo » (free) manquant", 1),
        ("champ « name » n'est pas un texte", 1),
        ("champ « occupied » manquant", 1),
    )


def test_the_status_carries_the_fetch_facts(store, redis_client, feed_server):
    rows = ods_parking_rows(150)  # two pages of the v2.1 API
    pages = [json_reply({"total_count": 150, "results": part}) for part in (rows[:100], rows[100:])]
    pages[0].delay = 0.2
    feed_server.route(f"{ODS_PATH}/records", lambda hit: pages[int(hit.query["offset"]) // 100])
    url = feed_server.url.replace("http://", "http://reader:hunter2pass@") + ODS_PATH
    job = _job(store, redis_client, url, params={"apikey": "k3y-s3cret-value"})
    delay = job.run_once()

    status = store.status("parking")
    assert status.fetch_bytes == sum(len(page.body) for page in pages)
    assert 0.2 <= status.fetch_seconds < 5
    assert status.next_attempt == NOW + timedelta(seconds=delay)
    assert status.format == "opendatasoft"
    assert status.url == f"http://***@127.0.0.1:{feed_server.url.rsplit(':', 1)[1]}{ODS_PATH}"
    raw = redis_client.hgetall(keys.status("parking"))
    assert not any(b"hunter2pass" in value or b"k3y-s3cret" in value for value in raw.values())


def test_a_failed_fetch_records_its_duration_and_next_attempt_too(store, redis_client, feed_server):
    feed_server.route(f"{ODS_PATH}/records", Reply(500, b"Internal Server Error"))
    delay = _job(store, redis_client, feed_server.url + ODS_PATH).run_once()
    status = store.status("parking")
    assert status.state is SourceState.DOWN
    assert status.fetch_bytes == 0 and status.fetch_seconds is not None
    assert status.next_attempt == NOW + timedelta(seconds=delay) and delay < 30  # backing off


def test_the_sources_api_gives_a_signed_in_manager_every_source(store, redis_client, feed_server):
    feed_server.route(f"{ODS_PATH}/records", _page(_mixed_rows()))
    url = feed_server.url.replace("http://", "http://reader:t0ken-t0ken@") + ODS_PATH
    _job(store, redis_client, url).run_once()

    response = api_client(store, Geography(areas={})).get("/api/v1/sources")
    assert response.status_code == 200
    body = response.get_json()
    assert [item["layer"] for item in body["sources"]] == list(LAYERS)
    parking = body["sources"][0]
    assert parking["source"] == "ods" and parking["format"] == "opendatasoft" and parking["state"] == "ok"
    assert parking["url"].startswith("http://***@127.0.0.1:") and parking["url"].endswith(ODS_PATH)
    assert parking["last_success"] == NOW.isoformat() and parking["last_error"] == ""
    assert parking["fetch_bytes"] > 0 and parking["fetch_seconds"] >= 0
    assert parking["next_attempt"] == (NOW + timedelta(seconds=30)).isoformat()
    assert parking["records_rejected"] == 10
    assert parking["rejections"][0] == {"reason": "hors de la zone couverte", "count": 5}
    waiting = body["sources"][1]
    assert waiting["state"] == "waiting" and waiting["rejections"] == [] and waiting["url"] == ""
    assert json.dumps(body).count("t0ken") == 0


def test_the_sources_api_answers_401_without_a_session(store):
    app = Flask(__name__)
    app.secret_key = "test-secret-test-secret"
    install_manager_login(app, load_settings({}), store)
    app.register_blueprint(create_api(SnapshotReader(store), Geography(areas={})))
    response = app.test_client().get("/api/v1/sources")
    assert response.status_code == 401
    assert "sources" not in response.get_json()


def test_the_panel_is_sent_again_only_when_a_status_changed(store):
    client = sign_in_client(create_app(load_settings({}), store=store).test_client())
    route, body = copy.deepcopy(CALLBACKS["sources"])
    store.write_status(SourceStatus("parking", "ods", SourceState.OK, rejections=(("hors de la zone couverte", 5),)))
    first = client.post(route, json=body)
    assert first.status_code == 200 and "hors de la zone couverte" in first.get_data(as_text=True)
    body["state"][0]["value"] = first.get_json()["response"]["sources-shown"]["data"]

    assert client.post(route, json=body).status_code == 204  # nothing changed: nothing re-sent
    store.write_status(SourceStatus("parking", "ods", SourceState.DEGRADED, last_error="HTTP 503"))
    again = client.post(route, json=body)
    assert again.status_code == 200 and "HTTP 503" in again.get_data(as_text=True)
