"""What leaves the server without a session: redaction, the public API, and the /embed/ app's responses."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from app import create_app
from callbacks.embed import page_problem
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportPersonal, ReportRecord, ReportStatus, Snapshot
from dashboard.public import public_geojson, public_snapshot, redact
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import write_demo_layers

EXACT_LON, EXACT_LAT = 1.4442719, 43.6046321
PERSONAL = {
    "description": "Nid-de-poule devant chez moi, au 12 bis",
    "status_notes": "Rappeler Mme Durand avant intervention",
    "address": "12 bis rue des Filatiers",
    "agency_responsible": "Pôle voirie Centre",
    "photo_url": "https://photos.example.org/signalement-8841.jpg",
}
# Strings that must never appear in a public response (the exact coordinates' digits included).
SECRETS = [*PERSONAL.values(), "4442719", "6046321", "demo-reports-internal"]
GRID = 0.001
FRAMING_SITE = "https://www.toulouse.fr"


def _report(**changes) -> ReportRecord:
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    record = ReportRecord(
        "r-8841", "voirie", ReportStatus.NEW, EXACT_LON, EXACT_LAT, when, when, "31555", "Toulouse", 1, "Capitole"
    )
    return dataclasses.replace(record, **changes)


def _seed(store: Store) -> None:
    records = (_report(),)
    store.write_snapshot(
        "reports",
        FetchResult(records=records, fetched_at=datetime.now(UTC), personal={"r-8841": ReportPersonal(**PERSONAL)}),
        source="demo-reports-internal",
        demo=False,
        summary=LAYERS["reports"].summarise(records),
    )


def test_every_shipped_layer_is_public_and_its_hidden_fields_can_be_cleared():
    for layer in LAYERS.values():
        assert layer.public
        for f in dataclasses.fields(layer.record_type):
            hidden = f.name not in layer.public_fields and f.name not in ("lon", "lat")
            assert not hidden or f.default is not dataclasses.MISSING, (layer.name, f.name)


def test_redaction_keeps_public_fields_and_coarsens_reports_to_the_grid():
    public = redact(LAYERS["reports"], _report())
    assert (public.id, public.category, public.status, public.commune_code) == ("r-8841", "voirie", "new", "31555")
    assert (public.lon, public.lat) == (1.444, 43.605)


def test_public_geojson_has_only_public_properties_and_coarse_points():
    snapshot = Snapshot("reports", 3, datetime.now(UTC), "demo-reports-internal", False, (_report(),))
    body = public_geojson(public_snapshot(snapshot))
    (feature,) = body["features"]
    assert set(feature["properties"]) == set(LAYERS["reports"].public_fields)
    assert feature["geometry"]["coordinates"] == [1.444, 43.605]
    assert "source" not in body
    assert public_snapshot(snapshot, commune="31069").records == ()


@pytest.fixture
def client(redis_client):
    settings = load_settings({}, embed_frame_ancestors=("'self'", FRAMING_SITE))
    return create_app(settings, store=Store(redis_client)).test_client()


def test_public_layer_endpoint_is_cacheable_and_answers_304(client, store):
    write_demo_layers(store)  # while a layer waits for its first data the versions document is not cached
    _seed(store)
    response = client.get("/api/v1/public/layers/reports", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    again = client.get(response.request.path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    versions = client.get("/api/v1/public/versions")
    assert versions.get_json()["layers"]["reports"]["version"] == store.snapshot("reports").version
    assert client.get("/api/v1/public/versions", headers={"If-None-Match": versions.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/embed/unknown", 404),
        ("/embed/", 404),
        ("/embed/reports?commune=abc", 400),
        ("/embed/reports?commune=31555%27%3E", 400),
        ("/api/v1/public/layers/unknown", 404),
        ("/api/v1/public/layers/unknown/1.geojson", 404),
    ],
)
def test_bad_embed_parameters_are_clear_4xx(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert "Couche" in response.get_data(as_text=True) or "commune" in response.get_data(as_text=True)


def test_a_layer_not_marked_public_cannot_be_embedded(client, monkeypatch):
    monkeypatch.setitem(LAYERS, "energy", dataclasses.replace(LAYERS["energy"], public=False))
    assert client.get("/embed/energy").status_code == 404
    assert client.get("/api/v1/public/layers/energy").status_code == 404
    assert "energy" not in client.get("/api/v1/public/versions").get_json()["layers"]


def test_embed_is_frameable_by_the_allowlist_only_and_sets_no_cookie(client):
    response = client.get("/embed/reports?lang=en")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {FRAMING_SITE}" in policy
    assert "worker-src 'self' blob:" in policy and "'sha256-" in policy
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("lang", "title"), [("fr", "Signalements"), ("en", "Citizen reports"), ("xx", "Signalements")])
def test_embed_layout_in_the_page_language(client, lang, title):
    referrer = f"http://localhost/embed/reports?lang={lang}"
    layout = client.get("/embed/_dash-layout", headers={"Referer": referrer}).get_data(as_text=True)
    assert title in layout


def test_embed_page_and_layout_are_cacheable_by_anyone(client):
    page = client.get("/embed/reports?lang=en&commune=31555")
    assert page.headers["Cache-Control"] == "public, max-age=300"
    layout = client.get("/embed/_dash-layout", headers={"Referer": "http://localhost/embed/bikes?lang=en"})
    assert layout.headers["Cache-Control"] == "public, max-age=300"
    assert "Referer" in layout.headers["Vary"] and "Cookie" not in layout.headers["Vary"]
    assert "Set-Cookie" not in page.headers and "Set-Cookie" not in layout.headers
    assert "public" not in client.get("/embed/unknown").headers.get("Cache-Control", "")


def _coordinates(node, out: list[float]) -> list[float]:
    """Every lon/lat number in a JSON document, typed arrays (base64 'bdata') decoded."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("lon", "lat", "coordinates"):
                if isinstance(value, dict) and "bdata" in value:
                    out.extend(np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist())
                elif isinstance(value, list):
                    out.extend(v for v in value if isinstance(v, float))
            else:
                _coordinates(value, out)
    elif isinstance(node, list):
        for item in node:
            _coordinates(item, out)
    return out


def test_nothing_reachable_without_a_session_carries_personal_data_or_fine_points(client, store):
    _seed(store)
    referrer = {"Referer": "http://localhost/embed/reports?lang=en"}
    responses = [
        client.get("/embed/reports"),
        client.get("/embed/reports?lang=en&commune=31555"),
        client.get("/embed/_dash-layout", headers=referrer),
        client.get("/embed/_dash-dependencies", headers=referrer),
        client.get("/api/v1/public/layers/reports", follow_redirects=True),
        client.get("/api/v1/public/versions"),
    ]
    points = []
    for response in responses:
        assert response.status_code == 200, response.request.path
        text = response.get_data(as_text=True)
        leaked = [secret for secret in SECRETS if secret in text]
        assert leaked == [], (response.request.path, leaked)
        if response.is_json or "json" in response.content_type:
            _coordinates(json.loads(text), points)
    assert points == []  # the public reports file counts reports per cell: squares, no point at all


def test_a_commune_outside_the_metropole_is_404_with_boundaries():
    communes = {"31555": "Toulouse"}
    assert page_problem("reports", "31555", communes, "fr") is None
    assert page_problem("reports", "75056", communes, "fr")[0] == 404
