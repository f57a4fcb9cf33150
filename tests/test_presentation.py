"""Pure presentation: translations, freshness badges, KPIs, the view model and map traces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.figures import area_shading_trace, layer_traces, map_figure, trace_slots
from dashboard.freshness import freshness
from dashboard.i18n import age_in_words, city_time, normalise_language, number, percent
from dashboard.kpis import kpis
from dashboard.layers import LAYERS
from dashboard.layers.base import MapScale
from dashboard.map_style import unpacked
from dashboard.models import (
    LayerHead,
    LayerOverview,
    NacelleRecord,
    NacelleStatus,
    ReportRecord,
    ReportStatus,
    Snapshot,
    SourceState,
    SourceStatus,
)
from dashboard.summaries import LayerSummary
from dashboard.view import build_view
from tests.factories import parking_result

NOW = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)  # 12:00 in Paris (CEST)


def _head(layer: str, summary: dict | LayerSummary, age_s: float = 10, demo: bool = True) -> LayerHead:
    """A head with `summary`, given typed or as stored (a dict, read through the layer's summary type)."""
    if isinstance(summary, dict):
        summary = LAYERS[layer].summary_type.from_stored(summary)
    return LayerHead(layer, 3, NOW - timedelta(seconds=age_s), f"demo-{layer}", demo, summary)


def test_signed_percentages_carry_no_sign_when_they_round_to_zero():
    assert [percent(r, "fr", signed=True) for r in (0.12, -0.05, -0.001)] == ["+12 %", "−5 %", "0 %"]


def test_language_and_formats():
    assert normalise_language("EN") == "en"
    assert normalise_language("de") == "fr" and normalise_language(None) == "fr"
    assert number(12345, "fr") == "12\u202f345"
    assert number(12345, "en") == "12,345"
    assert city_time(NOW, "fr") == "12:00:00"  # shown in Paris time whatever the server's zone
    assert age_in_words(30, "fr") == "à l'instant"
    assert age_in_words(600, "en") == "10 min ago"
    assert age_in_words(7200, "fr") == "il y a 2 h"


def test_badge_is_ok_then_stale_past_the_freshness_budget():
    layer = LAYERS["parking"]
    ok = freshness(
        layer, LayerOverview(_head("parking", {}, 30), SourceStatus("parking", "s", SourceState.OK)), NOW, "fr"
    )
    assert (ok.state, ok.age) == ("ok", "à l'instant")
    old = _head("parking", {}, layer.freshness_seconds + 60)
    stale = freshness(layer, LayerOverview(old, SourceStatus("parking", "s", SourceState.OK)), NOW, "en")
    assert stale.state == "stale" and stale.label == "stale data"
    assert stale.since == old.fetched_at + timedelta(seconds=layer.freshness_seconds)
    assert stale.problem.startswith("last data from 14/07/2026")


def test_degraded_badge_says_why_and_since_when():
    status = SourceStatus(
        "energy",
        "demo-energy",
        SourceState.DEGRADED,
        last_error="HTTP 503",
        failing_since=NOW - timedelta(minutes=3),
        consecutive_failures=2,
    )
    badge = freshness(LAYERS["energy"], LayerOverview(_head("energy", {}), status), NOW, "fr")
    assert badge.state == "degraded"
    assert "HTTP 503" in badge.reason and "11:57" in badge.reason and "2 essais" in badge.reason
    assert (badge.since, badge.problem) == (NOW - timedelta(minutes=3), "HTTP 503")
    view = build_view({"energy": LayerOverview(_head("energy", {}), status)}, NOW, "fr")
    assert view["alerts"] == ["Énergie dégradé depuis 14/07/2026 11:57 (HTTP 503)"]


def test_badge_before_any_data_is_waiting_or_down():
    waiting = freshness(LAYERS["reports"], LayerOverview(None, None), NOW, "fr")
    assert waiting.state == "waiting"
    down = freshness(
        LAYERS["reports"],
        LayerOverview(None, SourceStatus("reports", "s", SourceState.DOWN, last_error="timeout")),
        NOW,
        "fr",
    )
    assert (down.state, down.reason) == ("down", "timeout")


def test_kpis_from_summaries():
    heads = {
        "parking": _head("parking", LAYERS["parking"].summarise(parking_result(100).records)),
        "energy": _head("energy", {"power_kw": 1150.0, "typical_kw": 1000.0, "sites": 2}),
        "reports": _head("reports", {"open": 1234, "by_status": {"new": 200, "acknowledged": 34, "in_progress": 1000}}),
        "nacelles": _head("nacelles", {"count": 3, "open": 2, "positions": {"a": [1, 2, "in_transit", "x"]}}),
    }
    tiles = {k.key: k for k in kpis(heads, "fr")}
    assert tiles["parking"].value == "938"
    assert tiles["reports"].value == "1\u202f234" and "200 nouveaux" in tiles["reports"].detail
    assert tiles["energy"].value == "1\u202f150 kW" and "+15" in tiles["energy"].detail
    assert tiles["nacelles"].value == "2" and "1 en déplacement" in tiles["nacelles"].detail
    assert kpis({}, "en")[0].value == "—"


def test_view_changes_only_when_something_shown_changes():
    overview = {
        "parking": LayerOverview(
            _head("parking", {"free": 1, "capacity": 2, "sites": 1}), SourceStatus("parking", "s", SourceState.OK)
        )
    }
    first = build_view(overview, NOW, "fr")
    assert build_view(overview, NOW + timedelta(seconds=5), "fr") == first  # an unchanged tick
    assert first["demo"] is True and first["versions"] == {"parking": 3}
    failing = {
        "parking": LayerOverview(
            overview["parking"].head, SourceStatus("parking", "s", SourceState.DEGRADED, last_error="x")
        )
    }
    view = build_view(failing, NOW, "fr")
    assert view != first
    assert view["alerts"] == ["Stationnement dégradé depuis ? (x)"]
    assert view["banner"] == "Sources en difficulté : Stationnement dégradé depuis ? (x)"


def test_trace_slots_are_fixed_per_layer():
    slots = trace_slots(list(LAYERS))
    # Trace 0 is the area shading; then the coloured communes of air quality (under every point), reports,
    # bike stations by state, Nacelles last (on top).
    assert slots == {
        "air_quality": range(1, 3),
        "reports": range(3, 8),
        "energy": range(8, 9),
        "parking": range(9, 10),
        "bikes": range(10, 14),
        "nacelles": range(14, 15),
    }
    for name in LAYERS:
        assert len(layer_traces(name, None, "fr")) == len(slots[name])


def test_report_traces_split_by_status_with_labels():
    records = tuple(
        ReportRecord(f"R{i}", "Propreté", status, 1.44, 43.6, NOW, NOW)
        for i, status in enumerate([ReportStatus.NEW, ReportStatus.NEW, ReportStatus.CLOSED])
    )
    everything = MapScale(points=(1.0, 43.0, 2.0, 44.0), settled=True)
    snapshot = Snapshot("reports", 1, NOW, "s", True, records)
    traces = layer_traces("reports", snapshot, "en", scale=everything)
    counts = {t["name"]: len(unpacked(t["customdata"])) for t in traces}
    assert counts["Citizen reports — New (2)"] == 2
    assert counts["Citizen reports — Closed (1)"] == 1
    assert counts["Citizen reports — In progress (0)"] == 0
    # Closed first (drawn below), new last (on top).
    assert traces[0]["name"].startswith("Citizen reports — Closed") and traces[-1]["name"].startswith(
        "Citizen reports — New"
    )


def test_map_uses_an_offline_style_and_keeps_the_view():
    nacelle = NacelleRecord("n1", "Nacelle 1", 1.44, 43.6, NacelleStatus.OPEN, "Daurade", "Budget participatif")
    traces = {"nacelles": layer_traces("nacelles", Snapshot("nacelles", 1, NOW, "s", True, (nacelle,)), "fr")}
    fig = map_figure(traces)
    assert fig.layout.map.style == "white-bg" and fig.layout.uirevision
    assert "Budget participatif" in fig.data[1].hovertext[0]
    assert fig.data[0].type == "choroplethmap" and fig.data[0].visible is False
    tiled = map_figure(traces, tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="© OSM")
    assert tiled.layout.map.layers[0].source == ("https://tiles.example/{z}/{x}/{y}.png",)


def test_area_outlines_are_drawn_under_the_traces_on_both_themes():
    square = {"type": "Polygon", "coordinates": [[[1.4, 43.6], [1.5, 43.6], [1.5, 43.7], [1.4, 43.6]]]}
    outlines = {
        level: {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": square}]}
        for level in ("commune", "quartier")
    }
    for dark in (False, True):
        fig = map_figure({}, outlines=outlines, dark=dark)
        lines = [layer for layer in fig.layout.map.layers if layer.type == "line"]
        assert [layer.source["features"][0]["geometry"] for layer in lines] == [square, square]
        assert all(layer.below == "traces" and layer.sourcetype == "geojson" for layer in lines)
        # Communes are drawn last and bolder, over the quartiers.
        assert lines[1].line.width > lines[0].line.width
    assert map_figure({}).layout.map.layers == ()


def test_area_shading_counts_open_reports_per_area():
    square = {"type": "Polygon", "coordinates": [[[1.4, 43.6], [1.5, 43.6], [1.5, 43.7], [1.4, 43.6]]]}
    features = [
        {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": square}
        for code, name in (("1", "Capitole"), ("2", "Amidonniers"))
    ]
    outlines = {"quartier": {"type": "FeatureCollection", "features": features}}
    totals = {"quartier": {"1": LAYERS["reports"].area_summary_type(open=12)}}
    trace = area_shading_trace("quartier", outlines, totals, "en")
    assert list(trace["locations"]) == ["1", "2"] and list(trace["z"]) == [12, 0]
    assert trace["featureidkey"] == "properties.code" and "open reports" in trace["hovertemplate"]
    assert area_shading_trace("commune", outlines, totals, "en")["visible"] is False
    assert area_shading_trace("quartier", outlines, None, "en")["visible"] is False


def test_view_of_one_commune_counts_only_that_commune():
    records = (
        NacelleRecord("n1", "Nacelle 1", 1.44, 43.6, NacelleStatus.OPEN, "Daurade", "", commune_code="31555"),
        NacelleRecord("n2", "Nacelle 2", 1.39, 43.64, NacelleStatus.IN_TRANSIT, "", "", commune_code="31069"),
    )
    summary = LAYERS["nacelles"].summarise(records)
    overview = {"nacelles": LayerOverview(_head("nacelles", summary), None)}
    assert build_view(overview, NOW, "fr")["kpis"]["nacelles"]["detail"] == "sur 2, 1 en déplacement"

    blagnac = {"nacelles": LAYERS["nacelles"].summarise([records[1]])}
    view = build_view(overview, NOW, "fr", "31069", blagnac)
    assert view["area"] == "31069"
    assert view["kpis"]["nacelles"] == {"value": "0", "detail": "sur 1, 1 en déplacement"}
    # A layer whose collector has no figures per area yet says so rather than showing the whole Métropole.
    assert build_view(overview, NOW, "fr", "31069", {"nacelles": None})["kpis"]["nacelles"]["value"] == "—"

    traces = layer_traces("nacelles", Snapshot("nacelles", 1, NOW, "s", True, records), "fr", commune="31069")
    assert list(traces[0]["customdata"]) == ["n2"]
