"""The Toulouse profile end to end: `python app.py` collecting every configured feed from a local server.

Every `[[sources]]` entry of profiles/toulouse.toml (and each of its references) is served in its real
format by the local feed server, its host rewritten to the server's. A new source in the profile needs
its payload in PAYLOADS (and its format in ROUTES): the test says which one is missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from dashboard.layers import LAYERS
from dashboard.settings import load_settings
from tests.feed_server import FeedServer, Hit, json_reply
from tests.live_app import FAST, LiveApp, signed_in_client
from tests.shared_data import boundary_settings

PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "toulouse.toml"


def _iso(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _occupancy() -> list[dict]:
    # Strasbourg's occupation-parkings-temps-reel shape; one car park the references do not know.
    return [
        {"idsurfs": "S1", "nom_parking": "Parking Capitole", "etat": 1, "libre": 48, "total": 748, "date_maj": _iso(1)},
        {"idsurfs": "S2", "nom_parking": "Jeanne d'Arc", "etat": 1, "libre": 70, "total": 370, "date_maj": _iso(1)},
        {"idsurfs": "S3", "nom_parking": "Balma-Gramont", "etat": 1, "libre": 466, "total": 866, "date_maj": _iso(1)},
        {"idsurfs": "S9", "nom_parking": "Parking inconnu", "etat": 1, "libre": 3, "total": 9, "date_maj": _iso(1)},
    ]


def _garages() -> list[dict]:
    return [
        {"id": 1, "nom": "Capitole", "adresse": "Place du Capitole", "nb_places": 760, "nb_voitures": 748,
         "xlong": 1.4440, "ylat": 43.6045, "geo_point_2d": {"lon": 1.4440, "lat": 43.6045}, "gratuit": "F"},
        {"id": 2, "nom": "Jeanne d'Arc", "adresse": "Place Jeanne d'Arc", "nb_places": 380, "nb_voitures": 370,
         "xlong": 1.4457, "ylat": 43.6116, "geo_point_2d": {"lon": 1.4457, "lat": 43.6116}, "gratuit": "F"},
    ]  # fmt: skip


def _relais() -> list[dict]:
    return [
        {"nom": "Balma-Gramont", "commune": "Balma", "insee": "31044", "nb_places": 900, "nb_voitures": 866,
         "xlong": 1.4829, "ylat": 43.6289, "geo_point_2d": {"lon": 1.4829, "lat": 43.6289}},
    ]  # fmt: skip


def _meters() -> list[dict]:
    keyvalues = {
        "id": "urn:ngsi-ld:ACMeasurement:capitole",
        "type": "ACMeasurement",
        "name": "Capitole - TGBT",
        "location": {"type": "Point", "coordinates": [1.4433, 43.6044]},
        "address": {"addressLocality": "Toulouse"},
        "category": "administration",
        "dateObserved": _iso(2),
        "refDevice": ["urn:ngsi-ld:Device:capitole-tgbt"],
        "totalActivePower": 182_400.0,
    }
    normalized = {
        "id": "urn:ngsi-ld:ACMeasurement:piscine-colomiers",
        "type": "ACMeasurement",
        "name": {"type": "Property", "value": "Piscine Colomiers"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1.3361, 43.6112]}},
        "address": {"type": "Property", "value": {"addressLocality": "Colomiers"}},
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": _iso(3)}},
        "totalActivePower": {"type": "Property", "value": 96_000.0},
    }
    return [keyvalues, normalized]


def _ore() -> list[dict]:
    return [
        {"annee": year, "code_commune": code, "nom_commune": name, "code_epci": "243100518", "filiere": "Electricité",
         "operateur": "Enedis", "code_grand_secteur": "T", "nb_sites": sites, "conso_totale_mwh": sites * average,
         "conso_moyenne_mwh": average}
        for year in (2023, 2022)
        for code, name, sites, average in (("31555", "Toulouse", 31000, 87.6), ("31149", "Colomiers", 2100, 43.8))
    ]  # fmt: skip


def _requests() -> list[dict]:
    return [
        {"service_request_id": f"AT-{i}", "status": ["open", "closed", "acknowledged"][i % 3],
         "service_name": ["Propreté", "Éclairage public"][i % 2], "service_code": f"00{i % 2}",
         "requested_datetime": _iso(60 * (i + 1)), "updated_datetime": _iso(30 * (i + 1)),
         "lat": 43.60 + i * 0.002, "long": 1.44 + i * 0.002, "description": "texte libre"}
        for i in range(6)
    ]  # fmt: skip


def _registry() -> dict:
    pods = [
        ("nacelle-1", "Ouverte", "Allées Jules-Guesde", 1.4497, 43.6009),
        ("nacelle-2", "fermée", "Capitole", 1.444, 43.6045),
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"id": pod, "name": pod.title(), "status": status, "place": place, "event": "Consultation"}}
            for pod, status, place, lon, lat in pods
        ],
    }  # fmt: skip


def _velo_toulouse() -> list[dict]:
    # The api-velo-toulouse-temps-reel shape: the operator's station fields, position as a geo point.
    return [
        {"number": 55, "contract_name": "toulouse", "name": "00055 - ST SERNIN G. ARNOULT",
         "address": "2 RUE GATIEN ARNOULT", "banking": "True", "bonus": "False", "bike_stands": 15,
         "available_bike_stands": 13, "available_bikes": 2, "status": "OPEN", "last_update": _iso(1),
         "position": {"lon": 1.4410, "lat": 43.6090}},
        {"number": 229, "contract_name": "toulouse", "name": "00229 - IUT RANGUEIL",
         "address": "129 AV DE RANGUEIL", "banking": "True", "bonus": "False", "bike_stands": 18,
         "available_bike_stands": 0, "available_bikes": 0, "status": "CLOSED", "last_update": _iso(2),
         "position": {"lon": 1.4628, "lat": 43.5714}},
    ]  # fmt: skip


def _atmo() -> dict:
    # The Atmo Data API's indices: a feature per commune and day (today's and tomorrow's forecast).
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    days = (today.isoformat(), (today + timedelta(days=1)).isoformat())
    communes = [("31555", "Toulouse", 1.4233, 43.6012, (3, 2)), ("31069", "Blagnac", 1.377, 43.6407, (2, 2))]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"code_zone": code, "lib_zone": name, "date_ech": day, "code_qual": index,
                            "lib_qual": "Moyen", "coul_qual": "#50CCAA", "code_no2": index, "code_o3": 1,
                            "code_pm10": 1, "code_pm25": 1, "code_so2": 1, "type_zone": "commune"}}
            for code, name, lon, lat, indices in communes
            for day, index in zip(days, indices, strict=True)
        ],
    }  # fmt: skip


# What each source and reference of the profile answers, by name: rows (or a document for GeoJSON).
PAYLOADS: dict[str, Callable[[], Any]] = {
    "parkings-occupation": _occupancy,
    "parcs-de-stationnement": _garages,
    "parkings-relais": _relais,
    "compteurs-energie": _meters,
    "ore-conso-annuelle": _ore,
    "allo-toulouse": _requests,
    "nacelles-registre": _registry,
    "velo-toulouse": _velo_toulouse,
    "atmo-occitanie": _atmo,
}


def _ods(server: FeedServer, path: str, rows: list[dict]) -> None:
    def records(hit: Hit):
        offset, limit = int(hit.query.get("offset", 0)), int(hit.query.get("limit", 100))
        return json_reply({"total_count": len(rows), "results": rows[offset : offset + limit]})

    server.route(f"{path}/records", records)
    server.route(f"{path}/exports/json", json_reply(rows))


# How each format is served at a configured URL's path.
ROUTES: dict[str, Callable[[FeedServer, str, Any], None]] = {
    "opendatasoft": _ods,
    "ngsi-ld": lambda server, path, rows: server.route(path, json_reply(rows)),
    "open311": lambda server, path, rows: server.route(f"{path.rstrip('/')}/requests.json", json_reply(rows)),
    "geojson": lambda server, path, document: server.route(path, json_reply(document)),
}


def _serve(server: FeedServer, feed: Any, payload: Any) -> None:
    ROUTES[feed.format](server, urlsplit(feed.url).path, payload)


@pytest.fixture
def profile(tmp_path, feed_server):
    """The Toulouse profile with every http(s) host pointing at the local feed server, and its settings."""
    text = re.sub(r"https?://[^/\"'\s]+", feed_server.url, PROFILE.read_text(encoding="utf-8"))
    path = tmp_path / "toulouse-local.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_settings({"CITYOPS_CONFIG": str(path)})


def _health(app: LiveApp) -> dict:
    # Source names, versions and errors are for managers: the public health has state and age only.
    with signed_in_client(app.url, timeout=5) as client:
        return client.get(f"{app.url}/healthz").json()["sources"]


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (httpx.HTTPError, ValueError, KeyError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_every_profile_feed_fills_its_layer_and_a_broken_one_recovers(profile, feed_server):
    path, settings = profile
    feeds = [feed for source in settings.sources for feed in (source, *source.references)]
    missing = [
        f"{feed.name} ({feed.format})" for feed in feeds if feed.name not in PAYLOADS or feed.format not in ROUTES
    ]
    assert not missing, f"no real-format payload in this test for profile feed(s): {', '.join(missing)}"
    for feed in feeds:
        _serve(feed_server, feed, PAYLOADS[feed.name]())

    boundaries = boundary_settings() or {"CITYOPS_COMMUNES_PATH": "", "CITYOPS_QUARTIERS_PATH": ""}
    app = LiveApp(
        **{**FAST, **boundaries},
        CITYOPS_CONFIG=str(path),
        CITYOPS_BACKOFF_MAX_SECONDS="1",
        CITYOPS_JITTER_RATIO="0",
    )
    app.start(timeout=120)  # returns once every layer has a version
    api = signed_in_client(app.url, timeout=5)  # the layers' API is for signed-in managers
    try:
        health = _health(app)
        configured = {source.layer: source.name for source in settings.sources}
        assert set(configured) == set(LAYERS)
        for layer, name in configured.items():
            assert health[layer]["source"] == name and health[layer]["state"] == "ok", (layer, health[layer])
            features = api.get(f"{app.url}/api/v1/layers/{layer}").json()["features"]
            assert features, f"layer {layer} is empty"
        parking = api.get(f"{app.url}/api/v1/layers/parking").json()["features"]
        by_id = {f["properties"]["id"]: f["properties"] for f in parking}
        assert sorted(by_id) == ["S1", "S2", "S3"]  # S9 matches no reference
        assert (by_id["S1"]["capacity"], by_id["S1"]["occupied"]) == (748, 700)
        assert by_id["S3"]["site_type"] == "park_and_ride"
        assert health["parking"]["records_rejected"] == 1
        energy = api.get(f"{app.url}/api/v1/layers/energy").json()["features"]
        typical = {f["properties"]["name"]: round(f["properties"]["typical_kw"], 1) for f in energy}
        assert typical == {"Capitole - TGBT": 10.0, "Piscine Colomiers": 5.0}  # ORE average per site
        bikes = api.get(f"{app.url}/api/v1/layers/bikes").json()["features"]
        stations = {f["properties"]["id"]: f["properties"] for f in bikes}
        assert (stations["55"]["bikes_available"], stations["55"]["status"]) == (2, "open")
        assert stations["229"]["status"] == "closed"

        # The occupancy feed turns to garbage: the last good snapshot stays, the badge says why.
        broken = settings.sources[0]
        garbage = [{**row, "libre": "beaucoup"} for row in PAYLOADS[broken.name]()]
        _serve(feed_server, broken, garbage)
        failing = _wait(
            lambda: (h := _health(app)[broken.layer])["state"] == "degraded" and h, 60, f"{broken.layer} degraded"
        )
        assert "aucun enregistrement valide (4 rejetés" in failing["last_error"]
        assert "n'est pas un nombre ('beaucoup')" in failing["last_error"]
        kept = failing["version"]
        time.sleep(2)  # two more failed fetches at the 1 s interval
        assert _health(app)[broken.layer]["version"] == kept
        still = api.get(f"{app.url}/api/v1/layers/{broken.layer}").json()["features"]
        assert sorted(f["properties"]["id"] for f in still) == ["S1", "S2", "S3"]

        # Restored, it recovers on its next fetch, without a restart; the same data as before: the same version.
        _serve(feed_server, broken, PAYLOADS[broken.name]())
        started = time.monotonic()
        recovered = _wait(lambda: (h := _health(app)[broken.layer])["state"] == "ok" and h, 60, "recovery")
        assert recovered["version"] == kept
        print(f"recovered {time.monotonic() - started:.1f} s after the feed was restored")
    finally:
        api.close()
        app.stop()
