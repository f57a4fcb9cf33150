"""Pure functions from models to Plotly figures and traces: no Redis, no Dash.

The map has a fixed number of traces per layer (its "slots"), so a live update can replace one
layer's traces in place without resending the others or touching the user's view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dashboard.i18n import city_time, number, percent, t
from dashboard.layers import LAYERS
from dashboard.models import (
    BikeStationRecord,
    BikeStationStatus,
    EnergyRecord,
    NacelleRecord,
    NacelleStatus,
    ParkingRecord,
    Record,
    ReportRecord,
    ReportStatus,
    Snapshot,
)

CENTER = {"lat": 43.615, "lon": 1.44}
ZOOM = 10.6
MAP_UIREVISION = "cityops-map"

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
REPORT_COLOURS = {
    ReportStatus.NEW: OKABE_ITO["vermillion"],
    ReportStatus.ACKNOWLEDGED: OKABE_ITO["orange"],
    ReportStatus.IN_PROGRESS: OKABE_ITO["blue"],
    ReportStatus.RESOLVED: OKABE_ITO["green"],
    ReportStatus.CLOSED: "#999999",
}
REPORT_SIZES = {
    ReportStatus.NEW: 7,
    ReportStatus.ACKNOWLEDGED: 6,
    ReportStatus.IN_PROGRESS: 6,
    ReportStatus.RESOLVED: 4,
    ReportStatus.CLOSED: 4,
}
NACELLE_COLOURS = {
    NacelleStatus.OPEN: OKABE_ITO["green"],
    NacelleStatus.CLOSED: "#666666",
    NacelleStatus.IN_TRANSIT: OKABE_ITO["yellow"],
}
# A bike station's state as the map tells it: one trace each, named in the legend, so not by colour alone.
BIKE_CATEGORIES = ("available", "empty", "full", "out_of_service")
BIKE_COLOURS = {
    "available": OKABE_ITO["sky"],
    "empty": OKABE_ITO["vermillion"],
    "full": OKABE_ITO["blue"],
    "out_of_service": "#999999",
}
BIKE_SIZES = {"available": 9, "empty": 12, "full": 12, "out_of_service": 8}
# Cividis is perceptually uniform and readable with colour-vision deficiencies.
PARKING_SCALE = "Cividis"


def _coords(records: Sequence[Record]) -> tuple[np.ndarray, np.ndarray]:
    # float32 halves the bytes sent to browsers; ~1 m precision is plenty for a city map.
    lon = np.fromiter((r.lon for r in records), dtype=np.float32, count=len(records))
    lat = np.fromiter((r.lat for r in records), dtype=np.float32, count=len(records))
    return lon, lat


def parking_traces(records: Sequence[ParkingRecord], lang: str) -> list[go.Scattermap]:
    """One trace: car parks sized by capacity and coloured by occupancy."""
    lon, lat = _coords(records)
    occupancy = np.array([r.occupancy for r in records], dtype=np.float32)
    text = [
        t(
            "parking.hover",
            lang,
            name=r.name,
            free=number(r.free, lang),
            capacity=number(r.capacity, lang),
            occupancy=percent(r.occupancy, lang),
        )
        for r in records
    ]
    sizes = np.clip(np.sqrt([r.capacity for r in records]) * 0.9, 9, 30) if records else []
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=LAYERS["parking"].title(lang),
            marker={
                "size": sizes,
                "color": occupancy,
                "cmin": 0,
                "cmax": 1,
                "colorscale": PARKING_SCALE,
                "colorbar": {
                    "title": {"text": t("parking.occupancy", lang)},
                    "tickformat": ".0%",
                    "x": 1.0,
                    "len": 0.5,
                    "y": 0.75,
                },
                "opacity": 0.9,
            },
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def energy_traces(records: Sequence[EnergyRecord], lang: str) -> list[go.Scattermap]:
    """One trace: metered sites sized by power, marked darker when above typical."""
    lon, lat = _coords(records)
    ratio = [r.power_kw / r.typical_kw - 1 if r.typical_kw else 0.0 for r in records]
    text = [
        t(
            "energy.hover",
            lang,
            name=r.name,
            power=f"{number(r.power_kw, lang)} kW",
            typical=f"{number(r.typical_kw, lang)} kW",
            delta=percent(d, lang, signed=True),
        )
        for r, d in zip(records, ratio, strict=True)
    ]
    sizes = np.clip(np.sqrt([r.power_kw for r in records]) * 1.2, 8, 34) if records else []
    colours = [OKABE_ITO["vermillion"] if d > 0.2 else OKABE_ITO["purple"] for d in ratio]
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=t("energy.legend", lang),
            marker={"size": sizes, "color": colours, "opacity": 0.75},
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def report_traces(records: Sequence[ReportRecord], lang: str) -> list[go.Scattermap]:
    """One trace per status (always all five, so slots stay fixed), each with its own colour and legend name."""
    traces = []
    for status in ReportStatus:
        subset = [r for r in records if r.status is status]
        lon, lat = _coords(subset)
        label = t(f"report.{status.value}", lang)
        # Per-point data is only what differs between points; the status is in the template, once per trace.
        customdata = [[r.id, r.category, city_time(r.created_at, lang, with_date=True)] for r in subset]
        template = t("report.hover", lang, category="%{customdata[1]}", status=label, opened="%{customdata[2]}")
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="markers",
                name=f"{LAYERS['reports'].title(lang)} — {label} ({number(len(subset), lang)})",
                legendgroup="reports",
                marker={"size": REPORT_SIZES[status], "color": REPORT_COLOURS[status], "opacity": 0.7},
                customdata=customdata,
                hovertemplate=template + "<extra></extra>",
            )
        )
    return traces


def nacelle_traces(records: Sequence[NacelleRecord], lang: str) -> list[go.Scattermap]:
    """One trace: the pods, large, coloured and labelled (in hover) by status."""
    lon, lat = _coords(records)
    text = [
        t("nacelle.hover", lang, name=r.name, status=t(f"nacelle.{r.status.value}", lang), place=r.place, event=r.event)
        for r in records
    ]
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=LAYERS["nacelles"].title(lang),
            marker={"size": 22, "color": [NACELLE_COLOURS[r.status] for r in records], "opacity": 0.95},
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def bike_category(record: BikeStationRecord) -> str:
    """Which of BIKE_CATEGORIES a station falls in: out of service first, then empty, full or available."""
    if record.status is not BikeStationStatus.OPEN:
        return "out_of_service"
    return "empty" if record.is_empty else "full" if record.is_full else "available"


def bike_traces(records: Sequence[BikeStationRecord], lang: str) -> list[go.Scattermap]:
    """One trace per station state (always all four, so slots stay fixed), each named with its count."""
    traces = []
    for category in BIKE_CATEGORIES:
        subset = [r for r in records if bike_category(r) == category]
        lon, lat = _coords(subset)
        label = t(f"bikes.{category}", lang)
        text = [
            t(
                "bikes.hover",
                lang,
                name=r.name,
                bikes=number(r.bikes_available, lang),
                docks=number(r.docks_available, lang),
                capacity=number(r.capacity, lang),
                status=t(f"bikes.status.{r.status.value}", lang),
                reported=city_time(r.last_reported, lang, with_date=True),
            )
            for r in subset
        ]
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="markers",
                name=f"{LAYERS['bikes'].title(lang)} — {label} ({number(len(subset), lang)})",
                legendgroup="bikes",
                marker={"size": BIKE_SIZES[category], "color": BIKE_COLOURS[category], "opacity": 0.9},
                hovertext=text,
                hoverinfo="text",
                customdata=[r.id for r in subset],
            )
        )
    return traces


# Drawing order, bottom to top: thousands of small report dots under the few large markers.
_RENDERERS: dict[str, tuple[int, Callable[[Sequence[Any], str], list[go.Scattermap]]]] = {
    "reports": (len(ReportStatus), report_traces),
    "energy": (1, energy_traces),
    "parking": (1, parking_traces),
    "bikes": (len(BIKE_CATEGORIES), bike_traces),
    "nacelles": (1, nacelle_traces),
}


def _drawing_order(layer_names: Iterable[str]) -> list[str]:
    order = list(_RENDERERS)
    return sorted(layer_names, key=order.index)


# The first trace of every map shades the areas (open reports per commune or quartier), under all the points.
AREA_SHADING_SLOT = 0


def trace_slots(layer_names: Iterable[str]) -> dict[str, range]:
    """Which trace indices of the map belong to each layer, in drawing order (after the area shading)."""
    slots: dict[str, range] = {}
    start = AREA_SHADING_SLOT + 1
    for name in _drawing_order(layer_names):
        count = _RENDERERS[name][0]
        slots[name] = range(start, start + count)
        start += count
    return slots


def layer_traces(layer: str, snapshot: Snapshot | None, lang: str, commune: str = "") -> list[dict[str, Any]]:
    """The layer's map traces as plain dicts (empty traces before the first snapshot), of one commune if given."""
    _count, render = _RENDERERS[layer]
    records = snapshot.records if snapshot else ()
    if commune:
        records = [r for r in records if r.commune_code == commune]
    return [trace.to_plotly_json() for trace in render(records, lang)]


