"""Each format adapter over real HTTP to a local feed server: generated feeds and the published samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.models import ReportPersonal, ReportStatus
from dashboard.rows import BBox
from dashboard.sources import SourceError
from dashboard.sources.http import FeedClient
from dashboard.sources.ngsi_ld import NgsiLdSource
from dashboard.sources.open311 import Open311Source, quote_leading_zeros
from dashboard.sources.opendatasoft import OpendatasoftSource
from tests.feed_server import Reply, json_reply
from tests.shared_data import FEED_SAMPLES

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WORLD = BBox(-180, -90, 180, 90)  # the samples are from Porto, Ghent and Eindhoven, not Toulouse
ODS_PATH = "/api/explore/v2.1/catalog/datasets/parkings"


def _sample(relative: str) -> bytes:
    path = FEED_SAMPLES / relative
    if not path.exists():
        pytest.skip(f"feed sample not found ({path}); samples are expected in ../shared/feeds/samples")
    return path.read_bytes()


def _client() -> FeedClient:
    return FeedClient(timeout=2, retries=0)


def ods_parking_rows(count: int) -> list[dict]:
    """Car parks in the national schema's field names, spread over the centre of Toulouse."""
    return [
        {
            "id": f"p{i}",
            "nom": f"Parking {i}",
            "geo_point_2d": {"lon": 1.40 + (i % 100) * 0.001, "lat": 43.58 + (i // 100) * 0.0001},
            "nb_places": 200,
            "places_disponibles": i % 200,
        }
        for i in range(count)
    ]


def serve_ods(feed_server, rows: list[dict]) -> None:
    """An Explore v2.1 dataset: `records` paginated as the API does it, and `exports/json`."""

    def records(hit):
        limit, offset = int(hit.query["limit"]), int(hit.query["offset"])
        if limit > 100 or offset + limit > 10_000:
            return Reply(400, b'{"error_code": "InvalidRESTParameterError", "message": "limite de pagination"}')
        return json_reply({"total_count": len(rows), "results": rows[offset : offset + limit]})

    feed_server.route(f"{ODS_PATH}/records", records)
    feed_server.route(f"{ODS_PATH}/exports/json", json_reply(rows))


def test_opendatasoft_pages_through_records(feed_server):
    serve_ods(feed_server, ods_parking_rows(250))
    result = OpendatasoftSource("ods", "parking", feed_server.url + ODS_PATH, client=_client()).fetch(NOW)
    assert len(result.records) == 250 and result.rejected == ()
    assert result.records[7].occupied == 193
    assert [hit.query["offset"] for hit in feed_server.hits] == ["0", "100", "200"]


def test_opendatasoft_switches_to_the_export_past_ten_thousand_rows(feed_server):
    serve_ods(feed_server, ods_parking_rows(10_050))
    result = OpendatasoftSource("ods", "parking", feed_server.url + ODS_PATH, client=_client()).fetch(NOW)
    assert len(result.records) == 10_050
    assert [hit.path.rsplit("/", 1)[-1] for hit in feed_server.hits] == ["records", "json"]


def test_opendatasoft_v1_sample_maps_through_the_configured_fields(feed_server):
    # The sample holds 2 of its 12 hits: a short page, so the last one read.
    feed_server.route("/api/records/1.0/search/", Reply(200, _sample("ods/v1/python-odp-gent-garages.json")))
    fields = {
        "id": "id",
        "name": "name",
        "lon": "locationanddimension.coordinatesForDisplay.longitude",
        "lat": "locationanddimension.coordinatesForDisplay.latitude",
        "capacity": "totalcapacity",
        "free": "availablecapacity",
        "updated_at": "lastupdate",
    }
    url = f"{feed_server.url}/api/records/1.0/search/?dataset=bezetting-parkeergarages-real-time"
    source = OpendatasoftSource("gent", "parking", url, fields=fields, client=_client(), bbox=WORLD)
    result = source.fetch(NOW)
    assert result.rejected == ()
    assert [(r.name, r.capacity, r.occupied) for r in result.records] == [
        ("Sint-Michiels", 315, 315 - 181),
        ("Reep", 439, 439 - 174),
    ]
    assert feed_server.hits[0].query == {"dataset": "bezetting-parkeergarages-real-time", "rows": "100", "start": "0"}
    # Outside Toulouse the same records are rejected, each with its reason.
    source = OpendatasoftSource("gent", "parking", url, fields=fields, client=_client())
    rejected = source.fetch(NOW).rejected
    assert len(rejected) == 2 and all("hors de la zone couverte" in reason for reason in rejected)


def open311_requests(count: int, days: float = 90) -> list[dict]:
    """Requests spread evenly over the last `days`, in GeoReport v2 fields, open and closed."""
    step = timedelta(days=days) / count
    out = []
    for i in range(count):
        when = NOW - timedelta(days=days) + step * (i + 0.5)
        out.append(
            {
                "service_request_id": str(100000 + i),
                "status": ["open", "closed", "In Progress"][i % 3],
                "service_name": ["Propreté", "Stationnement gênant"][i % 2],
                "service_code": "PR" if i % 2 == 0 else "ST",
                "requested_datetime": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "updated_datetime": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "lat": 43.55 + (i % 200) * 0.001,
                "long": 1.35 + (i % 250) * 0.001,
                "description": "texte libre",
            }
        )
    return out


def serve_open311(feed_server, requests: list[dict], cap: int) -> None:
    """A GeoReport v2 server that answers at most `cap` requests per query, as real ones do."""

    def handler(hit):
        start = datetime.fromisoformat(hit.query["start_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(hit.query["end_date"].replace("Z", "+00:00"))
        statuses = {"open": {"open", "In Progress"}, "closed": {"closed"}}
        wanted = set().union(*(statuses[s] for s in hit.query["status"].split(",")))
        chosen = [
            r
            for r in requests
            if start <= datetime.fromisoformat(r["requested_datetime"]) <= end and r["status"] in wanted
        ]
        return json_reply(chosen[:cap])

    feed_server.route("/open311/v2/requests.json", handler)


def test_open311_splits_capped_windows_and_loses_nothing(feed_server):
    requests = open311_requests(600)
    serve_open311(feed_server, requests, cap=100)
    url = feed_server.url + "/open311/v2"
    source = Open311Source("allo", url, layer="reports", window=timedelta(days=30), cap=100, client=_client())
    result = source.fetch(NOW)
    assert result.rejected == ()
    assert sorted(r.id for r in result.records) == sorted(r["service_request_id"] for r in requests)
    statuses = {r.id: r.status for r in result.records}
    assert [statuses[str(100000 + i)] for i in range(3)] == [
        ReportStatus.NEW,
        ReportStatus.CLOSED,
        ReportStatus.IN_PROGRESS,
    ]
    windows = [hit.query for hit in feed_server.hits]
    assert all(q["status"] == "open,closed" for q in windows)
    assert len(windows) > 3  # three 30-day windows, each split at least once


def test_open311_gives_up_on_a_window_that_cannot_be_split(feed_server):
    feed_server.route("/open311/v2/requests.json", json_reply(open311_requests(10)))
    source = Open311Source("allo", feed_server.url + "/open311/v2", layer="reports", cap=10, client=_client())
    with pytest.raises(SourceError, match="plus de 10 demandes en moins d'une minute"):
        source.fetch(NOW)


def test_open311_specification_example_maps_despite_its_leading_zeros(feed_server):
    # The specification's own example is not valid JSON (`"service_code":006`): served unrepaired, it maps.
    body = _sample("open311-georeport-v2/requests-example.json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    feed_server.route("/open311/v2/requests.json", Reply(200, body))
    source = Open311Source(
        "spec",
        feed_server.url + "/open311/v2",
        layer="reports",
        lookback=timedelta(days=6000),
        window=timedelta(days=6000),
        client=_client(),
        bbox=WORLD,
    )
    result = source.fetch(NOW)
    assert result.rejected == ()
    assert [(r.id, r.status, r.category) for r in result.records] == [
        ("638344", ReportStatus.CLOSED, "Sidewalk and Curb Issues"),
        ("638349", ReportStatus.NEW, "Sidewalk and Curb Issues"),
    ]
    assert result.records[0].created_at == datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)
    # In Toulouse's area the same requests are refused, each with its reason (San Francisco is far away).
    source.bbox = BBox(1.2038, 43.5167, 1.6318, 43.7672)
    assert all("hors de la zone couverte" in reason for reason in source.fetch(NOW).rejected)


def test_open311_specification_xml_example_maps_like_the_json_one(feed_server):
    body = _sample("open311-georeport-v2/requests-example.xml")
    feed_server.route("/open311/v2/requests.xml", Reply(200, body, {"Content-Type": "text/xml"}))
    week = timedelta(days=6000)
    url = feed_server.url + "/open311/v2/requests.xml"
    result = Open311Source(
        "spec", url, layer="reports", lookback=week, window=week, client=_client(), bbox=WORLD
    ).fetch(NOW)
    assert result.rejected == ()
    assert [(r.id, r.status, r.category, r.lat) for r in result.records] == [
        ("638344", ReportStatus.CLOSED, "Sidewalk and Curb Issues", 37.762221815),
        ("638349", ReportStatus.NEW, "Sidewalk and Curb Issues", 37.762221815),
    ]
    assert result.personal["638344"].status_notes == "Duplicate request."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"service_request_id": 1, "service_code": 006, "x', "JSON tronqué"),  # the repair fixes one defect only
        (b'[{"service_request_id": 1, "status": "open" "x": 2}]', "JSON invalide"),
        (b'[{"service_name": "a, 007, b", "x": 1,}]', "JSON invalide"),  # zeros inside a string: not touched
    ],
)
def test_open311_repair_leaves_other_defects_as_errors(feed_server, body, message):
    feed_server.route("/open311/v2/requests.json", Reply(200, body))
    source = Open311Source(
        "spec", feed_server.url + "/open311/v2", layer="reports", window=timedelta(days=90), client=_client()
    )
    with pytest.raises(SourceError, match=message):
        source.fetch(NOW)


def test_quote_leading_zeros_only_touches_bare_numbers():
    assert quote_leading_zeros(b'{"a":006,"b":[01, 2],"c":0.5,"d":0,"e":"x:007,"}') == (
        b'{"a":"006","b":["01", 2],"c":0.5,"d":0,"e":"x:"007","}'
    )


@pytest.mark.parametrize(
    "sample", ["example.json", "example-normalized.json", "example.jsonld", "example-normalized.jsonld"]
)
def test_ngsi_ld_offstreetparking_samples_in_every_representation(feed_server, sample):
    body = _sample(f"sdm-parking-offstreetparking/{sample}")
    feed_server.route("/ngsi-ld/v1/entities", Reply(200, body, {"Content-Type": "application/ld+json"}))
    source = NgsiLdSource("porto", "parking", feed_server.url + "/ngsi-ld/v1/entities", client=_client(), bbox=WORLD)
    result = source.fetch(NOW)
    assert result.rejected == ()
    (record,) = result.records
    assert record.id.endswith("porto-ParkingLot-23889")
    assert (record.name, record.capacity, record.occupied) == ("Parque de estacionamento Trindade", 414, 282)
    assert (record.lon, record.lat) == (-8.60961198807, 41.150691773)


def test_ngsi_ld_broker_pages_mixed_representations(feed_server):
    keyvalues = {
        "id": "urn:ngsi-ld:OffStreetParking:capitole",
        "type": "OffStreetParking",
        "name": "Capitole",
        "location": {"type": "Point", "coordinates": [1.4440, 43.6045]},
        "totalSpotNumber": 748,
        "availableSpotNumber": 48,
        "observationDateTime": "2026-11-25T07:58:00Z",
    }
    normalized = {
        "id": "urn:ngsi-ld:OffStreetParking:carmes",
        "type": "OffStreetParking",
        "name": {"type": "Property", "value": "Carmes"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1.4455, 43.5977]}},
        "totalSpotNumber": {"type": "Property", "value": 420},
        "occupiedSpotNumber": {"type": "Property", "value": 400, "observedAt": "2026-11-25T07:59:00Z"},
        "observationDateTime": {"type": "Property", "value": {"@type": "DateTime", "@value": "2026-11-25T07:59:00Z"}},
    }
    feed_server.route("/ngsi-ld/v1/entities", json_reply([keyvalues, normalized]))
    url = feed_server.url + "/ngsi-ld/v1/entities"
    source = NgsiLdSource("broker", "parking", url, params={"type": "OffStreetParking"}, client=_client())
    result = source.fetch(NOW)
    assert [(r.name, r.occupied) for r in result.records] == [("Capitole", 700), ("Carmes", 400)]
    assert feed_server.hits[0].query == {"type": "OffStreetParking", "limit": "1000", "offset": "0"}


