"""Feeds as real servers emit them, through a local feed server, the real collector job and a real Redis:
payloads shaped like published variants of each format (vendor GBFS, GBFS 3.0, Open311 in XML or wrapped,
localised numbers, v1 Opendatasoft points, date-only fields, redirects to another host)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dashboard import keys
from dashboard.collectors.job import SourceJob
from dashboard.freshness import freshness
from dashboard.layers import LAYERS
from dashboard.models import BikeStationStatus, ReportStatus, SourceState
from dashboard.settings import SourceSettings
from dashboard.sources.base import Source
from dashboard.sources.configured import build_source
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.http import FeedClient
from dashboard.sources.open311 import Open311Source
from dashboard.sources.opendatasoft import OpendatasoftSource
from dashboard.store import LeaderLock
from tests.feed_server import Reply, json_reply
from tests.test_bike_feeds import toulouse_stations
from tests.test_feed_adapters import ods_parking_rows

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ODS_PATH = "/api/explore/v2.1/catalog/datasets/parkings"


def _client(**options) -> FeedClient:
    return FeedClient(timeout=2, retries=0, **options)


def run_job(store, redis_client, source: Source) -> SourceJob:
    """One fetch of `source` by the real collector job, written to the real store."""
    leader = LeaderLock(redis_client, keys.leader(source.layer, source.name), ttl_seconds=30)
    assert leader.hold()
    job = SourceJob(
        source,
        LAYERS[source.layer],
        store,
        leader,
        interval=30,
        jitter_ratio=0,
        backoff_max=600,
        writer="test:1",
        clock=lambda: NOW,
        rng=random.Random(0),
    )
    job.run_once()
    return job


def badge_state(store, layer: str) -> str:
    """The freshness state a person sees on the layer's badge at NOW."""
    overview = store.overview([layer])[layer]
    return freshness(LAYERS[layer], overview, NOW, "fr").state


# --- 3. old data is never shown as fresh ------------------------------------------------------------------------


def serve_station_files(feed_server, information: list[dict], status: list[dict], envelope: dict) -> str:
    """station_information.json and station_status.json with the given envelope; the first one's URL."""
    folder = "/gbfs/vendor"
    feed_server.route(f"{folder}/station_information.json", json_reply({**envelope, "data": {"stations": information}}))
    feed_server.route(f"{folder}/station_status.json", json_reply({**envelope, "data": {"stations": status}}))
    return feed_server.url + f"{folder}/station_information.json"


def test_gbfs_without_last_updated_is_dated_by_its_newest_station(store, redis_client, feed_server):
    information, status = toulouse_stations(4)
    captured = NOW - timedelta(days=730)  # a capture two years old, served by a vendor without last_updated
    for i, station in enumerate(status):
        station["last_reported"] = int((captured - timedelta(minutes=i)).timestamp())
    url = serve_station_files(feed_server, information, status, {"ttl": 60})
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    assert store.snapshot("bikes").fetched_at == captured
    assert badge_state(store, "bikes") == "stale"


def test_gbfs_last_updated_in_the_future_is_flagged_never_taken_as_now(store, redis_client, feed_server):
    information, status = toulouse_stations(3)
    reported = NOW - timedelta(hours=2)
    for station in status:
        station["last_reported"] = int(reported.timestamp())
    ahead = {"last_updated": int((NOW + timedelta(days=2)).timestamp()), "ttl": 60}
    url = serve_station_files(feed_server, information, status, ahead)
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    assert store.snapshot("bikes").fetched_at == reported
    status_now = store.status("bikes")
    assert status_now.state is SourceState.OK
    assert "« last_updated » dans le futur" in status_now.sample_rejection
    assert badge_state(store, "bikes") == "stale"


# --- 4. GBFS 3.0 ------------------------------------------------------------------------------------------------