def area_shading_trace(
    level: str | None, outlines: dict[str, dict[str, Any]], totals: dict[str, Any] | None, lang: str
) -> dict[str, Any]:
    """Open reports per area of `level` as a choropleth; an empty, hidden trace when shading is off or unknown."""
    if not level or level not in outlines or totals is None:
        return go.Choroplethmap(name=t("areas.shading", lang), visible=False, showscale=False).to_plotly_json()
    features = outlines[level]["features"]
    codes = [feature["properties"]["code"] for feature in features]
    per_area = totals.get(level, {})
    counts = [(per_area.get(code) or {}).get("open", 0) for code in codes]
    hover = t("areas.hover", lang, name="%{customdata}", count="%{z}")
    return go.Choroplethmap(
        name=t("areas.shading", lang),
        geojson=outlines[level],
        featureidkey="properties.code",
        locations=codes,
        z=counts,
        customdata=[feature["properties"]["name"] for feature in features],
        hovertemplate=hover + "<extra></extra>",
        colorscale="Purples",  # one hue, light to dark: readable with colour-vision deficiencies
        zmin=0,
        marker={"opacity": 0.5, "line": {"width": 0}},
        colorbar={"title": {"text": t("areas.colorbar", lang)}, "x": 1.0, "len": 0.45, "y": 0.25},
        showlegend=False,
    ).to_plotly_json()


