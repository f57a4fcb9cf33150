"""Records located by the real collector job, figures per area through the API, and an app without boundaries."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
import shapely

from app import create_app
from dashboard import keys
from dashboard.areas import Geography
from dashboard.collectors.job import SourceJob
from dashboard.layers import LAYERS
from dashboard.layers.reports import reports_in_area
from dashboard.models import FetchResult, ParkingRecord, ReportRecord, ReportStatus
from dashboard.settings import load_settings
from dashboard.sources.demo import build_demo_sources
from dashboard.store import LeaderLock, Store
from tests.factories import api_client, sign_in_client

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


class OneFetch:
    """A source that returns one given result, under the layer's name."""

    demo = False

    def __init__(self, layer: str, result: FetchResult) -> None:
        self.layer, self.name, self.result = layer, f"test-{layer}", result

    def fetch(self, now):
        return self.result


def collect(store: Store, redis_client, source, boundaries) -> Store:
    """Run the real collector job once for `source`, with the boundaries."""
    leader = LeaderLock(redis_client, keys.leader(source.layer, source.name), ttl_seconds=30)
    assert leader.hold()
    job = SourceJob(
        source,
        LAYERS[source.layer],
        store,
        leader,
        interval=60,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        boundaries=boundaries,
        clock=lambda: NOW,
        rng=random.Random(0),
    )
    job.run_once()
    return store


@pytest.fixture(scope="module")
def demo_reports() -> FetchResult:
    source = next(s for s in build_demo_sources(31555, origin=NOW) if s.layer == "reports")
    return source.fetch(NOW)


def _polygons(path, key: str) -> dict[str, shapely.Geometry]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {str(f["properties"][key]): shapely.geometry.shape(f["geometry"]) for f in features}


def test_open_reports_per_quartier_add_up_to_those_inside_toulouse(
    store, redis_client, boundaries, boundary_files, demo_reports
):
    collect(store, redis_client, OneFetch("reports", demo_reports), boundaries)
    client = api_client(store, boundaries.geography())

    # Counted independently of the join: the raw feed against Toulouse's polygon.
    toulouse = _polygons(boundary_files[0], "code")["31555"]
    open_reports = [r for r in demo_reports.records if r.status.is_open]
    inside = shapely.contains_xy(toulouse, [r.lon for r in open_reports], [r.lat for r in open_reports])
    assert 1000 < inside.sum() < len(open_reports)

    body = client.get("/api/v1/areas?level=quartier").get_json()
    assert body["level"] == "quartier" and len(body["areas"]) == 20
    assert [area["code"] for area in body["areas"]] == [str(n) for n in range(1, 21)]
    assert sum(area["reports"]["open"] for area in body["areas"]) == inside.sum()
    first = body["areas"][0]
    assert first["name"] == "Capitole / Arnaud Bernard / Carmes"
    assert sum(first["reports"]["open_by_category"].values()) == first["reports"]["open"]
    assert sum(first["reports"]["open_by_age"].values()) == first["reports"]["open"]
    assert first["parking"] is None  # no parking snapshot yet


def test_points_outside_the_metropole_are_rejected_and_counted(
    store, redis_client, boundaries, boundary_files, demo_reports
):
    collect(store, redis_client, OneFetch("reports", demo_reports), boundaries)
    metropole = shapely.union_all(list(_polygons(boundary_files[0], "code").values()))
    lon, lat = [r.lon for r in demo_reports.records], [r.lat for r in demo_reports.records]
    outside = len(demo_reports.records) - int(shapely.contains_xy(metropole, lon, lat).sum())
    status = store.status("reports")
    assert status.records_rejected == outside > 0
    assert "hors de la Métropole" in status.sample_rejection
    communes = api_client(store, boundaries.geography()).get("/api/v1/areas?level=commune").get_json()["areas"]
    assert len(communes) == 37
    kept_open = sum(r.status.is_open for r in store.snapshot("reports").records)
    assert sum(area["reports"]["open"] for area in communes) == kept_open


