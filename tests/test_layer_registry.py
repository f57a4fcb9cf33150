"""Every layer is one object: every registered layer defines every hook, and a layer defined here alone (a
toy) reaches the map, tiles, table, CSV, API, wall view, public file, embed and demo feeds with no other code
naming it."""

from __future__ import annotations

import csv
import dataclasses
import io
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, get_args

import plotly.graph_objects as go
import pytest

from app import create_app
from dashboard.access import TOKEN_HEADER
from dashboard.areas import Geography
from dashboard.embed_plans import points
from dashboard.figures import layer_traces, map_legend, trace_slots, trend_figure, trend_range
from dashboard.i18n import MESSAGES, t
from dashboard.kpis import kpis
from dashboard.layers import LAYERS, Layer, Tile, TrendLine, register, unregister
from dashboard.models import PERSONAL_FIELDS, FetchResult
from dashboard.public import public_document
from dashboard.rows import BBox, Row, count, point, text
from dashboard.settings import SourceSettings, load_settings
from dashboard.sources.demo import build_demo_sources
from dashboard.sources.validate import validate_rows
from dashboard.summaries import LayerSummary
from dashboard.tables import columns, csv_bytes, rows
from dashboard.view import build_view
from layouts.embed import embed_plan
from tests.factories import api_client, sign_in_client

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
FORMATS = set(get_args(typing.get_type_hints(SourceSettings)["format"]))
# Fields a table shows under another column (codes next to their names) or not at all.
_UNSHOWN = PERSONAL_FIELDS | {"commune_code", "quartier"}


@pytest.fixture(scope="module")
def demo_records() -> dict[str, Sequence[Any]]:
    return {source.layer: source.fetch(NOW).records for source in build_demo_sources(31555, origin=NOW)}


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_defines_every_hook(name, demo_records):
    layer = LAYERS[name]
    records = demo_records[name]
    assert records and all(isinstance(r, layer.record_type) for r in records)
    assert {"id", "lon", "lat"} <= layer.canonical_fields
    assert layer.formats and layer.formats <= FORMATS
    fields = {f.name for f in dataclasses.fields(layer.record_type)}
    assert set(layer.public_fields) <= fields
    if layer.build_personal is not None:  # a report's address is personal; a bike station's is a public place
        assert not set(layer.public_fields) & PERSONAL_FIELDS
    summary = layer.summarise(records)
    assert type(summary) is layer.summary_type
    for line in layer.trend:
        assert line.attribute in layer.summary_type.field_names(), f"{name}: trend line {line.attribute!r}"
    assert set(layer.summary_type.PER_SITE) <= set(layer.summary_type.field_names())
    assert layer.summary_type.from_stored(summary.to_stored()) == summary
    area = layer.summarise_area(records[:3], NOW)
    assert type(area) is layer.area_summary_type
    assert layer.area_summary_type.from_stored(area.to_stored()) == area
    for lang in ("fr", "en"):
        assert len(layer.render(records, lang)) == layer.trace_count
        assert len(layer.render([], lang)) == layer.trace_count
        assert layer.legend(lang) and all(isinstance(label, str) and colour for label, colour in layer.legend(lang))
        value, detail = layer.tile.compute(summary, lang)
        assert value and value != "—" and detail
        assert layer.title(lang)
    if layer.public:
        traces = embed_plan(name, "", "fr")["traces"]
        assert traces
        if layer.public_open is None:  # points, each in one of the embed's traces
            assert {layer.public_category(r) for r in records} <= {trace["category"] for trace in traces}
    assert trend_figure(name, [(NOW, summary)], "fr").data
    assert trend_range(name, [(NOW, summary)], "fr") != t("trend.empty", "fr")


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_names_its_columns_and_values_in_both_languages(name):
    layer = LAYERS[name]
    for f in dataclasses.fields(layer.record_type):
        if f.name not in _UNSHOWN:
            assert f"column.{f.name}" in MESSAGES, f"{name}: no header for column {f.name!r}"
    hints = typing.get_type_hints(layer.record_type)
    for f in dataclasses.fields(layer.record_type):
        kind = hints[f.name]
        if isinstance(kind, type) and issubclass(kind, Enum):
            prefix = layer.value_labels.get(kind)
            assert prefix, f"{name}: no words for the values of {f.name!r}"
            assert all(f"{prefix}.{member.value}" in MESSAGES for member in kind)