# A dark land colour for the wall, drawn as a local GeoJSON fill: no style or tiles to fetch.
_WORLD = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Polygon", "coordinates": [[[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]]},
}
WALL_BACKGROUND = "#12161c"
# Outline colour and width per level and theme (light, dark): communes bolder than the quartiers inside Toulouse.
_OUTLINE_STYLES = {
    "quartier": (("#b9b4a8", 0.6), ("#323b47", 0.6)),
    "commune": (("#7a7468", 1.3), ("#56616f", 1.2)),
}


def outline_layers(outlines: dict[str, dict[str, Any]], *, dark: bool = False) -> list[dict[str, Any]]:
    """Map layers drawing the areas' outlines from local GeoJSON: a readable basemap with no tile server."""
    layers = []
    for level, styles in _OUTLINE_STYLES.items():
        if level in outlines:
            colour, width = styles[dark]
            layers.append(
                {
                    "sourcetype": "geojson",
                    "source": outlines[level],
                    "type": "line",
                    "color": colour,
                    "line": {"width": width},
                    "below": "traces",
                }
            )
    return layers


def map_figure(
    layer_traces_by_name: dict[str, list[dict[str, Any]]],
    *,
    tile_url: str | None = None,
    tile_attribution: str = "",
    outlines: dict[str, dict[str, Any]] | None = None,
    dark: bool = False,
) -> go.Figure:
    """The map figure: all layers' traces in slot order on a basemap that needs no network by default.

    `outlines`: GeoJSON of the communes and quartiers per level, drawn as lines over the land or tiles.
    `dark` is the wall's variant: dark land, no legend or colour bar on the map (the page carries its own,
    sized for the room), and no interaction.
    """
    fig = go.Figure()
    fig.add_trace(area_shading_trace(None, {}, None, "fr"))
    for name in _drawing_order(layer_traces_by_name):
        for trace in layer_traces_by_name[name]:
            fig.add_trace(without_map_legend(trace) if dark else trace)
    layers: list[dict[str, Any]] = []
    if dark:
        layers.append(
            {"sourcetype": "geojson", "source": _WORLD, "type": "fill", "color": WALL_BACKGROUND, "below": "traces"}
        )
    if tile_url:
        layers.append(
            {"sourcetype": "raster", "source": [tile_url], "below": "traces", "sourceattribution": tile_attribution}
        )
    layers.extend(outline_layers(outlines or {}, dark=dark))
    fig.update_layout(
        # The wall fits the data to whatever screen it is on; managers start on a fixed view they then move.
        map={"style": "white-bg", "layers": layers}
        if dark
        else {"style": "white-bg", "center": CENTER, "zoom": ZOOM, "layers": layers},
        uirevision=MAP_UIREVISION,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=not dark,
        legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12}},
        paper_bgcolor=WALL_BACKGROUND if dark else "#f4f1ea",
    )
    return fig


