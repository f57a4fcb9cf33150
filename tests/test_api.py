"""The HTTP API through Flask's test client, reading a real Redis."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.areas import Geography
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, SourceState, SourceStatus
from dashboard.snapshots import SnapshotReader
from dashboard.store import Store, connect
from tests.factories import api_client, parking_result
from tests.redis_server import free_port
from tests.test_filters import REPORTS


def _client(store: Store):
    return api_client(store, Geography(areas={}))


@pytest.fixture
def client(store):
    return _client(store)


def _seed_parking(store: Store, occupied: int = 150) -> int:
    result = parking_result(occupied)
    return store.write_snapshot(
        "parking", result, source="demo-parking", demo=True, summary=LAYERS["parking"].summarise(result.records)
    )


def test_layer_as_geojson(client, store):
    version = _seed_parking(store)
    response = client.get("/api/v1/layers/parking")
    assert response.status_code == 200
    assert response.content_type == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and body["version"] == version and body["demo"] is True
    first = body["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [1.444, 43.6045]}
    assert first["properties"]["occupied"] == 150 and "lon" not in first["properties"]


def test_layer_answers_304_to_a_matching_etag(client, store):
    _seed_parking(store)
    etag = client.get("/api/v1/layers/parking").headers["ETag"]
    assert client.get("/api/v1/layers/parking", headers={"If-None-Match": etag}).status_code == 304
    _seed_parking(store, occupied=151)  # a new version
    assert client.get("/api/v1/layers/parking", headers={"If-None-Match": etag}).status_code == 200


def test_unknown_layer_is_a_json_404(client):
    response = client.get("/api/v1/layers/unicorns?lang=en")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Unknown layer: unicorns", "status": 404}
    assert client.get("/api/v1/layers/unicorns").get_json()["error"] == "Couche inconnue : unicorns"


def test_layers_list_reports_versions_and_state(client, store):
    version = _seed_parking(store)
    store.write_status(SourceStatus("parking", "demo-parking", SourceState.DEGRADED, last_error="HTTP 500"))
    body = client.get("/api/v1/layers").get_json()
    by_name = {item["name"]: item for item in body["layers"]}
    assert list(by_name) == list(LAYERS)
    assert by_name["parking"]["version"] == version
    assert by_name["parking"]["state"] == "degraded"
    assert by_name["parking"]["summary"]["capacity"] == 1048
    assert by_name["parking"]["summary"]["schema"] == LAYERS["parking"].summary_type.SCHEMA
    assert by_name["reports"]["version"] is None and by_name["reports"]["state"] == "waiting"


def test_healthz_is_200_with_sources(client, store):
    _seed_parking(store)
    store.write_status(SourceStatus("parking", "demo-parking", SourceState.OK))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["sources"]["parking"]["state"] == "ok"


def test_healthz_tells_the_public_only_state_and_age(store):
    from flask import Flask

    from dashboard.api import create_api

    app = Flask(__name__)
    app.register_blueprint(
        create_api(SnapshotReader(store), Geography(areas={}, problem="/srv/private/communes.geojson missing"))
    )
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    store.write_status(
        SourceStatus("parking", "parkings-internal", SourceState.DEGRADED, last_success=an_hour_ago, last_error="x")
    )
    body = app.test_client().get("/healthz").get_json()  # no login installed: nobody is a manager
    assert body["status"] == "ok" and body["redis"] == "up" and set(body) == {"status", "redis", "sources"}
    assert body["sources"]["parking"]["state"] == "degraded"
    assert 3599 <= body["sources"]["parking"]["age_seconds"] <= 3700
    assert all(set(item) == {"state", "age_seconds"} for item in body["sources"].values())


def test_healthz_is_503_when_redis_is_unreachable():
    client = _client(Store(connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "down"
    assert client.get("/api/v1/layers").status_code == 503


def test_layer_geojson_carries_no_personal_fields(client, store):
    from datetime import UTC, datetime

    from dashboard.models import FetchResult, ReportPersonal, ReportRecord, ReportStatus

    now = datetime.now(UTC)
    report = ReportRecord(
        "R1",
        "Propreté",
        ReportStatus.NEW,
        1.4442719,
        43.6046321,
        now,
        now,
    )
    personal = ReportPersonal(
        description="Sac abandonné devant chez Mme Dupont",
        status_notes="Rappeler Mme Dupont",
        address="4 rue Jeanne Dupont",
        photo_url="https://photos.example.org/r1.jpg",
    )
    store.write_snapshot("reports", FetchResult((report,), now, personal={"R1": personal}), source="s", demo=False)
    body = client.get("/api/v1/layers/reports").get_data(as_text=True)
    assert "R1" in body
    for secret in ("Dupont", "photos.example.org"):
        assert secret not in body


@pytest.mark.parametrize("path", ["/api/v1/public/nothing-here", "/api/v1/public/layers", "/api/v2/layers", "/api/"])
def test_unknown_api_addresses_are_json_404_not_the_managers_page(redis_client, path):
    from app import create_app
    from dashboard.settings import load_settings
    from tests.factories import sign_in_client

    client = sign_in_client(create_app(load_settings({}), store=Store(redis_client)).test_client())
    response = client.get(path + "?lang=en")
    assert response.status_code == 404 and response.content_type == "application/json"
    assert response.get_json() == {"error": "Unknown API address", "status": 404}
    assert client.get(path).get_json()["error"] == "Adresse d'API inconnue"


def test_an_unknown_public_api_address_is_a_404_without_signing_in(redis_client):
    from app import create_app
    from dashboard.settings import load_settings

    client = create_app(load_settings({}), store=Store(redis_client)).test_client()
    response = client.get("/api/v1/public/nothing-here")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def _seed_reports(store: Store) -> None:
    records = tuple(REPORTS)
    store.write_snapshot(
        "reports",
        FetchResult(records=records, fetched_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        source="t",
        demo=False,
        summary=LAYERS["reports"].summarise(records),
    )


def test_a_layers_csv_is_sent_as_written_with_the_pages_filters_and_language(client, store):
    _seed_reports(store)
    response = client.get("/api/v1/layers/reports/csv?status=new&window=all")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == 'attachment; filename="reports-20261125-1300.csv"'
    text = response.get_data().decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0][:3] == ["Identifiant", "Catégorie", "État"]
    assert sorted(row[0] for row in parsed[1:]) == ["r1", "r2"] and {row[2] for row in parsed[1:]} == {"Nouveau"}
    assert any(",4" in cell for cell in parsed[1])  # decimal comma in French
    english = client.get("/api/v1/layers/reports/csv?lang=en&window=all").get_data().decode("utf-8-sig")
    assert english.startswith("Id") and english.count("\r\n") == 1 + len(REPORTS)


def test_a_csv_with_a_filter_value_it_does_not_know_is_a_400_naming_it(client, store):
    _seed_reports(store)
    response = client.get("/api/v1/layers/reports/csv?window=forever&lang=en")
    assert response.status_code == 400 and "forever" in response.get_json()["error"]
    assert client.get("/api/v1/layers/unicorns/csv").status_code == 404


def test_a_csv_of_a_layer_without_data_is_its_header(client):
    response = client.get("/api/v1/layers/parking/csv")
    assert response.status_code == 200
    assert response.get_data().decode("utf-8-sig").count("\r\n") == 1


def test_the_csv_needs_a_signed_in_manager(redis_client):
    from app import create_app
    from dashboard.settings import load_settings
    from tests.factories import sign_in_client

    app = create_app(load_settings({}), store=Store(redis_client))
    assert app.test_client().get("/api/v1/layers/parking/csv").status_code == 401
    assert sign_in_client(app.test_client()).get("/api/v1/layers/parking/csv").status_code == 200
