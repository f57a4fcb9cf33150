"""Pure functions from models to Plotly figures and traces: no Redis, no Dash.

The map has a fixed number of traces per layer (its "slots"), so a live update can replace one
layer's traces in place without resending the others or touching the user's view.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from dashboard.i18n import number, t
from dashboard.layers import LAYERS
from dashboard.layers.base import Bounds, MapScale
from dashboard.map_style import OKABE_ITO
from dashboard.models import Snapshot
from dashboard.summaries import LayerSummary

CENTER = {"lat": 43.615, "lon": 1.44}
ZOOM = 10.6
MAP_UIREVISION = "cityops-map"


def _drawing_order(layer_names: Iterable[str]) -> list[str]:
    return sorted(layer_names, key=lambda name: (LAYERS[name].draw_order, name))


# The first trace of every map shades the areas (open reports per commune or quartier), under all the points.
AREA_SHADING_SLOT = 0


def trace_slots(layer_names: Iterable[str]) -> dict[str, range]:
    """Which trace indices of the map belong to each layer, in drawing order (after the area shading)."""
    slots: dict[str, range] = {}
    start = AREA_SHADING_SLOT + 1
    for name in _drawing_order(layer_names):
        count = LAYERS[name].trace_count
        slots[name] = range(start, start + count)
        start += count
    return slots


def layer_traces(
    layer: str,
    snapshot: Snapshot | None,
    lang: str,
    commune: str = "",
    outlines: dict[str, dict[str, Any]] | None = None,
    *,
    scale: MapScale | None = None,
    positions: Mapping[int, int] | None = None,
) -> list[dict[str, Any]]:
    """The layer's map traces as plain dicts (empty traces before the first snapshot), of one commune if given.

    `outlines`: the areas' GeoJSON per level, for an area layer (Layer.area_level) to colour its areas.
    `scale`: for a city-scale layer (Layer.city_scale), the whole city counted per cell or the points of an area;
    `positions`: each record's place in the whole version (by `id()` of the record), when `snapshot` is narrowed.
    """
    definition = LAYERS[layer]
    if definition.render is None:
        return []
    records = snapshot.records if snapshot else ()
    if commune:
        records = [r for r in records if r.commune_code == commune]
    city = definition.city_scale
    if city is not None and scale is not None:
        if scale.points is None:
            traces = city.cells(records, lang, scale.settled)
        else:
            where = positions if positions is not None else record_positions(snapshot)
            shown = within(records, scale.points)
            traces = city.points(shown, [where[id(r)] for r in shown], lang, scale.settled)
    elif definition.area_level is not None:
        traces = definition.render(records, lang, (outlines or {}).get(definition.area_level))
    else:
        traces = definition.render(records, lang)
    return [trace.to_plotly_json() for trace in traces]


def for_browser(layer: str, trace: dict[str, Any]) -> dict[str, Any]:
    """A trace as the browser gets it: a city-scale layer's points go without their positions (`customdata`), which
    stay on the server with the cached traces to find the record of a click (FigureCache.record_id)."""
    if LAYERS[layer].city_scale is None or "customdata" not in trace:
        return trace
    return {key: value for key, value in trace.items() if key != "customdata"}


def record_positions(snapshot: Snapshot | None) -> dict[int, int]:
    """Each record's place in the version's order, by `id()` of the record (what map points carry for a click)."""
    return {id(record): index for index, record in enumerate(snapshot.records if snapshot else ())}


def record_at(snapshot: Snapshot | None, version: int, position: int) -> str | None:
    """The id of the record at `position` of `version`, or None when the snapshot is another version or too short."""
    if snapshot is None or snapshot.version != version or not 0 <= position < len(snapshot.records):
        return None
    return snapshot.records[position].id


def within(records: Sequence[Any], bounds: Bounds) -> list[Any]:
    """The records inside `bounds` (west, south, east, north)."""
    west, south, east, north = bounds
    return [r for r in records if west <= r.lon <= east and south <= r.lat <= north]


# The area whose points are drawn reaches half a screen beyond the one looked at on every side, rounded outward to
# this many degrees, so that small moves keep it (no redraw) and the figure cache shares it between viewers.
_BOX_STEP = 0.01


def map_viewport(relayout: Any) -> tuple[float, Bounds] | None:
    """(zoom, bounds) of the map after a move, from its relayoutData, or None when the data do not say both."""
    if not isinstance(relayout, dict):
        return None
    zoom = relayout.get("map.zoom")
    derived = relayout.get("map._derived")
    corners = derived.get("coordinates") if isinstance(derived, dict) else None
    if not isinstance(zoom, int | float) or not isinstance(corners, list) or len(corners) != 4:
        return None
    try:
        lons = [float(corner[0]) for corner in corners]
        lats = [float(corner[1]) for corner in corners]
    except (TypeError, ValueError, IndexError):
        return None
    if not all(math.isfinite(v) for v in (*lons, *lats, zoom)):
        return None
    return float(zoom), (min(lons), min(lats), max(lons), max(lats))


def _contains(outer: Bounds, inner: Bounds) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _padded(bounds: Bounds) -> Bounds:
    west, south, east, north = bounds
    pad_x, pad_y = (east - west) / 2, (north - south) / 2
    down = [math.floor(v / _BOX_STEP) * _BOX_STEP for v in (west - pad_x, south - pad_y)]
    up = [math.ceil(v / _BOX_STEP) * _BOX_STEP for v in (east + pad_x, north + pad_y)]
    return (round(down[0], 4), round(down[1], 4), round(up[0], 4), round(up[1], 4))


def map_scale(
    viewport: tuple[float, Bounds] | None, points_zoom: float, settled: bool, shown: MapScale | None
) -> MapScale:
    """The scale a city-scale layer is drawn at for this viewport: cells below `points_zoom`, else the points of an
    area around it (the one `shown` while the viewport stays inside it). No viewport: what is shown stays."""
    if viewport is None:
        return MapScale(shown.points if shown else None, settled)
    zoom, bounds = viewport
    if zoom < points_zoom:
        return MapScale(None, settled)
    if shown is not None and shown.points is not None and _contains(shown.points, bounds):
        return MapScale(shown.points, settled)
    return MapScale(_padded(bounds), settled)


def scale_key(scale: MapScale) -> str:
    """`scale` as the text kept with what the map shows (and in the figure cache's keys): 'cells', 'points:w,s,e,n',
    '+settled' when the settled records are drawn."""
    where = "cells" if scale.points is None else "points:" + ",".join(f"{v:.4f}" for v in scale.points)
    return where + ("+settled" if scale.settled else "")


def parse_scale_key(key: str) -> MapScale | None:
    """The scale a `scale_key` text names, or None when it names none (it comes back from the browser)."""
    where, plus, rest = key.partition("+")
    if plus and rest != "settled":
        return None
    if where == "cells":
        return MapScale(None, bool(plus))
    kind, _colon, numbers = where.partition(":")
    try:
        values = tuple(float(v) for v in numbers.split(","))
    except ValueError:
        return None
    if kind != "points" or len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    return MapScale(values, bool(plus))  # type: ignore[arg-type]


def area_shading_trace(
    level: str | None, outlines: dict[str, dict[str, Any]], totals: dict[str, dict[str, LayerSummary]] | None, lang: str
) -> dict[str, Any]:
    """Open reports per area of `level` as a choropleth; an empty, hidden trace when shading is off or unknown.

    `totals` are the shading layer's figures per level and area code (dashboard.areas.AreaTotals): their `open`
    count (Layer.shades_areas guarantees the field).
    """
    if not level or level not in outlines or totals is None:
        return go.Choroplethmap(name=t("areas.shading", lang), visible=False, showscale=False).to_plotly_json()
    features = outlines[level]["features"]
    codes = [feature["properties"]["code"] for feature in features]
    per_area = totals.get(level, {})
    counts = [per_area[code].open if per_area.get(code) is not None else 0 for code in codes]
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
    if trace.get("type") == "choroplethmap":  # its colour bar belongs to the trace, not to its marker
        return {**trace, "showlegend": False, "showscale": False}
    marker = trace.get("marker")
    marker = {**marker, "showscale": False} if isinstance(marker, dict) else marker
    return {**trace, "showlegend": False, "marker": marker}


_TREND_COLOURS = (OKABE_ITO["sky"], "#9aa4b1")


def trend_figure(layer: str, points: Sequence[tuple[datetime, LayerSummary]], lang: str) -> go.Figure:
    """A text-free sparkline of a layer's headline figure over time; the page prints the numbers, room-sized."""
    fig = go.Figure()
    for line, colour in zip(LAYERS[layer].trend, _TREND_COLOURS, strict=False):
        dashed = line.dashed
        times = [moment for moment, _summary in points]
        values = [getattr(summary, line.attribute) for _moment, summary in points]
        fig.add_trace(
            go.Scatter(
                x=times,
                y=values,
                mode="lines",
                name=t(line.label_key, lang),
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


def trend_range(layer: str, points: Sequence[tuple[datetime, LayerSummary]], lang: str) -> str:
    """The low and high of the trend's main line, for the page to print: 'min 3 200 · max 7 100'."""
    trend = LAYERS[layer].trend
    if not trend:
        return t("trend.empty", lang)
    values = [getattr(summary, trend[0].attribute) for _moment, summary in points]
    if not values:
        return t("trend.empty", lang)
    return t("trend.range", lang, low=number(min(values), lang), high=number(max(values), lang))


def map_legend(lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The map's symbols for a legend drawn by the page, per layer in registry order: (title, entries).

    A layer whose data someone else publishes is titled with its attribution: "Qualité de l'air (Atmo …)".
    """
    return [
        (f"{layer.title(lang)} ({layer.attribution})" if layer.attribution else layer.title(lang), layer.legend(lang))
        for layer in LAYERS.values()
        if layer.legend is not None
    ]