def without_map_legend(trace: dict[str, Any]) -> dict[str, Any]:
    """A copy of a trace that adds nothing to the map's legend or colour bars."""
    marker = trace.get("marker")
    marker = {**marker, "showscale": False} if isinstance(marker, dict) else marker
    return {**trace, "showlegend": False, "marker": marker}


# The one figure each layer's trend shows: (summary keys drawn, message key of each line).
TREND_SERIES: dict[str, tuple[tuple[str, str], ...]] = {
    "parking": (("free", "kpi.free_spaces"),),
    "reports": (("open", "kpi.open_reports"),),
    "energy": (("power_kw", "kpi.energy"), ("typical_kw", "trend.typical")),
    "nacelles": (("open", "kpi.nacelles"),),
    "bikes": (("bikes", "kpi.bikes"),),
}
_TREND_COLOURS = (OKABE_ITO["sky"], "#9aa4b1")


def trend_figure(layer: str, points: Sequence[tuple[datetime, dict[str, Any]]], lang: str) -> go.Figure:
    """A text-free sparkline of a layer's headline figure over time; the page prints the numbers, room-sized."""
    fig = go.Figure()
    for (key, label_key), colour in zip(TREND_SERIES[layer], _TREND_COLOURS, strict=False):
        times = [moment for moment, summary in points if key in summary]
        values = [summary[key] for _moment, summary in points if key in summary]
        dashed = key == "typical_kw"
        fig.add_trace(
            go.Scatter(
                x=times,
                y=values,
                mode="lines",
                name=t(label_key, lang),
                hoverinfo="skip",
                line={"color": colour, "width": 2 if dashed else 4, "dash": "dot" if dashed else "solid"},
            )
        )
    fig.update_layout(
        showlegend=False,
        margin={"l": 0, "r": 0, "t": 4, "b": 4},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return fig


def trend_range(layer: str, points: Sequence[tuple[datetime, dict[str, Any]]], lang: str) -> str:
    """The low and high of the trend's main line, for the page to print: 'min 3 200 · max 7 100'."""
    key = TREND_SERIES[layer][0][0]
    values = [summary[key] for _moment, summary in points if key in summary]
    if not values:
        return t("trend.empty", lang)
    return t("trend.range", lang, low=number(min(values), lang), high=number(max(values), lang))


_CIVIDIS = "linear-gradient(90deg, #00224e, #7c7b78, #fee838)"

# Each layer's map symbols for a legend drawn by the page: (label, CSS colour or gradient) pairs.
_LEGENDS: dict[str, Callable[[str], list[tuple[str, str]]]] = {
    "parking": lambda lang: [(t("parking.occupancy", lang) + " 0 → 100 %", _CIVIDIS)],
    "energy": lambda lang: [
        (t("legend.energy_usual", lang), OKABE_ITO["purple"]),
        (t("legend.energy_high", lang), OKABE_ITO["vermillion"]),
    ],
    "reports": lambda lang: [(t(f"report.{s.value}", lang), REPORT_COLOURS[s]) for s in ReportStatus],
    "nacelles": lambda lang: [(t(f"nacelle.{s.value}", lang), NACELLE_COLOURS[s]) for s in NacelleStatus],
    "bikes": lambda lang: [(t(f"bikes.{c}", lang), BIKE_COLOURS[c]) for c in BIKE_CATEGORIES],
}


def map_legend(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The map's symbols for a legend drawn by the page, per layer in registry order: (title, entries)."""
    return [(layer.title(lang), _LEGENDS[name](lang)) for name, layer in LAYERS.items() if name in _LEGENDS]