def test_joined_fields_appear_in_the_layer_geojson(store, redis_client, boundaries):
    records = (
        ParkingRecord("capitole", "Capitole", 1.4440, 43.6045, 748, 700, "garage"),
        ParkingRecord("blagnac", "Blagnac", 1.3900, 43.6400, 200, 50, "park_and_ride"),
        ParkingRecord("montauban", "Montauban", 1.3550, 44.0175, 300, 10, "garage"),
    )
    collect(store, redis_client, OneFetch("parking", FetchResult(records, NOW)), boundaries)
    client = api_client(store, boundaries.geography())
    features = client.get("/api/v1/layers/parking").get_json()["features"]
    assert [f["properties"]["commune_code"] for f in features] == ["31555", "31069"]
    assert features[0]["properties"]["quartier"] == 1 and features[1]["properties"]["quartier"] is None

    by_code = {a["code"]: a for a in client.get("/api/v1/areas?level=commune").get_json()["areas"]}
    assert by_code["31555"]["parking"] == {"schema": 1, "sites": 1, "capacity": 748, "free": 48}
    assert by_code["31069"]["parking"] == {"schema": 1, "sites": 1, "capacity": 200, "free": 150}
    assert by_code["31003"]["parking"] == {"schema": 1, "sites": 0, "capacity": 0, "free": 0}


def test_areas_answer_304_until_a_layer_moves_on(store, redis_client, boundaries):
    result = FetchResult((ParkingRecord("capitole", "Capitole", 1.4440, 43.6045, 748, 700, "garage"),), NOW)
    collect(store, redis_client, OneFetch("parking", result), boundaries)
    client = api_client(store, boundaries.geography())
    etag = client.get("/api/v1/areas?level=quartier").headers["ETag"]
    assert client.get("/api/v1/areas?level=quartier", headers={"If-None-Match": etag}).status_code == 304
    store.write_snapshot("parking", result, source="test-parking", demo=False)
    assert client.get("/api/v1/areas?level=quartier", headers={"If-None-Match": etag}).status_code == 200


def test_a_bad_level_is_a_json_400(store):
    client = api_client(store, Geography(areas={"commune": (("31555", "Toulouse"),)}))
    response = client.get("/api/v1/areas?level=iris&lang=en")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Unknown level: iris (expected: commune, quartier)", "status": 400}
    quartier = client.get("/api/v1/areas?level=quartier")
    assert quartier.status_code == 503 and "CITYOPS_QUARTIERS_PATH" in quartier.get_json()["error"]


def test_open_reports_by_age_band():
    def report(status: ReportStatus, age: timedelta) -> ReportRecord:
        return ReportRecord("r", "Propreté", status, 1.44, 43.6, NOW - age, NOW)

    records = [
        report(ReportStatus.NEW, timedelta(hours=2)),
        report(ReportStatus.IN_PROGRESS, timedelta(days=3)),
        report(ReportStatus.ACKNOWLEDGED, timedelta(days=7)),
        report(ReportStatus.NEW, timedelta(days=30)),
        report(ReportStatus.CLOSED, timedelta(days=30)),
    ]
    figures = reports_in_area(records, NOW)
    assert figures.open == 4
    assert figures.open_by_age == {"under_1_day": 1, "1_to_7_days": 1, "over_7_days": 2}
    assert figures.open_by_category == {"Propreté": 4}


def test_the_dashboard_starts_without_boundaries_and_says_so(redis_client, tmp_path):
    settings = load_settings({}, communes_path=str(tmp_path / "missing.geojson"))
    client = sign_in_client(create_app(settings, store=Store(redis_client)).test_client())
    response = client.get("/api/v1/areas?level=commune")
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("Limites des communes et quartiers indisponibles")
    assert "missing.geojson" in response.get_json()["error"]
    assert client.get("/healthz").get_json()["boundaries"]["available"] is False
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?lang=en"}).get_data(as_text=True)
    assert "Commune and quartier boundaries unavailable" in layout

    no_download = load_settings({"CITYOPS_BOUNDARIES_DOWNLOAD": "false"})
    unset = sign_in_client(create_app(no_download, store=Store(redis_client)).test_client())
    assert "aucun fichier configuré" in unset.get("/api/v1/areas").get_json()["error"]
