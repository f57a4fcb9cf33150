"""Nacelles, energy and merged sources over real HTTP (and a file), Lambert-93 coordinates, the feed's own time."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from pyproj import Transformer

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.freshness import freshness
from dashboard.layers import LAYERS
from dashboard.models import NacelleStatus, SourceState
from dashboard.rows import BBox
from dashboard.settings import ConfigError, load_settings
from dashboard.sources import SourceError
from dashboard.sources.configured import build_source
from dashboard.sources.geojson import GeoJsonSource
from dashboard.sources.http import FeedClient
from dashboard.sources.joined import JoinedSource, Reference
from dashboard.sources.ngsi_ld import NgsiLdSource
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import LeaderLock
from tests.feed_server import Reply, json_reply
from tests.test_feed_adapters import _sample

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WORLD = BBox(-180, -90, 180, 90)
TO_LAMBERT93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def _client() -> FeedClient:
    return FeedClient(timeout=2, retries=0)


def _job(store, redis_client, source, clock=lambda: NOW) -> SourceJob:
    leader = LeaderLock(redis_client, keys.leader(source.layer, source.name), ttl_seconds=30)
    assert leader.hold()
    return SourceJob(
        source,
        LAYERS[source.layer],
        store,
        leader,
        interval=30,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=clock,
        rng=random.Random(0),
    )


# --- Nacelles -----------------------------------------------------------------------------------------------


def nacelles_registry(moved: bool = False) -> dict:
    """The registry as the Nacelles team keeps it: one Point feature per pod."""
    second = [1.4530, 43.6081] if moved else [1.4440, 43.6045]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1.4497, 43.6009]},
                "properties": {
                    "id": "nacelle-1",
                    "name": "Nacelle 1",
                    "status": "Ouverte",
                    "place": "Allées Jules-Guesde",
                    "event": "Budget participatif",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": second},
                "properties": {
                    "id": "nacelle-2",
                    "name": "Nacelle 2",
                    "status": "en transit" if moved else "fermée",
                    "place": "Jardin Compans-Caffarelli" if moved else "Place du Capitole",
                    "event": "",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1.44, 43.60], [1.45, 43.61]]},
                "properties": {"id": "nacelle-3", "name": "Nacelle 3", "status": "open"},
            },
        ],
    }


def test_nacelles_from_a_geojson_file(tmp_path):
    registry = tmp_path / "nacelles.geojson"
    registry.write_text(json.dumps(nacelles_registry()))
    result = GeoJsonSource("nacelles", "nacelles", str(registry)).fetch(NOW)
    assert [(r.id, r.status, r.place, r.lon) for r in result.records] == [
        ("nacelle-1", NacelleStatus.OPEN, "Allées Jules-Guesde", 1.4497),
        ("nacelle-2", NacelleStatus.CLOSED, "Place du Capitole", 1.4440),
    ]
    assert result.rejected == ("nacelle-3 : champ « lon » manquant",)  # a line has no one position
    registry.write_text('{"type": "Feature"}')
    with pytest.raises(SourceError, match="FeatureCollection"):
        GeoJsonSource("nacelles", "nacelles", str(registry)).fetch(NOW)
    with pytest.raises(SourceError, match="fichier illisible"):
        GeoJsonSource("nacelles", "nacelles", str(tmp_path / "absent.geojson")).fetch(NOW)


def test_a_nacelle_move_is_a_new_version_with_its_position_in_history(store, redis_client, feed_server):
    feed_server.route("/nacelles.geojson", json_reply(nacelles_registry(), **{"Content-Type": "application/geo+json"}))
    properties = {"status": "properties.etat"}  # configured names win over the defaults
    source = GeoJsonSource("nacelles", "nacelles", feed_server.url + "/nacelles.geojson", client=_client())
    clock = iter([NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)])
    job = _job(store, redis_client, source, clock=lambda: next(clock))
    job.run_once()
    job.run_once()  # the same registry again: no new version, only a newer data time
    registry = nacelles_registry()
    registry["features"][1]["geometry"]["coordinates"] = [1.4530, 43.6081]  # only the coordinates change
    feed_server.route("/nacelles.geojson", json_reply(registry))
    job.run_once()
    history = store.history("nacelles")
    versions = [entry.version for entry in history]
    assert versions == [versions[0], versions[0] + 1]  # one per change, from the Redis clock
    trail = [entry.summary.positions["nacelle-2"][:2] for entry in history]
    assert trail == [[1.4440, 43.6045], [1.4530, 43.6081]]
    assert GeoJsonSource("n", "nacelles", "x", fields=properties).fields["status"] == "properties.etat"


# --- Energy ---------------------------------------------------------------------------------------------------


ORE_PATH = "/api/explore/v2.1/catalog/datasets/conso-elec-gaz-annuelle-par-secteur-dactivite-agregee-commune"


def ore_rows() -> list[dict]:
    """Agence ORE annual consumption per commune, tertiary electricity, as the dataset names its fields."""
    return [
        {"annee": 2023, "code_commune": "31555", "nom_commune": "Toulouse", "code_epci": "243100518",
         "filiere": "Electricité", "operateur": "Enedis", "code_grand_secteur": "T", "nb_sites": 31000,
         "conso_totale_mwh": 1_752_000.0, "conso_moyenne_mwh": 87.6},
        {"annee": 2023, "code_commune": "31149", "nom_commune": "Colomiers", "code_epci": "243100518",
         "filiere": "Electricité", "operateur": "Enedis", "code_grand_secteur": "T", "nb_sites": 2100,
         "conso_totale_mwh": 91_980.0, "conso_moyenne_mwh": 43.8},
        {"annee": 2023, "code_commune": "06088", "nom_commune": "Nice Aéroport", "code_epci": "x",
         "filiere": "Electricité", "operateur": "Enedis", "code_grand_secteur": "T", "nb_sites": 10,
         "conso_totale_mwh": 876.0, "conso_moyenne_mwh": 87.6},
    ]  # fmt: skip


ORE_FIELDS = {"commune": "nom_commune", "typical_mwh_year": "conso_moyenne_mwh"}


def serve_ods_rows(feed_server, path: str, rows: list[dict]) -> None:
    feed_server.route(f"{path}/records", json_reply({"total_count": len(rows), "results": rows}))


def ore_reference(feed_server, required: bool = False) -> Reference:
    serve_ods_rows(feed_server, ORE_PATH, ore_rows())
    source = OpendatasoftSource("ore", "energy", feed_server.url + ORE_PATH, fields=ORE_FIELDS, client=_client())
    return Reference(source, on="commune", required=required)


@pytest.mark.parametrize("sample", ["example.json", "example-normalized.json", "example.jsonld"])
def test_acmeasurement_samples_give_power_with_the_commune_baseline(feed_server, sample):
    feed_server.route("/ngsi-ld/v1/entities", Reply(200, _sample(f"sdm-energy-acmeasurement/{sample}")))
    url = feed_server.url + "/ngsi-ld/v1/entities"
    # The sample puts latitude first (Nice is at 43.66 N, 7.20 E): configuration says so.
    fields = {"lon": "location.coordinates.1", "lat": "location.coordinates.0", "commune": "areaServed"}
    meters = NgsiLdSource("nice", "energy", url, fields=fields, client=_client(), bbox=WORLD)
    alone = meters.fetch(NOW)
    assert alone.records == () and "aucune consommation typique" in alone.rejected[0]
    result = JoinedSource(meters, [ore_reference(feed_server)]).fetch(NOW)
    (record,) = result.records
    assert record.id == "urn:ngsi-ld:ACMeasurement:ACMeasurement:MNCA-ACM-001"
    assert record.name == "AirPort-NCE-T1-F01-TR05-ACTP"
    assert record.power_kw == pytest.approx(31.700269531)  # totalActivePower is in watts
    assert record.typical_kw == pytest.approx(10.0)  # 87.6 MWh a year is 10 kW on average
    assert (record.lon, record.lat) == (7.196545, 43.66481)
    assert result.fetched_at == datetime(2020, 3, 17, 8, 45, tzinfo=UTC)  # dateObserved, not our fetch


@pytest.mark.parametrize("sample", ["example.json", "example-normalized.json"])
def test_smart_meter_index_gives_power_from_the_second_reading(feed_server, sample):
    entity = json.loads(_sample(f"sdm-device-smartmeteringobservation/{sample}"))
    url = feed_server.url + "/ngsi-ld/v1/entities"
    fields = {"commune": "address.addressLocality", "typical_kw": "peakConsumption"}
    meters = NgsiLdSource("london", "energy", url, fields=fields, client=_client(), bbox=WORLD)
    feed_server.route("/ngsi-ld/v1/entities", json_reply(entity))
    first = meters.fetch(NOW)
    assert first.records == ()
    assert first.rejected == (
        f"{entity['id']} : premier relevé de l'index : la puissance sera connue au relevé suivant",
    )
    # Fifteen minutes later the index has gone up by 5 kWh: 20 kW on average.
    later = json.loads(json.dumps(entity))
    if isinstance(later["totalConsumption"], dict):
        later["totalConsumption"]["value"] += 5
    else:
        later["totalConsumption"] += 5
    feed_server.route("/ngsi-ld/v1/entities", json_reply(later))
    (record,) = meters.fetch(NOW + timedelta(minutes=15)).records
    assert record.power_kw == pytest.approx(20.0)
    assert (record.lon, record.lat, record.typical_kw) == (-103.9904, 39.7564, 9.3)
    # The sample carries no date: a reading is dated by our fetch, so an index that has not moved is 0 kW.
    (again,) = meters.fetch(NOW + timedelta(minutes=30)).records
    assert again.power_kw == 0.0


def test_meters_in_toulouse_take_their_commune_baseline_unless_they_have_their_own(feed_server):
    def meter(i: int, town: str, **extra) -> dict:
        return {
            "id": f"urn:ngsi-ld:ACMeasurement:site-{i}",
            "type": "ACMeasurement",
            "name": f"Site {i}",
            "location": {"type": "Point", "coordinates": [1.40 + i * 0.01, 43.60]},
            "address": {"addressLocality": town},
            "totalActivePower": {"type": "Property", "value": 12_000 + i},
            "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": "2026-11-25T07:55:00Z"}},
            **extra,
        }

    entities = [meter(1, "TOULOUSE"), meter(2, "Colomiers"), meter(3, "Blagnac"), meter(4, "Paris", typical=3)]
    feed_server.route("/ngsi-ld/v1/entities", json_reply(entities))
    fields = {"commune": "address.addressLocality", "typical_kw": "typical"}
    meters = NgsiLdSource("m", "energy", feed_server.url + "/ngsi-ld/v1/entities", fields=fields, client=_client())
    result = JoinedSource(meters, [ore_reference(feed_server)]).fetch(NOW)
    assert [(r.id[-6:], round(r.typical_kw, 1)) for r in result.records] == [("site-1", 10.0), ("site-2", 5.0),
                                                                            ("site-4", 3.0)]  # fmt: skip
    assert result.rejected == ("urn:ngsi-ld:ACMeasurement:site-3 : aucune consommation typique (ni « typical_kw » "
                               "ni référence annuelle)",)  # fmt: skip
    assert result.fetched_at == datetime(2026, 11, 25, 7, 55, tzinfo=UTC)


# --- Car parks: capacities from two static datasets, occupancy from a live one -----------------------------

LIVE_PATH = "/api/explore/v2.1/catalog/datasets/occupation-parkings-temps-reel"
GARAGES_PATH = "/api/explore/v2.1/catalog/datasets/parcs-de-stationnement"
RELAIS_PATH = "/api/explore/v2.1/catalog/datasets/parkings-relais"
LIVE_FIELDS = {"id": "idsurfs", "name": "nom_parking", "free": "libre", "updated_at": "date_maj"}
REFERENCE_FIELDS = {"id": "id", "name": "nom", "lon": "geo_point_2d.lon", "lat": "geo_point_2d.lat",
                    "capacity": "nb_voitures"}  # fmt: skip


def garages() -> list[dict]:
    return [
        {"id": "1", "nom": "Capitole", "nb_places": 760, "nb_voitures": 748,
         "geo_point_2d": {"lon": 1.4440, "lat": 43.6045}, "type_ouvrage": "Enterré", "gestionnaire": "INDIGO"},
        {"id": "2", "nom": "Jeanne d'Arc", "nb_places": 380, "nb_voitures": 370,
         "geo_point_2d": {"lon": 1.4457, "lat": 43.6116}, "type_ouvrage": "Enterré", "gestionnaire": "INDIGO"},
        {"id": "3", "nom": "Victor Hugo", "nb_places": 390, "nb_voitures": 385,
         "geo_point_2d": {"lon": 1.4466, "lat": 43.6077}, "type_ouvrage": "Aérien", "gestionnaire": "TM"},
    ]  # fmt: skip


def relais() -> list[dict]:
    return [
        {"nom": "P+R Balma-Gramont", "commune": "Balma", "insee": "31044", "nb_places": 900, "nb_voitures": 866,
         "geo_point_2d": {"lon": 1.4829, "lat": 43.6289}, "gestionnaire": "Tisséo"},
    ]  # fmt: skip


def live(updated: str = "2026-11-25T07:58:00+00:00") -> list[dict]:
    return [
        {"idsurfs": "S1", "nom_parking": "PARKING CAPITOLE", "etat": 1, "libre": 48, "total": 748, "date_maj": updated},
        {"idsurfs": "S2", "nom_parking": "Parking Jeanne d’Arc", "etat": 1, "libre": 70, "date_maj": updated},
        {"idsurfs": "S3", "nom_parking": "Balma Gramont", "etat": 1, "libre": 466, "date_maj": updated},
        {"idsurfs": "S9", "nom_parking": "Parking Fantôme", "etat": 1, "libre": 3, "date_maj": updated},
    ]


def parking_source(feed_server) -> JoinedSource:
    serve_ods_rows(feed_server, LIVE_PATH, live())
    serve_ods_rows(feed_server, GARAGES_PATH, garages())
    serve_ods_rows(feed_server, RELAIS_PATH, relais())

    park_and_ride = {"site_type": "park_and_ride"}

    def ods(name, path, fields, values=None):
        url = feed_server.url + path
        return OpendatasoftSource(name, "parking", url, fields=fields, values=values, client=_client())

    return JoinedSource(
        ods("occupation", LIVE_PATH, LIVE_FIELDS),
        [
            Reference(ods("parcs-de-stationnement", GARAGES_PATH, REFERENCE_FIELDS), on="name"),
            Reference(ods("parkings-relais", RELAIS_PATH, REFERENCE_FIELDS, park_and_ride), on="name"),
        ],
    )


def test_occupancy_joins_capacities_by_name_and_counts_what_matches_nothing(feed_server):
    source = parking_source(feed_server)
    result = source.fetch(NOW)
    assert [(r.id, r.name, r.capacity, r.occupied, r.lon, r.site_type) for r in result.records] == [
        ("S1", "PARKING CAPITOLE", 748, 700, 1.4440, "garage"),  # live values win: the name is the live one
        ("S2", "Parking Jeanne d’Arc", 370, 300, 1.4457, "garage"),
        ("S3", "Balma Gramont", 866, 400, 1.4829, "park_and_ride"),
    ]
    assert result.rejected == (
        "S9 : aucune correspondance dans les références (parcs-de-stationnement par name « Parking Fantôme », "
        "parkings-relais par name « Parking Fantôme »)",
    )
    assert result.fetched_at == datetime(2026, 11, 25, 7, 58, tzinfo=UTC)


def test_references_are_read_again_only_after_their_refresh(feed_server):
    source = parking_source(feed_server)
    source.fetch(NOW)
    source.fetch(NOW + timedelta(minutes=5))
    reads = [hit.path for hit in feed_server.hits if hit.path.startswith(GARAGES_PATH)]
    assert len(reads) == 1
    # The reference breaks: its last copy keeps serving; read again a day later, it is retried and kept.
    feed_server.route(f"{GARAGES_PATH}/records", Reply(500, b"boom"))
    result = source.fetch(NOW + timedelta(days=1, minutes=1))
    assert len(result.records) == 3
    # A source that never read its reference fails the fetch with the reason.
    with pytest.raises(SourceError, match="référence parcs-de-stationnement illisible : erreur du serveur"):
        parking_source_fresh = JoinedSource(source.primary, source.references)
        feed_server.route(f"{GARAGES_PATH}/records", Reply(500, b"boom"))
        parking_source_fresh.fetch(NOW)


def test_nearest_position_join_within_its_distance(feed_server):
    serve_ods_rows(feed_server, GARAGES_PATH, garages())
    near = {"id": "x", "name": "?", "lon": 1.4443, "lat": 43.6046, "free": 10}  # about 25 m from Capitole
    far = {"id": "y", "name": "?", "lon": 1.4700, "lat": 43.6300, "free": 10}
    feed_server.route("/live.geojson", json_reply({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}, "properties": r}
        for r in (near, far)
    ]}))  # fmt: skip
    fields = {"id": "properties.id", "name": "properties.name", "free": "properties.free",
              "lon": "geometry.coordinates.0", "lat": "geometry.coordinates.1"}  # fmt: skip
    live_feed = GeoJsonSource("live", "parking", feed_server.url + "/live.geojson", fields=fields, client=_client())
    garages_feed = OpendatasoftSource(
        "garages", "parking", feed_server.url + GARAGES_PATH, fields=REFERENCE_FIELDS, client=_client()
    )
    result = JoinedSource(live_feed, [Reference(garages_feed, on="nearest", max_distance_m=100)]).fetch(NOW)
    assert [(r.id, r.capacity, r.occupied) for r in result.records] == [("x", 748, 738)]
    assert result.rejected == ("y : aucune correspondance dans les références (garages par position à moins de 100 m)",)


# --- Lambert-93 -----------------------------------------------------------------------------------------------


def test_lambert93_coordinates_are_converted_before_the_area_check(feed_server):
    x, y = TO_LAMBERT93.transform(1.4440, 43.6045)  # Capitole
    assert 574_000 < x < 575_500 and 6_279_000 < y < 6_280_500  # Lambert-93 metres, as the city's files give
    rows = [{"id": "1", "nom": "Capitole", "x": x, "y": y, "nb_voitures": 748, "libres": 48},
            {"id": "2", "nom": "Ailleurs", "x": "n/a", "y": y, "nb_voitures": 10, "libres": 1}]  # fmt: skip
    serve_ods_rows(feed_server, GARAGES_PATH, rows)
    fields = {"lon": "x", "lat": "y", "name": "nom", "capacity": "nb_voitures", "free": "libres"}
    url = feed_server.url + GARAGES_PATH
    source = OpendatasoftSource("l93", "parking", url, fields=fields, crs="EPSG:2154", client=_client())
    result = source.fetch(NOW)
    (record,) = result.records
    assert (record.lon, record.lat) == (pytest.approx(1.4440, abs=1e-7), pytest.approx(43.6045, abs=1e-7))
    assert result.rejected == ("2 : « lon » n'est pas un nombre ('n/a')",)
    # Without the crs, the same metres are far outside the Métropole.
    plain = OpendatasoftSource("l93", "parking", url, fields=fields, client=_client()).fetch(NOW)
    assert plain.records == () and plain.rejected[0].startswith("1 : hors de la zone couverte (574")


def test_the_crs_and_references_are_checked_at_start_up(tmp_path):
    config = tmp_path / "cityops.toml"
    config.write_text(
        '[[sources]]\nname = "a"\nformat = "opendatasoft"\nlayer = "parking"\nurl = "https://x.example/d"\n'
        'crs = "EPSG:99999"\n'
        '[[sources]]\nname = "b"\nformat = "ngsi-ld"\nlayer = "energy"\nurl = "https://x.example/e"\n'
        '[[sources.references]]\nname = "ore"\nformat = "opendatasoft"\nurl = "https://x.example/o"\n'
        'on = "commune"\nfields = { places = "nb" }\n'
        '[[sources]]\nname = "c"\nformat = "geojson"\nlayer = "nacelles"\nurl = "/srv/nacelles.geojson"\n'
        'statuses = { "hors service" = "broken" }\n'
    )
    with pytest.raises(ConfigError) as err:
        load_settings({"CITYOPS_CONFIG": str(config)})
    message = str(err.value)
    assert "CITYOPS_SOURCES[0.crs]" in message and "unknown coordinate reference system 'EPSG:99999'" in message
    assert "CITYOPS_SOURCES[1]" in message and "unknown field(s) places for layer energy" in message
    assert "CITYOPS_SOURCES[2]" in message and "unknown status(es) broken for layer nacelles" in message
    config.write_text(
        '[[sources]]\nname = "c"\nformat = "geojson"\nlayer = "nacelles"\nurl = "/srv/nacelles.geojson"\n'
        'crs = "EPSG:2154"\nstatuses = { "hors service" = "closed" }\n'
    )
    (source,) = [build_source(s) for s in load_settings({"CITYOPS_CONFIG": str(config)}).sources]
    assert isinstance(source, GeoJsonSource) and source.crs == "EPSG:2154"
    assert source.statuses["hors service"] == "closed" and source.statuses["ouverte"] == "open"


# --- The feed's own time --------------------------------------------------------------------------------------


def test_a_feed_whose_data_is_two_hours_old_shows_as_stale(store, redis_client, feed_server):
    rows = [{**row, "date_maj": (NOW - timedelta(hours=2)).isoformat()} for row in live()[:1]]
    rows[0].update(lon=1.4440, lat=43.6045)
    serve_ods_rows(feed_server, LIVE_PATH, rows)
    fields = {**LIVE_FIELDS, "capacity": "total", "lon": "lon", "lat": "lat"}
    source = OpendatasoftSource("occupation", "parking", feed_server.url + LIVE_PATH, fields=fields, client=_client())
    job = _job(store, redis_client, source)
    job.run_once()
    overview = store.overview(["parking"])["parking"]
    assert overview.status.state is SourceState.OK  # the feed answered well...
    assert overview.head.fetched_at == NOW - timedelta(hours=2)
    badge = freshness(LAYERS["parking"], overview, NOW, "fr")
    assert badge.state == "stale"  # ...with data the publisher last updated two hours ago
    # Fresh data from the same feed is not stale.
    rows[0]["date_maj"] = (NOW - timedelta(minutes=2)).isoformat()
    serve_ods_rows(feed_server, LIVE_PATH, rows)
    job.run_once()
    assert freshness(LAYERS["parking"], store.overview(["parking"])["parking"], NOW, "fr").state == "ok"