def test_layer_orders_are_distinct():
    assert len({layer.order for layer in LAYERS.values()}) == len(LAYERS)
    assert len({layer.draw_order for layer in LAYERS.values()}) == len(LAYERS)


# ---------------------------------------------------------------- a layer defined in this module alone


class Level(StrEnum):
    LOW = "low"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class ToyRecord:
    id: str
    name: str
    lon: float
    lat: float
    level: Level
    count: int
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""


def _toy_record(row: Row, now: datetime, bbox: BBox) -> ToyRecord:
    lon, lat = point(row, bbox)
    return ToyRecord(text(row, "id"), text(row, "name"), lon, lat, Level(text(row, "level")), count(row, "count"))


@dataclass(frozen=True, slots=True)
class ToySummary(LayerSummary):
    PER_SITE = ("count_by_site",)

    sites: int = 0
    total: int = 0
    count_by_site: dict[str, int] = dataclasses.field(default_factory=dict)


def _toy_summary(records: Sequence[ToyRecord]) -> ToySummary:
    return ToySummary(len(records), sum(r.count for r in records), {r.id: r.count for r in records})


@dataclass(frozen=True, slots=True)
class ToyAreaSummary(LayerSummary):
    sites: int = 0
    total: int = 0


def _toy_area(records: Sequence[ToyRecord], _now: datetime) -> ToyAreaSummary:
    return ToyAreaSummary(len(records), sum(r.count for r in records))


def _toy_traces(records: Sequence[ToyRecord], lang: str) -> list[go.Scattermap]:
    return [
        go.Scattermap(
            lon=[r.lon for r in records],
            lat=[r.lat for r in records],
            name="Jouet" if lang == "fr" else "Toy",
            customdata=[r.id for r in records],
        )
    ]


TOY_ROWS = [
    {"id": "t1", "name": "Capitole", "lon": 1.4442, "lat": 43.6045, "level": "high", "count": 7},
    {"id": "t2", "name": "Jardin des Plantes", "lon": 1.4513, "lat": 43.5925, "level": "low", "count": 3},
]


class ToySource:
    name = "toy-demo"
    layer = "toy"
    demo = True

    def __init__(self, seed: int, clock: Any) -> None:
        self.seed = seed

    def fetch(self, now: datetime) -> FetchResult:
        return validate_rows("toy", TOY_ROWS, now)


TOY = Layer(
    name="toy",
    title_fr="Jouet",
    title_en="Toy",
    order=999,
    draw_order=999,
    record_type=ToyRecord,
    refresh_seconds=60,
    freshness_seconds=600,
    public_fields=("id", "name", "level", "count"),
    summary_type=ToySummary,
    summarise=_toy_summary,
    area_summary_type=ToyAreaSummary,
    summarise_area=_toy_area,
    formats=frozenset({"geojson"}),
    canonical_fields=frozenset({"id", "name", "lon", "lat", "level", "count"}),
    build=_toy_record,
    render=_toy_traces,
    legend=lambda lang: [("Jouet" if lang == "fr" else "Toy", "#123456")],
    trend=(TrendLine("total", "kpi.no_data"),),
    tile=Tile("kpi.no_data", lambda summary, _lang: (str(summary.total), f"{summary.sites} sites")),
    demo=ToySource,
    colour="#123456",
    public=True,
    public_category=lambda record: record.level.value,
    embed=lambda lang: [
        points(level.value, level.value, {"size": 9}, "%{customdata[0]}", [["name", "text"]]) for level in Level
    ],
)


@pytest.fixture
def toy() -> Iterator[Layer]:
    register(TOY)
    yield TOY
    unregister("toy")


def _write_toy(store) -> FetchResult:
    result = ToySource(0, None).fetch(NOW)
    store.write_snapshot("toy", result, source="toy-demo", demo=True, summary=_toy_summary(result.records))
    return result


def test_a_toy_layer_is_fed_validated_and_stored_like_the_shipped_ones(toy, store):
    assert "toy" in [source.layer for source in build_demo_sources(1)]
    result = _write_toy(store)
    assert [r.level for r in result.records] == [Level.HIGH, Level.LOW]
    snapshot = store.snapshot("toy")
    assert snapshot is not None and snapshot.records == result.records
    assert snapshot.summary == _toy_summary(result.records) == ToySummary(2, 10, {"t1": 7, "t2": 3})
    assert [entry.summary for entry in store.history("toy")] == [snapshot.summary]
    settings = SourceSettings(name="toys", layer="toy", format="geojson", url="https://example.org/toys.geojson")
    assert settings.layer == "toy"
    with pytest.raises(ValueError, match="cannot fill layer 'toy'"):
        SourceSettings(name="toys", layer="toy", format="gbfs", url="https://example.org/gbfs.json")


