"""The public embed: one layer's map, a compact legend and a freshness line, readable from 300×250.

The page draws its map in the browser (assets/embed.js) from the public API's versioned files; `embed_plan`
tells it how, in the page's language: each trace's category, marker, name and hover template.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.figures import map_figure, map_legend
from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.layers.bikes import BIKE_CATEGORIES, BIKE_COLOURS, BIKE_SIZES
from dashboard.layers.nacelles import NACELLE_COLOURS
from dashboard.layers.parking import PARKING_SCALE
from dashboard.map_style import OKABE_ITO
from dashboard.models import BikeStationStatus, NacelleStatus
from layouts import ids
from layouts.parts import freshness_watch

# The host page scrolls: the map must not capture the wheel, and a toolbar would crowd a small frame.
_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}
# Open reports per cell: one hue, light to dark, readable with colour-vision deficiencies.
CELL_SCALE = "Oranges"
_CELL_GRADIENT = "linear-gradient(90deg, #fee6ce, #fd8d3c, #7f2704)"

Plan = dict[str, Any]


def _points(category: str, name: str, marker: dict[str, Any], hover: str, fields: list[list[str]]) -> Plan:
    """A scattermap trace of the features the browser puts in `category`; `fields`: its hover values, formatted."""
    return {
        "type": "scattermap",
        "category": category,
        "name": name,
        "marker": marker,
        "hover": hover,
        "fields": fields,
    }


def _report_traces(lang: str) -> list[Plan]:
    hover = t("embed.cell_hover", lang, open="%{z}", closed="%{customdata}")
    return [{"type": "choroplethmap", "name": t("embed.cells", lang), "colorscale": CELL_SCALE, "hover": hover}]


def _parking_traces(lang: str) -> list[Plan]:
    hover = t(
        "parking.hover",
        lang,
        **{k: f"%{{customdata[{i}]}}" for i, k in enumerate(("name", "free", "capacity", "occupancy"))},
    )
    marker = {"size_by": ["capacity", 0.9, 9, 30], "colorscale": PARKING_SCALE, "cmin": 0, "cmax": 1, "opacity": 0.9}
    fields = [["name", "text"], ["free", "number"], ["capacity", "number"], ["occupancy", "percent"]]
    return [_points("all", LAYERS["parking"].title(lang), marker, hover, fields)]


def _energy_traces(lang: str) -> list[Plan]:
    hover = t(
        "energy.hover",
        lang,
        **{k: f"%{{customdata[{i}]}}" for i, k in enumerate(("name", "power", "typical", "delta"))},
    )
    fields = [["name", "text"], ["power_kw", "kw"], ["typical_kw", "kw"], ["delta", "signed_percent"]]
    return [
        _points(
            category,
            t(key, lang),
            {"size_by": ["power_kw", 1.2, 8, 34], "color": colour, "opacity": 0.75},
            hover,
            fields,
        )
        for category, key, colour in (
            ("usual", "legend.energy_usual", OKABE_ITO["purple"]),
            ("high", "legend.energy_high", OKABE_ITO["vermillion"]),
        )
    ]


def _nacelle_traces(lang: str) -> list[Plan]:
    hover = t(
        "nacelle.hover",
        lang,
        **{k: f"%{{customdata[{i}]}}" for i, k in enumerate(("name", "place", "event"))},
        status="{status}",
    )
    return [
        _points(
            status.value,
            t(f"nacelle.{status.value}", lang),
            {"size": 22, "color": NACELLE_COLOURS[status], "opacity": 0.95},
            hover.replace("{status}", t(f"nacelle.{status.value}", lang)),
            [["name", "text"], ["place", "text"], ["event", "text"]],
        )
        for status in NacelleStatus
    ]


def _bike_traces(lang: str) -> list[Plan]:
    names = ("name", "bikes", "docks", "capacity", "status", "reported")
    hover = t("bikes.hover", lang, **{k: f"%{{customdata[{i}]}}" for i, k in enumerate(names)})
    statuses = {s.value: t(f"bikes.status.{s.value}", lang) for s in BikeStationStatus}
    fields = [
        ["name", "text"],
        ["bikes_available", "number"],
        ["docks_available", "number"],
        ["capacity", "number"],
        ["status", "label"],
        ["last_reported", "time"],
    ]
    return [
        {
            **_points(
                c,
                t(f"bikes.{c}", lang),
                {"size": BIKE_SIZES[c], "color": BIKE_COLOURS[c], "opacity": 0.9},
                hover,
                fields,
            ),
            "labels": statuses,
        }
        for c in BIKE_CATEGORIES
    ]


_TRACES = {
    "reports": _report_traces,
    "parking": _parking_traces,
    "energy": _energy_traces,
    "nacelles": _nacelle_traces,
    "bikes": _bike_traces,
}


def embed_plan(layer: str, commune: str, lang: str) -> Plan:
    """What the browser needs to poll and draw the layer: where to ask, which commune, and each trace's looks."""
    return {"layer": layer, "commune": commune, "lang": lang, "traces": _TRACES[layer](lang)}


def _legend(layer: str, title: str, lang: str) -> html.Ul:
    if layer == "reports":
        entries = [(t("embed.cells", lang), _CELL_GRADIENT)]
    else:
        entries = next((items for group, items in map_legend(lang) if group == title), [])
    return html.Ul(
        className="embed-legend",
        children=[
            html.Li([html.Span(className="swatch", style={"background": colour}), label]) for label, colour in entries
        ],
    )


def embed_layout(
    *,
    lang: str,
    layer: str,
    title: str,
    area_name: str,
    commune: str,
    poll_ms: int,
    timeout_ms: int,
    outlines: dict[str, dict],
) -> html.Div:
    """One public layer, of one commune if given; the browser fetches and draws its data (assets/embed.js)."""
    heading = f"{title} — {area_name}" if area_name else title
    figure = map_figure({}, outlines=outlines)
    figure.update_layout(showlegend=False)
    return html.Div(
        className="page embed",
        lang=lang,
        children=[
            html.Header(
                className="embed-top",
                children=[
                    html.H1(heading),
                    html.P("…", id=ids.EMBED_FRESHNESS, className="embed-freshness", role="status"),
                ],
            ),
            html.Div(
                role="region",
                className="embed-map",
                **{"aria-label": t("embed.map_label", lang, title=heading)},
                children=dcc.Graph(id=ids.MAP, figure=figure, config=_CONFIG, style={"height": "100%"}),
            ),
            html.Footer(
                className="embed-bottom",
                children=[_legend(layer, title, lang), html.Span(t("embed.source", lang), className="embed-source")],
            ),
            dcc.Store(id=ids.EMBED_PLAN, data=embed_plan(layer, commune, lang)),
            dcc.Store(id=ids.MAP_VERSIONS, data={}),
            dcc.Store(id=ids.EMBED_STATUS),
            dcc.Interval(id=ids.POLL, interval=poll_ms),
            *freshness_watch(lang, poll_ms, timeout_ms),
        ],
    )