def gbfs_3_files(feed_server, count: int) -> str:
    """A GBFS 3.0 system: discovery without languages, RFC 3339 times, localised names, renamed counts."""
    folder = "/gbfs/v3"
    reported = (NOW - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    envelope = {"last_updated": "2026-11-25T08:59:30+01:00", "ttl": 60, "version": "3.0"}
    information = [
        {
            "station_id": f"s{i}",
            "name": [{"text": f"Station {i}", "language": "fr"}, {"text": f"Station {i} (en)", "language": "en"}],
            "lat": 43.60 + i * 0.001,
            "lon": 1.44 + i * 0.001,
            "capacity": 20,
        }
        for i in range(count)
    ]
    status = [
        {
            "station_id": f"s{i}",
            "num_vehicles_available": i + 1,
            "vehicle_types_available": [{"vehicle_type_id": "bike", "count": i + 1}],
            "num_docks_available": 10 - i,
            "is_installed": True,
            "is_renting": i != 1,
            "is_returning": True,
            "last_reported": reported,
        }
        for i in range(count)
    ]
    feeds = [
        {"name": "station_information", "url": f"{feed_server.url}{folder}/station_information.json"},
        {"name": "station_status", "url": f"{feed_server.url}{folder}/station_status.json"},
    ]
    feed_server.route(f"{folder}/gbfs.json", json_reply({**envelope, "data": {"feeds": feeds}}))
    feed_server.route(f"{folder}/station_information.json", json_reply({**envelope, "data": {"stations": information}}))
    feed_server.route(f"{folder}/station_status.json", json_reply({**envelope, "data": {"stations": status}}))
    return feed_server.url + f"{folder}/gbfs.json"


def test_gbfs_3_renamed_fields_are_mapped_by_default(store, redis_client, feed_server):
    url = gbfs_3_files(feed_server, 3)
    run_job(store, redis_client, GbfsSource("velo", "bikes", url, client=_client()))

    snapshot = store.snapshot("bikes")
    stations = {r.id: r for r in snapshot.records}
    assert store.status("bikes").records_rejected == 0
    assert [(stations[s].name, stations[s].bikes_available, stations[s].docks_available) for s in sorted(stations)] == [
        ("Station 0", 1, 10),
        ("Station 1", 2, 9),
        ("Station 2", 3, 8),
    ]
    assert stations["s1"].status is BikeStationStatus.NOT_RENTING
    assert stations["s0"].last_reported == NOW - timedelta(minutes=3)
    assert snapshot.fetched_at == datetime(2026, 11, 25, 7, 59, 30, tzinfo=UTC)  # last_updated, RFC 3339


# --- 6. numbers, byte-order marks, v1 points, date-only dates ------------------------------------------------------


def car_park(i: int, total, available) -> dict:
    """An OffStreetParking entity in keyValues form, its counts as the publisher typed them."""
    return {
        "id": f"urn:ngsi-ld:OffStreetParking:p{i}",
        "type": "OffStreetParking",
        "name": f"Parc {i}",
        "location": {"type": "Point", "coordinates": [1.44 + i * 0.001, 43.60]},
        "totalSpotNumber": total,
        "availableSpotNumber": available,
    }


def test_a_thousands_separator_is_never_read_as_a_decimal_comma(store, redis_client, feed_server):
    entities = [car_park(0, "1,200", "1,050"), car_park(1, "1,5", "1"), car_park(2, "1 200", "300")]
    feed_server.route("/ngsi-ld/v1/entities", json_reply(entities))
    config = SourceSettings(
        name="parcs", format="ngsi-ld", layer="parking", url=feed_server.url + "/ngsi-ld/v1/entities"
    )
    run_job(store, redis_client, build_source(config))

    parks = {r.name: r for r in store.snapshot("parking").records}
    assert (parks["Parc 0"].capacity, parks["Parc 0"].occupied) == (1200, 150)  # not 1.2 places
    assert parks["Parc 2"].capacity == 1200
    status = store.status("parking")
    assert status.records_rejected == 1
    assert "« capacity » illisible avec le séparateur décimal « . », à préciser par decimal_separator (« 1,5 »)" in (
        status.sample_rejection
    )


def test_opendatasoft_reads_decimal_commas_by_default_and_points_when_told(feed_server):
    rows = [{"id": "e0", "nom": "Mairie", "geo_point_2d": {"lon": 1.44, "lat": 43.6}, "kw": "12,5", "ref": "1 500,25"}]
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": 1, "results": rows}))
    fields = {"id": "id", "name": "nom", "lon": "geo_point_2d.lon", "lat": "geo_point_2d.lat"}
    fields |= {"power_kw": "kw", "typical_kw": "ref"}
    french = SourceSettings(
        name="ods", format="opendatasoft", layer="energy", url=feed_server.url + ODS_PATH, fields=fields
    )
    (record,) = build_source(french).fetch(NOW).records
    assert (record.power_kw, record.typical_kw) == (12.5, 1500.25)

    rows[0].update(kw="1,250", ref="1,500.25")  # the same dataset from an English-speaking portal
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": 1, "results": rows}))
    english = french.model_copy(update={"decimal_separator": "."})
    (record,) = build_source(english).fetch(NOW).records
    assert (record.power_kw, record.typical_kw) == (1250.0, 1500.25)


def test_opendatasoft_v1_points_and_a_byte_order_mark(store, redis_client, feed_server):
    records = [
        {
            "fields": {
                "id": f"p{i}",
                "nom": f"Parking {i}",
                "geo_point_2d": [43.60, lon],
                "nb_places": 200,
                "places_disponibles": 20 * i,
            }
        }
        for i, lon in enumerate((1.44, 1.441, 1.442))
    ]
    body = "\ufeff" + json.dumps({"nhits": 3, "records": records})  # as saved by a Windows tool
    feed_server.route("/api/records/1.0/search/", Reply(200, body.encode(), {"Content-Type": "application/json"}))
    url = f"{feed_server.url}/api/records/1.0/search/?dataset=parkings"
    run_job(store, redis_client, OpendatasoftSource("ods", "parking", url, client=_client()))

    parks = store.snapshot("parking").records
    assert [(r.id, r.lon, r.lat, r.occupied) for r in parks] == [
        ("p0", 1.44, 43.60, 200),
        ("p1", 1.441, 43.60, 180),
        ("p2", 1.442, 43.60, 160),
    ]


def test_a_date_only_field_is_midnight_in_paris(store, redis_client, feed_server):
    rows = [
        {
            "id": f"p{i}",
            "nom": f"Parking {i}",
            "geo_point_2d": {"lon": 1.44, "lat": 43.6 + i * 0.001},
            "nb_places": 100,
            "places_disponibles": 10,
            "date_maj": f"2026-11-{23 + i}",
        }
        for i in range(3)
    ]
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": 3, "results": rows}))
    source = OpendatasoftSource(
        "ods", "parking", feed_server.url + ODS_PATH, fields={"updated_at": "date_maj"}, client=_client()
    )
    run_job(store, redis_client, source)

    snapshot = store.snapshot("parking")
    assert len(snapshot.records) == 3 and store.status("parking").records_rejected == 0
    assert snapshot.fetched_at == datetime(2026, 11, 25, tzinfo=ZoneInfo("Europe/Paris"))  # 2026-11-24 23:00 UTC


# --- 5. Open311 in all its shapes ----------------------------------------------------------------------------------


def georeport_requests() -> list[dict[str, str]]:
    """Four requests in Toulouse, with FixMyStreet-like and vendor statuses."""
    statuses = ["open", "planned", "en attente", "in progress"]
    return [
        {
            "service_request_id": f"r{i}",
            "status": status,
            "service_name": "Propreté",
            "service_code": "006",
            "description": "",
            "requested_datetime": "2026-11-24T09:00:00+01:00",
            "updated_datetime": "2026-11-24T10:00:00+01:00",
            "address": f"{i} rue d'Alsace-Lorraine",
            "lat": f"43.60{i}",
            "long": f"1.44{i}",
        }
        for i, status in enumerate(statuses)
    ]


def as_georeport_xml(requests: list[dict[str, str]]) -> bytes:
    """GeoReport v2's XML shape: <service_requests><request><field>text</field>…</request>…</service_requests>."""
    items = "".join(
        "<request>" + "".join(f"<{k}>{v}</{k}>" if v else f"<{k}/>" for k, v in r.items()) + "</request>"
        for r in requests
    )
    return f'<?xml version="1.0" encoding="utf-8"?>\n<service_requests>{items}</service_requests>'.encode()


def open311(url: str, **options) -> Open311Source:
    week = timedelta(days=7)
    statuses = {"en attente": "acknowledged"}
    return Open311Source(
        "allo", url, layer="reports", lookback=week, window=week, statuses=statuses, client=_client(), **options
    )


def test_open311_requests_wrapped_in_an_object_are_read(store, redis_client, feed_server):
    feed_server.route("/open311/v2/requests.json", json_reply({"service_requests": georeport_requests()}))
    run_job(store, redis_client, open311(feed_server.url + "/open311/v2"))

    reports = {r.id: r.status for r in store.snapshot("reports").records}
    assert reports == {
        "r0": ReportStatus.NEW,
        "r1": ReportStatus.IN_PROGRESS,  # FixMyStreet's « planned »
        "r2": ReportStatus.ACKNOWLEDGED,  # a vendor word, through the source's statuses table
        "r3": ReportStatus.IN_PROGRESS,
    }


def test_open311_xml_from_an_xml_url(store, redis_client, feed_server):
    requests = georeport_requests()
    requests[3]["status"] = "suspendu"  # a vendor word nobody mapped
    xml = Reply(200, as_georeport_xml(requests), {"Content-Type": "text/xml; charset=utf-8"})
    feed_server.route("/open311/v2/requests.xml", xml)
    run_job(store, redis_client, open311(feed_server.url + "/open311/v2/requests.xml"))

    assert {hit.path for hit in feed_server.hits} == {"/open311/v2/requests.xml"}
    snapshot = store.snapshot("reports")
    assert sorted(r.id for r in snapshot.records) == ["r0", "r1", "r2"]
    assert snapshot.records[0].lat == 43.600 and snapshot.records[0].lon == 1.440
    assert store.personal("reports", "r1").address == "1 rue d'Alsace-Lorraine"
    status = store.status("reports")
    assert status.records_rejected == 1
    assert "r3 : statut « suspendu » inconnu : à traduire dans « statuses »" in status.sample_rejection


def test_open311_xml_with_entity_declarations_is_refused(store, redis_client, feed_server):
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE service_requests [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b"<service_requests><request><service_request_id>&b;</service_request_id></request></service_requests>"
    )
    feed_server.route("/open311/v2/requests.xml", Reply(200, bomb, {"Content-Type": "application/xml"}))
    run_job(store, redis_client, open311(feed_server.url + "/open311/v2/requests.xml"))

    assert store.snapshot("reports") is None
    assert "XML refusé : déclaration d'entités" in store.status("reports").last_error


# --- 7. a redirect to another host -----------------------------------------------------------------------------------


def test_a_redirect_to_another_host_is_refused_unless_allowed(store, redis_client, feed_server):
    own, other = ods_parking_rows(3), [{**row, "nom": f"Ailleurs {i}"} for i, row in enumerate(ods_parking_rows(2))]
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": 3, "results": own}))
    feed_server.route("/elsewhere/records", json_reply({"total_count": 2, "results": other}))
    config = SourceSettings(name="ods", format="opendatasoft", layer="parking", url=feed_server.url + ODS_PATH)
    job = run_job(store, redis_client, build_source(config))
    assert len(store.history("parking")) == 1

    # The same server under another name: "localhost" is another host than "127.0.0.1" for the client.
    elsewhere = feed_server.url.replace("127.0.0.1", "localhost") + "/elsewhere/records?limit=100&offset=0"
    feed_server.route(f"{ODS_PATH}/records", Reply(302, b"", {"Location": elsewhere}))
    job.run_once()
    assert [r.name for r in store.snapshot("parking").records] == ["Parking 0", "Parking 1", "Parking 2"]
    status = store.status("parking")
    assert status.state is SourceState.DEGRADED
    assert "redirection vers un autre hôte refusée (localhost)" in status.last_error
    assert "allowed_redirect_hosts" in status.last_error
    assert not any(hit.path.startswith("/elsewhere") for hit in feed_server.hits)  # not even asked

    allowed = config.model_copy(update={"allowed_redirect_hosts": ("localhost",)})
    job.source = build_source(allowed)  # the operator allows the new host: the next fetch follows it
    job.run_once()
    assert [r.name for r in store.snapshot("parking").records] == ["Ailleurs 0", "Ailleurs 1"]
    assert store.status("parking").state is SourceState.OK


def test_a_redirect_within_the_same_host_is_followed(feed_server):
    feed_server.route(f"{ODS_PATH}/records", Reply(301, b"", {"Location": "/moved/records?limit=100&offset=0"}))
    feed_server.route("/moved/records", json_reply({"total_count": 2, "results": ods_parking_rows(2)}))
    source = OpendatasoftSource("ods", "parking", feed_server.url + ODS_PATH, client=_client())
    assert len(source.fetch(NOW).records) == 2
