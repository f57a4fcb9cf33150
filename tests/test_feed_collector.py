"""Bad feeds through the real collector job and store: the last good snapshot stays, the status says why."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.models import SourceState
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import LeaderLock
from tests.feed_server import Reply, json_reply
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _page(rows) -> Reply:
    return json_reply({"total_count": len(rows), "results": rows})


def _rows(**changes) -> list[dict]:
    return [{**row, **changes} for row in ods_parking_rows(3)]


def _job(store, redis_client, feed_server) -> SourceJob:
    client = FeedClient(timeout=0.3, connect_timeout=0.3, retries=0, max_bytes=20_000)
    source = OpendatasoftSource("ods", "parking", feed_server.url + ODS_PATH, client=client)
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


BAD_FEEDS = {
    "timeout": (Reply(200, b"{}", delay=0.6), "délai de lecture dépassé"),
    "server-error": (Reply(500, b"Internal Server Error"), "erreur du serveur (HTTP 500)"),
    "rate-limited": (Reply(429, b"", {"Retry-After": "300"}), "trop de requêtes (HTTP 429)"),
    "truncated-json": (Reply(200, json.dumps({"total_count": 3, "results": _rows()}).encode()[:-40]), "JSON tronqué"),
    "html-page": (Reply(200, b"<html><body>502 Bad Gateway</body></html>"), "page HTML reçue au lieu de JSON"),
    "xml-document": (
        Reply(200, b'<?xml version="1.0"?><records><record/></records>', {"Content-Type": "application/xml"}),
        "document XML reçu au lieu de JSON",
    ),
    "corrupt-gzip": (
        Reply(200, b"not gzip at all", {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
        "corps gzip corrompu",
    ),
    "oversized": (_page(ods_parking_rows(200)), "réponse trop volumineuse"),
    "not-records": (json_reply({"error": "maintenance"}), "« results » absent ou invalide"),
    "wrong-types": (_page(_rows(nb_places="beaucoup")), "champ « nb_places » (capacity) n'est pas un nombre"),
    "missing-field": (_page(_rows(nb_places=None)), "format du flux modifié : champ « nb_places » (capacity) absent"),
    "out-of-area": (_page(_rows(geo_point_2d={"lon": 2.35, "lat": 48.85})), "hors de la zone couverte"),
    "swapped": (_page(_rows(geo_point_2d={"lon": 43.6, "lat": 1.44})), "latitude et longitude inversées"),
    "over-capacity": (_page(_rows(places_disponibles=250)), "occupation hors de la capacité (-50 sur 200)"),
}


@pytest.mark.parametrize("case", list(BAD_FEEDS))
def test_a_bad_feed_keeps_the_last_good_snapshot(store, redis_client, feed_server, case):
    reply, reason = BAD_FEEDS[case]
    feed_server.route(f"{ODS_PATH}/records", _page(_rows()))
    job = _job(store, redis_client, feed_server)
    job.run_once()
    good = store.snapshot("parking")
    assert len(store.history("parking")) == 1 and len(good.records) == 3

    feed_server.route(f"{ODS_PATH}/records", reply)
    delay = job.run_once()

    kept = store.snapshot("parking")
    assert (kept.version, kept.records) == (good.version, good.records)
    status = store.status("parking")
    assert status.state is SourceState.DEGRADED
    assert reason in status.last_error
    if case == "rate-limited":
        assert delay >= 300


def test_bad_rows_among_good_ones_are_rejected_and_counted(store, redis_client, feed_server):
    rows = ods_parking_rows(5)
    rows[1]["geo_point_2d"] = {"lon": 43.58, "lat": 1.401}
    rows[2]["id"] = rows[0]["id"]
    rows[3]["places_disponibles"] = 500
    feed_server.route(f"{ODS_PATH}/records", _page(rows))
    _job(store, redis_client, feed_server).run_once()
    assert [r.id for r in store.snapshot("parking").records] == ["p0", "p4"]
    status = store.status("parking")
    assert status.state is SourceState.OK and status.records_rejected == 3
    assert status.sample_rejection == "p1 : latitude et longitude inversées (43.5800, 1.4010)"
