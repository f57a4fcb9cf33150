"""A large Opendatasoft export read as it streams: same records, bounded memory, clear errors, 304 from disk."""

from __future__ import annotations

import codecs
import gc
import json
import random
import tracemalloc
from datetime import UTC, datetime

import pytest

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ParkingRecord, SourceState
from dashboard.sources import SourceError
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.sources.validate import validate_rows
from dashboard.store import LeaderLock
from tests.feed_server import Reply, json_reply
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ROWS = 12_000  # past the 10,000 rows that `records` pages can reach: read from `exports/json`
# Rows without capacity, with a free count that is not a number, and the duplicate of p4.
BAD = sum(1 for i in range(ROWS) if i % 97 == 0 or i % 101 == 0) + 1


def export_rows(count: int = ROWS) -> list[dict]:
    """Car parks as an export gives them, with unmapped fields around the mapped ones and a few bad rows."""
    rows = ods_parking_rows(count)
    for i, row in enumerate(rows):
        lon, lat = row["geo_point_2d"]["lon"], row["geo_point_2d"]["lat"]
        row["adresse"] = f"{i} allées Jean Jaurès, 31000 Toulouse"
        row["horaires"] = "24h/24, 7j/7, accès PMR au niveau -1"
        row["geo_shape"] = {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.001, lat], [lon, lat + 0.001]]]}
        if i % 97 == 0:
            row["nb_places"] = None
        if i % 101 == 0:
            row["places_disponibles"] = "beaucoup"
    rows[5]["id"] = rows[4]["id"]
    return rows


def serve_export(feed_server, body: bytes, **headers: str) -> None:
    """A dataset too large for `records` pages, whose export answers `body`."""
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": ROWS, "results": []}))
    feed_server.route(f"{ODS_PATH}/exports/json", Reply(200, body, {"Content-Type": "application/json", **headers}))


def _source(feed_server, max_bytes: int = 64 * 2**20) -> OpendatasoftSource:
    client = FeedClient(timeout=2, retries=0, max_bytes=max_bytes)
    return OpendatasoftSource("ods", "parking", feed_server.url + ODS_PATH, client=client)


def test_a_streamed_export_gives_the_records_and_rejections_of_the_whole_document(feed_server):
    rows = export_rows()
    body = codecs.BOM_UTF8 + json.dumps(rows).encode()  # a BOM, as some export tools leave
    serve_export(feed_server, body)
    source = _source(feed_server)
    result = source.fetch(NOW)
    whole = validate_rows("parking", [source._canonical(row) for row in json.loads(body[3:])], NOW)
    assert result == whole
    assert len(result.records) == ROWS - BAD and len(result.rejected) == BAD
    assert "p4 : identifiant en double" in result.rejected


def test_an_export_is_read_in_memory_bounded_by_the_payload(feed_server):
    body = json.dumps(export_rows()).encode()
    serve_export(feed_server, body)
    source = _source(feed_server)
    tracemalloc.start()
    try:
        result = source.fetch(NOW)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.records) > 11_000
    # Decoded whole, the rows alone take several times the payload; streamed, the records stay below it.
    assert peak < 1.5 * len(body), f"peak {peak / 2**20:.1f} MB for a {len(body) / 2**20:.1f} MB export"


def test_an_unchanged_export_is_read_again_on_304_without_keeping_its_rows_in_memory(feed_server):
    body = json.dumps(export_rows()).encode()
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": ROWS, "results": []}))

    def export(hit):
        if hit.headers.get("if-none-match") == '"e1"':
            return Reply(304)
        return Reply(200, body, {"Content-Type": "application/json", "ETag": '"e1"'})

    feed_server.route(f"{ODS_PATH}/exports/json", export)
    source = _source(feed_server)
    gc.collect()
    tracemalloc.start()
    try:
        source.fetch(NOW)
        gc.collect()
        held, _peak = tracemalloc.get_traced_memory()  # what the client keeps between two fetches
        again = source.fetch(NOW)
    finally:
        tracemalloc.stop()
    assert again == validate_rows("parking", [source._canonical(row) for row in json.loads(body)], NOW)
    exports = [hit for hit in feed_server.hits if hit.path.endswith("/exports/json")]
    assert [hit.headers.get("if-none-match") for hit in exports] == [None, '"e1"']
    # The client keeps the export on disk for the next 304, not its decoded rows.
    assert held < 0.1 * len(body), f"{held / 2**20:.1f} MB held for a {len(body) / 2**20:.1f} MB export"