def test_open311_free_text_address_and_photo_are_kept_apart_and_the_reporter_is_never_read(feed_server):
    request = {
        **open311_requests(1)[0],
        "description": "  Dépôt sauvage devant le 3 rue des Lois  ",
        "status_notes": "Équipe propreté prévenue",
        "address": "3 rue des Lois, Toulouse",
        "agency_responsible": "Direction de la propreté",
        "media_url": "https://photos.example.org/1.jpg",
        "first_name": "Camille",
        "last_name": "Durand",
        "email": "camille.durand@example.org",
        "phone": "+33 6 12 34 56 78",
    }
    bare = {**open311_requests(2)[1], "description": {"not": "text"}}  # a malformed free text is not a reason
    feed_server.route("/open311/v2/requests.json", json_reply([request, bare]))
    result = Open311Source("allo", feed_server.url + "/open311/v2", layer="reports", client=_client()).fetch(NOW)
    assert result.rejected == () and len(result.records) == 2
    assert result.personal == {
        request["service_request_id"]: ReportPersonal(
            description="Dépôt sauvage devant le 3 rue des Lois",
            status_notes="Équipe propreté prévenue",
            address="3 rue des Lois, Toulouse",
            agency_responsible="Direction de la propreté",
            photo_url="https://photos.example.org/1.jpg",
        )
    }
    everything = repr(result)
    for reporter in ("Camille", "Durand", "camille.durand@example.org", "+33 6 12 34 56 78"):
        assert reporter not in everything
