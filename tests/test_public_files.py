"""Public layer files at city-website scale: versioned and immutable, built once per deployment, pre-compressed."""

from __future__ import annotations

import gzip
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import brotli
import orjson
import pytest
import redis
from flask import Flask

from dashboard import keys
from dashboard.api import create_api
from dashboard.areas import Geography
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus, Snapshot
from dashboard.public import public_document, public_snapshot
from dashboard.public_files import PublicFiles, version_files
from dashboard.snapshots import SnapshotReader
from dashboard.store import LeaderLock, Store
from tests.factories import parking_result, write_demo_layers

COMMUNES = ("31555", "31069", "31149")


def _reports(count: int, seed: int = 7) -> tuple[ReportRecord, ...]:
    rng = random.Random(seed)
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    points = [(round(1.39 + rng.random() * 0.1, 7), round(43.57 + rng.random() * 0.06, 7)) for _ in range(count)]
    return tuple(
        ReportRecord(
            f"r-{i}",
            rng.choice(("voirie", "proprete", "eclairage")),
            rng.choice(list(ReportStatus)),
            lon,
            lat,
            when - timedelta(hours=i % 48),
            when,
            COMMUNES[min(int((lon - 1.39) / 0.04), 2)],  # three communes side by side
        )
        for i, (lon, lat) in enumerate(points)
    )


def _write_reports(store: Store, count: int, seed: int = 7) -> int:
    records = _reports(count, seed)
    store.write_snapshot(
        "reports",
        FetchResult(records=records, fetched_at=datetime.now(UTC)),
        source="internal-feed",
        demo=False,
        summary=LAYERS["reports"].summarise(records),
    )
    return store.overview(["reports"])["reports"].head.version


@pytest.fixture
def client(store):
    server = Flask(__name__)
    server.register_blueprint(create_api(SnapshotReader(store), Geography(areas={})))
    return server.test_client()


def _file_url(client, layer: str = "reports") -> str:
    return client.get("/api/v1/public/versions").get_json()["layers"][layer]["url"]