@pytest.mark.parametrize(
    ("headers", "max_bytes"),
    [({}, 2**20), ({"Content-Length": ""}, 2**20)],
    ids=["announced", "unannounced"],
)
def test_an_export_over_the_size_cap_is_abandoned(feed_server, headers, max_bytes):
    serve_export(feed_server, json.dumps(export_rows()).encode(), **headers)
    with pytest.raises(SourceError, match="réponse trop volumineuse"):
        _source(feed_server, max_bytes=max_bytes).fetch(NOW)


BAD_EXPORTS = {
    "cut-off": (lambda body: body[: len(body) // 2], "JSON tronqué"),
    "invalid": (lambda body: body.replace(b'"nb_places": 200', b'"nb_places": 0200', 1), "JSON invalide"),
    "not-utf8": (lambda body: body.replace(b"Parking 1", b"Parking \xff", 1), "JSON invalide (lexical error"),
    "not-a-list": (lambda _body: b'{"error": "export indisponible"}', "une liste d'enregistrements était attendue"),
    "html": (lambda _body: b"<html><body>502 Bad Gateway</body></html>", "page HTML reçue au lieu de JSON"),
    "empty": (lambda _body: b"  ", "réponse vide"),
}


def _job(store, redis_client, source: OpendatasoftSource) -> SourceJob:
    leader = LeaderLock(redis_client, keys.leader("parking", "ods"), ttl_seconds=30)
    assert leader.hold()
    layer = LAYERS["parking"]
    return SourceJob(
        source, layer, store, leader, interval=30, jitter_ratio=0, backoff_max=600, writer="t", clock=lambda: NOW
    )


@pytest.mark.parametrize("case", list(BAD_EXPORTS))
def test_a_bad_export_mid_stream_keeps_the_last_good_snapshot(store, redis_client, feed_server, case):
    spoil, reason = BAD_EXPORTS[case]
    body = json.dumps(export_rows()).encode()
    serve_export(feed_server, body)
    job = _job(store, redis_client, _source(feed_server))
    job.run_once()
    good = store.snapshot("parking")
    assert len(store.history("parking")) == 1 and len(good.records) == ROWS - BAD

    serve_export(feed_server, spoil(body))
    job.run_once()
    kept = store.snapshot("parking")
    assert (kept.version, kept.records) == (good.version, good.records)
    status = store.status("parking")
    assert status.state is SourceState.DEGRADED and reason in status.last_error


def test_a_connection_closed_mid_export_is_an_interrupted_answer(store, redis_client, feed_server):
    body = json.dumps(export_rows()).encode()
    serve_export(feed_server, body)
    job = _job(store, redis_client, _source(feed_server))
    job.run_once()
    # The server announces the whole export and sends half of it, as when a proxy drops the connection.
    serve_export(feed_server, body[: len(body) // 2], **{"Content-Length": str(len(body))})
    job.run_once()
    assert len(store.history("parking")) == 1
    assert "réponse HTTP interrompue" in store.status("parking").last_error


def test_shuffled_rows_are_validated_the_same_way_streamed(feed_server):
    rows = export_rows()
    random.Random(7).shuffle(rows)
    body = json.dumps(rows, ensure_ascii=False, indent=1).encode()  # pretty-printed, accents as UTF-8
    serve_export(feed_server, body)
    source = _source(feed_server)
    assert source.fetch(NOW) == validate_rows("parking", [source._canonical(row) for row in rows], NOW)


def test_a_large_snapshot_is_serialised_without_a_copy_of_every_record(store, redis_client):
    records = tuple(
        ParkingRecord(f"p{i}", f"Parking {i}", 1.4 + i * 1e-6, 43.6, 500, i % 500, "garage") for i in range(50_000)
    )
    result = FetchResult(records=records, fetched_at=NOW)
    tracemalloc.start()
    try:
        store.write_snapshot("parking", result, source="ods", demo=False, now=NOW)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    stored = redis_client.hget(keys.snapshot("parking"), "records")
    assert store.snapshot("parking").records == records
    # A dict per record, all held until they are serialised, would take several times the JSON.
    assert peak < 2 * len(stored), f"peak {peak / 2**20:.1f} MB for {len(stored) / 2**20:.1f} MB of JSON"
