"""Bike-share stations over real HTTP to a local feed server: GBFS (published samples and generated feeds) and
the VélôToulouse dataset on Opendatasoft."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.models import BikeStationStatus
from dashboard.rows import BBox
from dashboard.settings import ConfigError, SourceSettings, load_settings
from dashboard.sources import SourceError
from dashboard.sources.configured import build_source
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.http import FeedClient
from dashboard.sources.opendatasoft import OpendatasoftSource
from tests.feed_server import Reply, json_reply
from tests.shared_data import FEED_SAMPLES

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WORLD = BBox(-180, -90, 180, 90)  # the GBFS samples are from Helsinki and Lillestrøm, not Toulouse
ODS_PATH = "/api/explore/v2.1/catalog/datasets/api-velo-toulouse-temps-reel"


def _sample(relative: str) -> bytes:
    path = FEED_SAMPLES / relative
    if not path.exists():
        pytest.skip(f"feed sample not found ({path}); samples are expected in ../shared/feeds/samples")
    return path.read_bytes()


def _client() -> FeedClient:
    return FeedClient(timeout=2, retries=0)


def _discovery(feed_server, folder: str, *, language: str = "fr") -> str:
    """A gbfs.json (2.x shape) on the feed server listing its station files with paths relative to it."""
    feeds = [
        {"name": "system_information", "url": f"{folder}/system_information.json"},
        {"name": "station_information", "url": f"{folder}/station_information.json"},
        {"name": "station_status", "url": f"{folder}/station_status.json"},
    ]
    feed_server.route(
        f"{folder}/gbfs.json", json_reply({"last_updated": 0, "ttl": 60, "data": {language: {"feeds": feeds}}})
    )
    return feed_server.url + f"{folder}/gbfs.json"


# --- the published samples -------------------------------------------------------------------------------------


def test_gbfs_helsinki_sample_joins_information_and_status_through_the_discovery_file(feed_server):
    folder = "/gbfs/helsinki"
    feed_server.route(
        f"{folder}/station_information.json", Reply(200, _sample("gbfs/otp-helsinki/station_information.json"))
    )
    feed_server.route(f"{folder}/station_status.json", Reply(200, _sample("gbfs/otp-helsinki/station_status.json")))
    url = _discovery(feed_server, folder, language="en")
    result = GbfsSource("hsl", "bikes", url, client=_client(), bbox=WORLD).fetch(NOW)

    assert result.rejected == ()
    stations = {r.id: r for r in result.records}
    assert len(stations) == 10
    first = stations["001"]
    # Declared capacity 30, but 2 bikes + 29 free docks: the live counts win.
    assert (first.name, first.capacity, first.bikes_available, first.docks_available) == ("Kaivopuisto", 31, 2, 29)
    assert stations["002"].capacity == 13  # 6 + 7, as declared
    assert first.status is BikeStationStatus.OPEN
    assert first.last_reported == datetime.fromtimestamp(1631517287, UTC) and first.last_reported.tzinfo is not None
    assert stations["004"].status is BikeStationStatus.NOT_RENTING  # is_renting: 0 in the sample
    assert result.fetched_at == datetime.fromtimestamp(1631517710, UTC)  # station_status' last_updated
    assert [hit.path.rsplit("/", 1)[-1] for hit in feed_server.hits] == [
        "gbfs.json",
        "station_information.json",
        "station_status.json",
    ]


def test_gbfs_lillestrom_sample_read_from_its_station_information_url(feed_server):
    folder = "/gbfs/lillestrom"
    feed_server.route(
        f"{folder}/station_information.json",
        Reply(200, _sample("gbfs/otp-lillestrombysykkel/station_information.json")),
    )
    feed_server.route(
        f"{folder}/station_status.json", Reply(200, _sample("gbfs/otp-lillestrombysykkel/station_status.json"))
    )
    url = feed_server.url + f"{folder}/station_information.json"
    result = GbfsSource("ylsb", "bikes", url, client=_client(), bbox=WORLD).fetch(NOW)
    stations = {r.id: r for r in result.records}
    # GBFS 2.2 booleans and addresses; the sample's capacities are below bikes + docks (GBFS allows it).
    assert result.rejected == () and len(stations) == 6
    torvgata = stations["YLS:VehicleSharingParkingArea:3"]
    assert (torvgata.name, torvgata.address) == ("TORVGATA", "Torvgata 8, Lillestrøm")
    assert (torvgata.bikes_available, torvgata.docks_available, torvgata.capacity) == (10, 10, 20)
    assert torvgata.status is BikeStationStatus.OPEN


def test_the_published_samples_are_out_of_the_metropole(feed_server):
    folder = "/gbfs/helsinki"
    feed_server.route(
        f"{folder}/station_information.json", Reply(200, _sample("gbfs/otp-helsinki/station_information.json"))
    )
    feed_server.route(f"{folder}/station_status.json", Reply(200, _sample("gbfs/otp-helsinki/station_status.json")))
    url = feed_server.url + f"{folder}/station_information.json"
    result = GbfsSource("hsl", "bikes", url, client=_client()).fetch(NOW)
    assert result.records == ()
    assert len(result.rejected) == 10 and all("hors de la zone" in reason for reason in result.rejected)


# --- generated feeds in Toulouse -------------------------------------------------------------------------------


def toulouse_stations(count: int) -> tuple[list[dict], list[dict]]:
    """(station_information stations, station_status stations) of `count` stations in the city centre."""
    reported = int((NOW - timedelta(minutes=1)).timestamp())
    information = [
        {
            "station_id": str(i),
            "name": f"{i:05d} - STATION {i}",
            "address": f"{i} rue de Metz",
            "lat": 43.60 + i * 0.0005,
            "lon": 1.44 + i * 0.0005,
            "capacity": 20,
        }
        for i in range(count)
    ]
    status = [
        {
            "station_id": str(i),
            "num_bikes_available": i % 21,
            "num_docks_available": 20 - i % 21,
            "is_installed": 1,
            "is_renting": 1,
            "is_returning": 1,
            "last_reported": reported,
        }
        for i in range(count)
    ]
    return information, status


def serve_gbfs(feed_server, information: list[dict], status: list[dict], folder: str = "/gbfs/toulouse") -> str:
    envelope = {"last_updated": int(NOW.timestamp()) - 30, "ttl": 60, "version": "2.3"}
    feed_server.route(f"{folder}/station_information.json", json_reply({**envelope, "data": {"stations": information}}))
    feed_server.route(f"{folder}/station_status.json", json_reply({**envelope, "data": {"stations": status}}))
    return _discovery(feed_server, folder)


def test_gbfs_rejects_bad_stations_one_by_one_and_keeps_the_others(feed_server):
    information, status = toulouse_stations(12)
    status[1]["is_installed"] = 0  # removed from the street: closed
    status[2]["num_bikes_available"] = "beaucoup"  # not a number
    status[3]["is_renting"] = "peut-être"  # not a yes/no
    information[4]["lon"], information[4]["lat"] = 2.35, 48.85  # Paris: out of the Métropole
    information[5]["lon"], information[5]["lat"] = 43.60, 1.44  # swapped
    status[7]["last_reported"] = int((NOW + timedelta(hours=3)).timestamp())  # from the future
    del status[6]  # status missing for station 6
    status.append({**status[0], "station_id": "ghost"})  # a status for no known station
    status.append({"num_bikes_available": 3})  # a status for no station at all
    result = GbfsSource("velo", "bikes", serve_gbfs(feed_server, information, status), client=_client()).fetch(NOW)

    stations = {r.id: r for r in result.records}
    assert sorted(stations, key=int) == ["0", "1", "8", "9", "10", "11"]
    assert stations["1"].status is BikeStationStatus.CLOSED
    reasons = " | ".join(result.rejected)
    for expected in (
        "2 : « bikes_available » n'est pas un nombre",
        "3 : « renting » n'est ni vrai ni faux",
        "4 : hors de la zone couverte",
        "5 : latitude et longitude inversées",
        "6 : absente de station_status",
        "ghost : absente de station_information",
        "station_status : état de station sans « station_id »",
        "7 : « last_reported » dans le futur",
    ):
        assert expected in reasons
    assert stations["0"].last_reported == NOW - timedelta(minutes=1)
    assert result.fetched_at == NOW - timedelta(seconds=30)


def test_gbfs_3_discovery_without_languages_and_localised_names(feed_server):
    information, status = toulouse_stations(3)
    information[0]["name"] = [{"text": "Capitole", "language": "fr"}, {"text": "Capitol", "language": "en"}]
    folder = "/gbfs/v3"
    serve_gbfs(feed_server, information, status, folder)
    feeds = [
        {"name": "station_information", "url": f"{feed_server.url}{folder}/station_information.json"},
        {"name": "station_status", "url": f"{feed_server.url}{folder}/station_status.json"},
    ]
    feed_server.route(
        f"{folder}/gbfs.json", json_reply({"last_updated": "2026-11-25T07:59:00Z", "data": {"feeds": feeds}})
    )
    url = feed_server.url + f"{folder}/gbfs.json"
    result = GbfsSource("v3", "bikes", url, params={"key": "k1"}, client=_client()).fetch(NOW)
    assert {r.id: r.name for r in result.records}["0"] == "Capitole"
    assert [hit.query for hit in feed_server.hits] == [{"key": "k1"}] * 3  # the access key on every request


def test_gbfs_without_station_files_or_with_a_changed_envelope_fails_the_fetch(feed_server):
    feed_server.route(
        "/gbfs/free-floating/gbfs.json",
        json_reply({"data": {"fr": {"feeds": [{"name": "free_bike_status", "url": "free_bike_status.json"}]}}}),
    )
    with pytest.raises(SourceError, match="ne liste pas station_information, station_status"):
        GbfsSource("ff", "bikes", feed_server.url + "/gbfs/free-floating/gbfs.json", client=_client()).fetch(NOW)

    feed_server.route("/gbfs/odd/station_information.json", json_reply({"data": {"stations": []}}))
    feed_server.route("/gbfs/odd/station_status.json", json_reply({"stations": []}))
    with pytest.raises(SourceError, match="station_status.json inattendu"):
        GbfsSource("odd", "bikes", feed_server.url + "/gbfs/odd/station_information.json", client=_client()).fetch(NOW)


def test_gbfs_schema_drift_fails_the_fetch_rather_than_emptying_the_map(feed_server):
    information, status = toulouse_stations(10)
    for station in status:
        station["bikes"] = station.pop("num_bikes_available")  # a renamed field in every row
    url = serve_gbfs(feed_server, information, status)
    with pytest.raises(SourceError, match="format du flux modifié : champ « bikes_available »"):
        GbfsSource("velo", "bikes", url, client=_client()).fetch(NOW)


def test_gbfs_429_passes_retry_after_on(feed_server):
    information, status = toulouse_stations(2)
    url = serve_gbfs(feed_server, information, status)
    feed_server.route("/gbfs/toulouse/station_status.json", Reply(429, b"{}", {"Retry-After": "120"}))
    with pytest.raises(SourceError) as caught:
        GbfsSource("velo", "bikes", url, client=_client()).fetch(NOW)
    assert caught.value.retry_after == 120.0 and "429" in str(caught.value)


def test_gbfs_asks_again_with_the_etag_and_reuses_an_unchanged_document(feed_server):
    information, status = toulouse_stations(3)
    body = json.dumps({"last_updated": 0, "data": {"stations": information}}).encode()

    def conditional(hit):
        if hit.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, body, {"Content-Type": "application/json", "ETag": '"v1"'})

    url = serve_gbfs(feed_server, information, status)
    feed_server.route("/gbfs/toulouse/station_information.json", conditional)
    source = GbfsSource("velo", "bikes", url, client=_client())
    assert len(source.fetch(NOW).records) == 3
    assert len(source.fetch(NOW).records) == 3
    asked = [hit for hit in feed_server.hits if hit.path.endswith("station_information.json")]
    assert [hit.headers.get("if-none-match") for hit in asked] == [None, '"v1"']


# --- VélôToulouse on Opendatasoft --------------------------------------------------------------------------------


def velo_toulouse_rows(count: int) -> list[dict]:
    """Rows as the api-velo-toulouse-temps-reel dataset gives them (Explore v2.1 `results`)."""
    return [
        {
            "number": 100 + i,
            "contract_name": "toulouse",
            "name": f"{100 + i:05d} - STATION {i}",
            "address": f"{i} ALLEE JEAN JAURES",
            "banking": "True",
            "bonus": "False",
            "bike_stands": 20,
            "available_bike_stands": 20 - i % 21,
            "available_bikes": i % 21,
            "status": "CLOSED" if i == 3 else "OPEN",
            "last_update": (NOW - timedelta(minutes=2)).isoformat(),
            "position": {"lon": 1.44 + i * 0.0003, "lat": 43.60 + i * 0.0003},
        }
        for i in range(count)
    ]


def serve_velo_toulouse(feed_server, rows: list[dict]) -> str:
    def records(hit):
        limit, offset = int(hit.query["limit"]), int(hit.query["offset"])
        return json_reply({"total_count": len(rows), "results": rows[offset : offset + limit]})

    feed_server.route(f"{ODS_PATH}/records", records)
    return feed_server.url + ODS_PATH


def test_velo_toulouse_on_opendatasoft_maps_by_default(feed_server):
    rows = velo_toulouse_rows(130)
    rows[5]["position"] = None  # a station without a position
    url = serve_velo_toulouse(feed_server, rows)
    result = OpendatasoftSource("velo", "bikes", url, client=_client()).fetch(NOW)
    stations = {r.id: r for r in result.records}
    assert len(stations) == 129 and len(result.rejected) == 1 and "105 : champ « lon » manquant" in result.rejected[0]
    assert stations["103"].status is BikeStationStatus.CLOSED
    station = stations["107"]
    assert (station.capacity, station.bikes_available, station.docks_available) == (20, 7, 13)
    assert station.address == "7 ALLEE JEAN JAURES" and station.last_reported == NOW - timedelta(minutes=2)
    assert [hit.query["offset"] for hit in feed_server.hits] == ["0", "100"]


def test_velo_toulouse_source_from_the_settings(feed_server):
    url = serve_velo_toulouse(feed_server, velo_toulouse_rows(3))
    config = SourceSettings(name="velo", format="opendatasoft", layer="bikes", url=url, fields={"name": "address"})
    result = build_source(config).fetch(NOW)
    assert [r.name for r in result.records] == ["0 ALLEE JEAN JAURES", "1 ALLEE JEAN JAURES", "2 ALLEE JEAN JAURES"]


def test_gbfs_settings_fill_only_the_bikes_layer_with_known_fields(tmp_path):
    good = SourceSettings(name="velo", format="gbfs", layer="bikes", url="https://example.org/gbfs.json")
    assert isinstance(build_source(good), GbfsSource)
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[sources]]\nname = "a"\nformat = "gbfs"\nlayer = "parking"\nurl = "https://example.org/gbfs.json"\n'
        '[[sources]]\nname = "b"\nformat = "gbfs"\nlayer = "bikes"\nurl = "https://example.org/gbfs.json"\n'
        'fields = { bikes = "num_bikes_available" }\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings({"CITYOPS_CONFIG": str(config)})
    assert "cannot fill layer 'parking'" in str(caught.value)
    assert "unknown field(s) bikes for layer bikes" in str(caught.value)


def test_the_profiles_commented_gbfs_alternative_is_a_valid_source(tmp_path):
    profile = (Path(__file__).resolve().parents[1] / "profiles" / "toulouse.toml").read_text(encoding="utf-8")
    block = profile[profile.index("# [[sources]]") :]
    config = tmp_path / "gbfs.toml"
    config.write_text("\n".join(line.removeprefix("# ") for line in block.splitlines()))
    (source,) = load_settings({"CITYOPS_CONFIG": str(config)}).sources
    assert (source.format, source.layer) == ("gbfs", "bikes")
    assert isinstance(build_source(source), GbfsSource)


# --- whatever the feed says ------------------------------------------------------------------------------------

_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=12)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner))
_plausible = st.one_of(_values, st.integers(0, 40), st.sampled_from(["1", "0", "true", "OPEN", "CLOSED", ""]))
_status_rows = st.lists(
    st.fixed_dictionaries(
        {"station_id": st.sampled_from(["0", "1", "2", 1, None])},
        optional={
            name: _plausible
            for name in ("num_bikes_available", "num_docks_available", "is_installed", "is_renting", "last_reported")
        },
    ),
    max_size=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=_status_rows, envelope=_values)
def test_any_station_status_gives_valid_stations_or_a_clear_error(feed_server, statuses, envelope):
    information, _status = toulouse_stations(3)
    url = serve_gbfs(feed_server, information, statuses)
    if isinstance(envelope, dict):  # sometimes the whole document is something else
        feed_server.route("/gbfs/toulouse/station_status.json", json_reply(envelope))
    try:
        result = GbfsSource("velo", "bikes", url, client=_client()).fetch(NOW)
    except SourceError as err:
        assert str(err)
        return
    for record in result.records:
        assert record.bikes_available >= 0 and record.docks_available >= 0
        assert record.bikes_available + record.docks_available <= record.capacity
        assert record.last_reported.tzinfo is not None and record.last_reported <= NOW + timedelta(minutes=10)
        assert isinstance(record.status, BikeStationStatus)
    assert len(result.records) + len(result.rejected) >= len(information)