def test_public_reports_are_counts_per_cell_with_no_point_and_the_same_total():
    records = _reports(5000)
    snapshot = Snapshot("reports", 4, datetime.now(UTC), "internal-feed", False, records)
    document = public_document(snapshot)
    features = document["features"]
    assert {f["geometry"]["type"] for f in features} == {"Polygon"}
    assert all(set(f["properties"]) == {"commune_code", "open", "closed"} for f in features)
    public = public_snapshot(snapshot).records
    assert sum(f["properties"]["open"] + f["properties"]["closed"] for f in features) == len(public) == 5000
    assert sum(f["properties"]["open"] for f in features) == sum(r.status.is_open for r in records)
    for commune in COMMUNES:
        in_commune = sum(f["properties"]["open"] for f in features if f["properties"]["commune_code"] == commune)
        assert in_commune == sum(r.status.is_open and r.commune_code == commune for r in records)
    # Far fewer features than reports, each one a ~500 m square, and nothing of the reports' own identity.
    assert len(features) < len(records) / 10
    text = orjson.dumps(document).decode()
    assert "r-17" not in text and "voirie" not in text and "internal-feed" not in text
    ring = features[0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and 0.006 < ring[1][0] - ring[0][0] < 0.007 and 0.004 < ring[2][1] - ring[1][1] < 0.005


def test_car_parks_stay_points():
    records = parking_result().records
    document = public_document(Snapshot("parking", 1, datetime.now(UTC), "x", False, records))
    assert [f["geometry"] for f in document["features"]] == [
        {"type": "Point", "coordinates": [r.lon, r.lat]} for r in records
    ]


def test_versioned_file_is_immutable_with_an_etag_and_answers_304(client, store):
    version = _write_reports(store, 200)
    url = _file_url(client)
    assert url == f"/api/v1/public/layers/reports/{version}.geojson"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.content_type == "application/geo+json"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_gzip_brotli_and_identity_decode_to_the_same_geojson(client, store):
    _write_reports(store, 3000)
    url = _file_url(client)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    document = orjson.loads(plain.data)
    assert document["layer"] == "reports" and document["features"]
    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert orjson.loads(gzip.decompress(as_gzip.data)) == document
    as_br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert as_br.headers["Content-Encoding"] == "br"
    assert orjson.loads(brotli.decompress(as_br.data)) == document
    assert len(as_br.data) < len(plain.data) / 3
    assert len({plain.headers["ETag"], as_gzip.headers["ETag"], as_br.headers["ETag"]}) == 3
    assert client.get(url).headers.get("Content-Encoding") is None  # no Accept-Encoding: identity


def test_a_version_is_built_once_for_all_threads_and_workers(redis_server, store):
    version = _write_reports(store, 20000)
    # Two workers: each its own connection pool to the same Redis, each with eight threads asking at once.
    workers = [PublicFiles(SnapshotReader(Store(redis.Redis.from_url(redis_server.url)))) for _ in range(2)]
    start = threading.Barrier(16)
    sizes: list[int] = []

    def ask(files: PublicFiles) -> None:
        start.wait()
        found = files.get("reports", version)
        sizes.append(len(found.bodies["identity"]))

    threads = [threading.Thread(target=ask, args=(files,)) for files in workers for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sizes) == 16 and len(set(sizes)) == 1
    assert sum(files.builds for files in workers) == 1
    # A third worker started later reads the stored bytes too.
    late = PublicFiles(SnapshotReader(Store(redis.Redis.from_url(redis_server.url))))
    assert late.get("reports", version) is not None and late.builds == 0


def test_an_old_or_unknown_version_is_a_404_no_cache_keeps(client, store):
    first = _write_reports(store, 100, seed=1)
    served = client.get(f"/api/v1/public/layers/reports/{first}.geojson")
    assert served.status_code == 200
    second = _write_reports(store, 100, seed=2)
    third = _write_reports(store, 100, seed=3)
    # A version someone already fetched stays for viewers between two polls; one never built is gone for good.
    assert client.get(f"/api/v1/public/layers/reports/{first}.geojson").data == served.data
    for version in (second, third + 1, 0):
        response = client.get(f"/api/v1/public/layers/reports/{version}.geojson")
        assert response.status_code == 404, version
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/api/v1/public/layers/reports/{third}.geojson").status_code == 200


def test_an_empty_layer_has_no_file_to_cache(client):
    layer = client.get("/api/v1/public/versions").get_json()["layers"]["reports"]
    assert layer["version"] is None and layer["url"] is None
    for path in ("/api/v1/public/layers/reports/1.geojson", "/api/v1/public/layers/reports"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["Cache-Control"] == "no-store"


def test_the_unversioned_address_redirects_to_the_current_file(client, store):
    version = _write_reports(store, 10)
    response = client.get("/api/v1/public/layers/reports")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/api/v1/public/layers/reports/{version}.geojson")
    assert response.headers["Cache-Control"] == "public, max-age=5"


def test_versions_document_is_short_lived_and_answers_304(client, store):
    write_demo_layers(store)  # while a layer waits for its first data the document is not cached at all
    _write_reports(store, 10)
    response = client.get("/api/v1/public/versions?lang=en")
    assert response.headers["Cache-Control"] == "public, max-age=5"
    layer = response.get_json()["layers"]["reports"]
    assert layer["state"] == "ok" and "updated" in layer["freshness"]
    assert layer["freshness_budget_seconds"] == LAYERS["reports"].freshness_seconds and layer["fetched_at"]
    again = client.get("/api/v1/public/versions?lang=en", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    _write_reports(store, 11)
    assert (
        client.get("/api/v1/public/versions?lang=en", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 200
    )


def test_polls_during_a_new_versions_build_name_the_previous_file_then_the_new_one(store):
    files = PublicFiles(SnapshotReader(store))
    first = _write_reports(store, 300, seed=1)
    assert files.current("reports", first).version == first  # the first file ever: built while the poll waits
    second = _write_reports(store, 300, seed=2)
    # The new version's file builds in the background; meanwhile the poll names the previous, still downloadable.
    stand_in = files.current("reports", second)
    assert stand_in.version == first
    assert files.get("reports", first) is stand_in
    deadline = time.monotonic() + 10
    while (named := files.current("reports", second)).version != second:
        assert time.monotonic() < deadline, "the new version's file was never built"
        time.sleep(0.05)
    assert orjson.loads(named.bodies["identity"]) == public_document(store.snapshot("reports"))
    assert files.builds == 2


class _ReportsFeed:
    """A source of reports giving `records` at each fetch, as a collector's job sees it."""

    name = "reports-feed"
    layer = "reports"
    demo = False

    def __init__(self, records) -> None:
        self.records = records

    def fetch(self, now):
        return FetchResult(records=self.records, fetched_at=now)


def _reports_job(store, redis_client, records):
    leader = LeaderLock(redis_client, keys.leader("reports", "reports-feed"), ttl_seconds=30)
    assert leader.hold()
    return SourceJob(
        _ReportsFeed(records),
        LAYERS["reports"],
        store,
        leader,
        interval=60,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        rng=random.Random(0),
    )


def test_the_collector_stores_each_versions_file_with_it_so_web_workers_never_read_the_records(
    store, redis_client, redis_server
):
    job = _reports_job(store, redis_client, _reports(3000, seed=1))
    job.run_once()  # the first version's number comes from the server clock: its file is built on demand
    job.source.records = _reports(3000, seed=2)
    job.run_once()
    version = store.overview(["reports"])["reports"].head.version
    assert set(store.public_file("reports", version)) == {"br", "gzip", "identity"}

    web = SnapshotReader(Store(redis.Redis.from_url(redis_server.url)))
    files = PublicFiles(web)
    found = files.current("reports", version)
    assert found is not None and found.version == version
    assert files.builds == 0 and web.decodes == 0
    # The same document a web worker would have made from the stored snapshot.
    stored = SnapshotReader(store).snapshot("reports", version)
    assert orjson.loads(found.bodies["identity"]) == public_document(stored)
    assert orjson.loads(brotli.decompress(found.bodies["br"])) == public_document(stored)


def test_a_file_made_for_a_version_another_writer_took_is_not_stored_under_it(store, redis_client):
    job = _reports_job(store, redis_client, _reports(200, seed=1))
    job.run_once()
    result = FetchResult(_reports(200, seed=2), datetime.now(UTC))
    make = version_files("reports", result, source="x", demo=False)
    asked: list[int] = []

    def made_while_another_writer_writes(version: int):
        asked.append(version)
        _write_reports(store, 200, seed=3)  # another writer takes `version` meanwhile
        return make(version)

    written = store.write_snapshot(
        "reports",
        result,
        source="x",
        demo=False,
        summary=LAYERS["reports"].summarise(result.records),
        public_file=made_while_another_writer_writes,
    )
    assert written == asked[0] + 1
    assert store.public_file("reports", asked[0]) == {}  # made from seed 2: never filed as seed 3's version
    assert store.public_file("reports", written) == {}  # nor under a number it was not made for
    assert PublicFiles(SnapshotReader(store)).get("reports", written) is not None  # built on demand instead


def test_a_fetch_that_changed_nothing_makes_no_file(store, redis_client):
    job = _reports_job(store, redis_client, _reports(200, seed=1))
    job.run_once()
    job.run_once()  # a version with its file
    made: list[int] = []
    result = FetchResult(job.source.records, datetime.now(UTC))
    make = version_files("reports", result, source=job.source.name, demo=False)
    version = store.write_snapshot(
        "reports",
        result,
        source=job.source.name,
        demo=False,
        summary=LAYERS["reports"].summarise(result.records),
        public_file=lambda v: made.append(v) or make(v),
    )
    assert made == [] and version == store.overview(["reports"])["reports"].head.version