def test_a_layer_naming_fields_its_summary_lacks_is_refused_when_defined():
    with pytest.raises(ValueError, match="trend lines of fields not in its summary: sites_open"):
        dataclasses.replace(TOY, trend=(TrendLine("sites_open", "kpi.no_data"),))

    @dataclass(frozen=True, slots=True)
    class Misdeclared(ToySummary):
        PER_SITE = ("level_by_site",)

    with pytest.raises(ValueError, match="declares fields it does not have: level_by_site"):
        dataclasses.replace(TOY, summary_type=Misdeclared)


def test_a_toy_layer_reaches_the_map_tiles_table_csv_and_wall_view(toy, store):
    _write_toy(store)
    snapshot = store.snapshot("toy")
    slots = trace_slots(LAYERS)
    assert list(slots)[-1] == "toy" and len(slots["toy"]) == 1  # drawn last: its draw_order is the highest
    (trace,) = layer_traces("toy", snapshot, "en")
    assert trace["customdata"] == ["t1", "t2"] and trace["name"] == "Toy"
    assert ("Jouet", [("Jouet", "#123456")]) in map_legend("fr")
    tiles = {tile.key: tile for tile in kpis({"toy": store.overview(["toy"])["toy"].head}, "fr")}
    assert tiles["toy"].value == "10"
    view = build_view(store.overview(LAYERS), NOW, "fr")
    assert view["versions"]["toy"] == snapshot.version and view["kpis"]["toy"]["value"] == "10"
    cols = columns(ToyRecord, "fr")
    table = rows(snapshot.records, cols, "fr")
    assert [row["name"] for row in table] == ["Capitole", "Jardin des Plantes"]
    read = list(csv.reader(io.StringIO(csv_bytes(table, cols, "fr").decode("utf-8-sig")), delimiter=";"))
    assert len(read) == 3 and "Capitole" in read[1]


def test_a_toy_layer_is_served_by_the_api(toy, store):
    _write_toy(store)
    client = api_client(store, Geography(areas={}))
    listing = client.get("/api/v1/layers").get_json()
    assert "toy" in str(listing)
    answer = client.get("/api/v1/layers/toy")
    assert answer.status_code == 200
    features = answer.get_json()["features"]
    assert sorted(f["properties"]["id"] for f in features) == ["t1", "t2"]
    versions = client.get("/api/v1/public/versions").get_json()
    assert "toy" in str(versions)


def test_a_toy_layer_is_published_and_embedded(toy, store):
    _write_toy(store)
    document = public_document(store.snapshot("toy"))
    assert {f["id"]: f["properties"]["category"] for f in document["features"]} == {"t1": "high", "t2": "low"}
    assert set(document["features"][0]["properties"]) == {"id", "name", "level", "count", "category"}
    plan = embed_plan("toy", "", "en")
    assert [trace["category"] for trace in plan["traces"]] == ["low", "high"]


def test_an_unregistered_layer_is_gone_everywhere(store):
    register(TOY)
    unregister("toy")
    assert "toy" not in LAYERS
    assert "toy" not in trace_slots(LAYERS)
    assert "toy" not in [source.layer for source in build_demo_sources(1)]


def test_a_toy_layer_is_on_the_managers_page_the_wall_and_its_embed(toy, store):
    _write_toy(store)
    client = sign_in_client(create_app(load_settings({}, wall_token="toy-wall-token"), store=store).test_client())
    managers = client.get("/_dash-layout").get_data(as_text=True)
    assert "kpi-value-toy" in managers and "badge-text-toy" in managers and "Jouet" in managers
    wall = client.get("/wall/_dash-layout", headers={TOKEN_HEADER: "toy-wall-token"}).get_data(as_text=True)
    assert "kpi-value-toy" in wall and "badge-text-toy" in wall
    embed = client.get("/embed/toy?lang=en")
    assert embed.status_code == 200
    layout = client.get("/embed/_dash-layout", headers={"Referer": "http://localhost/embed/toy?lang=en"})
    assert '"category": "high"' in layout.get_data(as_text=True).replace('":"', '": "')
