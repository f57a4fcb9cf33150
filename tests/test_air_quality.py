"""The air-quality layer: indices ATMO per commune read as Atmo France's API publishes them, the demo's ozone
episodes, the map's coloured communes with their index written on them, the public file, panel and table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.details import Inputs
from dashboard.figures import layer_traces
from dashboard.layers import LAYERS
from dashboard.layers.air_quality import (
    ATTRIBUTION,
    COLOURS,
    AtmoIndex,
    DemoAirQualitySource,
    air_quality_panel,
)
from dashboard.models import FetchResult, Snapshot
from dashboard.public import public_document
from dashboard.sources.demo.clock import SimulatedClock
from dashboard.sources.geojson import GeoJsonSource
from dashboard.sources.http import FeedClient
from dashboard.tables import columns, rows
from layouts.embed import embed_plan
from tests.feed_server import json_reply

# 10:00 in Toulouse on 2 December 2026.
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _feature(code: str, name: str, day: str, index: int | str, lon: float, lat: float, **subs: int | str) -> dict:
    """A feature as the Atmo Data API answers `indices/atmo?format=geojson`: one per commune and day."""
    codes = {"no2": 1, "o3": 1, "pm10": 1, "pm25": 1, "so2": 1, **subs}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "aasqa": "76",
            "source": "Atmo Occitanie",
            "type_zone": "commune",
            "code_zone": code,
            "lib_zone": name,
            "date_ech": day,
            "date_dif": "2026-12-01",
            "date_maj": "2026-12-02T07:10:00+01:00",
            "code_qual": index,
            "lib_qual": "Dégradé" if int(index) == 3 else "Moyen",
            "coul_qual": "#F0E641" if int(index) == 3 else "#50CCAA",
            **{f"code_{name}": value for name, value in codes.items()},
            "x_reg": 574000.0,
            "y_reg": 6279000.0,
            "epsg_reg": "2154",
        },
    }


ATMO_DOCUMENT = {
    "type": "FeatureCollection",
    "features": [
        _feature("31555", "Toulouse", "2026-12-01", 2, 1.4233, 43.6012),  # yesterday's, still in the answer
        _feature("31555", "Toulouse", "2026-12-02", 3, 1.4233, 43.6012, no2=3, pm10=2),
        _feature("31555", "Toulouse", "2026-12-03", 2, 1.4233, 43.6012),
        _feature("31069", "Blagnac", "2026-12-02", 2, 1.3770, 43.6407, no2=2),
        _feature("31069", "Blagnac", "2026-12-03", 3, 1.3770, 43.6407),
        _feature("31149", "Colomiers", "2026-12-02", 9, 1.3242, 43.6102),  # not a level of the index
        # Another server's spelling: days as ISO times with their offset, levels as text.
        _feature("31044", "Balma", "2026-12-02T00:00:00+01:00", "2", 1.5035, 43.6102, no2="2"),
        _feature("31044", "Balma", "2026-12-03T00:00:00+01:00", "4", 1.5035, 43.6102),
    ],
}


def test_the_atmo_api_answer_gives_todays_index_with_tomorrows_forecast(feed_server):
    feed_server.route("/api/v2/data/indices/atmo", json_reply(ATMO_DOCUMENT))
    source = GeoJsonSource(
        "atmo-occitanie",
        "air_quality",
        feed_server.url + "/api/v2/data/indices/atmo",
        client=FeedClient(timeout=2, retries=0),
    )
    result = source.fetch(NOW)
    by_id = {record.id: record for record in result.records}
    assert set(by_id) == {"31555", "31069", "31044"}
    balma = by_id["31044"]
    assert (balma.index, balma.no2, balma.tomorrow) == (AtmoIndex.FAIR, AtmoIndex.FAIR, AtmoIndex.POOR)
    assert balma.valid_on == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    toulouse = by_id["31555"]
    assert (toulouse.index, toulouse.tomorrow, toulouse.no2, toulouse.pm10) == (
        AtmoIndex.DEGRADED,
        AtmoIndex.FAIR,
        AtmoIndex.DEGRADED,
        AtmoIndex.FAIR,
    )
    assert toulouse.valid_on == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # midnight in Toulouse
    assert by_id["31069"].tomorrow == AtmoIndex.DEGRADED
    (rejected,) = result.rejected
    assert rejected.startswith("31149") and "échelle de l'indice ATMO" in rejected


def _demo(seed: int, moment: datetime) -> FetchResult:
    return DemoAirQualitySource(seed, SimulatedClock(moment)).fetch(moment)


def _episode_day(seed: int) -> datetime:
    """A July day of the demo with an ozone episode (14:00 UTC is 16:00 in Toulouse, its peak)."""
    for day in range(1, 32):
        moment = datetime(2026, 7, day, 14, 0, tzinfo=UTC)
        if any(r.o3 >= AtmoIndex.POOR for r in _demo(seed, moment).records):
            return moment
    raise AssertionError("no ozone episode in July")


def test_the_demo_has_ozone_episodes_on_summer_afternoons_only():
    afternoon = _episode_day(31555)
    records = _demo(31555, afternoon).records
    assert len(records) == 37 and {r.id for r in records} >= {"31555", "31069"}
    assert all(r.index == max(r.no2, r.o3, r.pm10, r.pm25, r.so2) for r in records)
    # Worse downwind of the city at the peak, and back to the day's base in the morning.
    assert {r.o3 for r in records} >= {AtmoIndex.POOR, AtmoIndex.VERY_POOR}
    assert all(r.o3 < AtmoIndex.POOR for r in _demo(31555, afternoon.replace(hour=7)).records)
    winter = [_demo(31555, datetime(2026, 1, day, 14, 0, tzinfo=UTC)).records for day in range(1, 29)]
    assert all(r.o3 < AtmoIndex.POOR for day in winter for r in day)


def _snapshot(moment: datetime, boundaries) -> Snapshot:
    result = _demo(31555, moment)
    joined = boundaries.assign(result).records if boundaries else result.records
    return Snapshot(
        layer="air_quality",
        version=1,
        fetched_at=result.fetched_at,
        source="demo-air-quality",
        demo=True,
        records=tuple(joined),
        summary=LAYERS["air_quality"].summarise(joined),
    )


def test_the_map_colours_each_commune_and_marks_its_level_by_size_too(boundaries):
    snapshot = _snapshot(NOW, boundaries)
    outlines = boundaries.geography().outlines
    areas, labels = layer_traces("air_quality", snapshot, "fr", outlines=outlines)
    assert areas["type"] == "choroplethmap" and areas["geojson"] == outlines["commune"]
    assert sorted(areas["locations"]) == sorted(r.commune_code for r in snapshot.records)
    assert areas["z"] == [int(r.index) for r in snapshot.records]
    assert ATTRIBUTION in areas["name"]
    # A disc per commune, larger for a worse level: no text, which would need glyphs from a font server.
    assert labels["mode"] == "markers" and "text" not in labels
    sizes = dict(zip(labels["customdata"], labels["marker"]["size"], strict=True))
    worst = max(snapshot.records, key=lambda r: r.index)
    best = min(snapshot.records, key=lambda r: r.index)
    assert worst.index > best.index and sizes[worst.id] > sizes[best.id]
    assert labels["marker"]["color"] == [COLOURS[r.index] for r in snapshot.records]


def test_the_public_file_and_the_embed_name_the_publisher_and_the_level(boundaries):
    document = public_document(_snapshot(NOW, boundaries))
    assert document["attribution"] == ATTRIBUTION
    feature = document["features"][0]
    assert feature["properties"]["category"] == str(feature["properties"]["index"])
    assert "lon" not in feature["properties"] and feature["properties"]["tomorrow"] in range(8)
    plan = embed_plan("air_quality", "", "fr")
    assert {trace["category"] for trace in plan["traces"]} == {str(int(level)) for level in AtmoIndex}
    sizes = {trace["category"]: trace["marker"]["size"] for trace in plan["traces"]}
    assert sizes["1"] < sizes["3"] < sizes["6"]


def test_the_panel_draws_the_sub_indices_over_seven_days_and_names_the_source(boundaries):
    moments = [NOW - timedelta(hours=6 * i) for i in range(28, -1, -1)]
    points = [(moment, _snapshot(moment, None).summary) for moment in moments]
    record = _snapshot(NOW, None).records[0]
    panel = air_quality_panel(record, Inputs(points=points, as_of=NOW), "fr")
    assert panel.title == record.name
    assert dict(panel.facts)["Aujourd'hui"].endswith(f"({int(record.index)})")
    assert {"NO₂", "O₃", "PM10", "PM2.5", "SO₂"} <= set(dict(panel.facts))
    assert len(panel.figure["data"]) == 6  # the index and its five sub-indices
    assert ATTRIBUTION in panel.note


@pytest.mark.parametrize(("lang", "word"), [("fr", "dégradé"), ("en", "degraded")])
def test_the_table_says_levels_in_words(lang, word):
    records = _demo(31555, NOW).records
    degraded = next(r for r in records if r.index == AtmoIndex.DEGRADED)
    cols = columns(type(degraded), lang)
    (row,) = rows([degraded], cols, lang)
    assert row["index"] == word
