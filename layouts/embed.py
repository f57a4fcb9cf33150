"""The public embed: one layer's map, a compact legend and a freshness line, readable from 300×250.

The page draws its map in the browser (assets/embed.js) from the public API's versioned files; `embed_plan`
tells it how, in the page's language: each trace's category, marker, name and hover template.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.embed_plans import Plan, cell_legend, cell_traces
from dashboard.figures import map_figure
from dashboard.i18n import t
from dashboard.layers import LAYERS
from layouts import ids
from layouts.parts import freshness_watch

# The host page scrolls: the map must not capture the wheel, and a toolbar would crowd a small frame.
_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def embed_plan(layer: str, commune: str, lang: str) -> Plan:
    """What the browser needs to poll and draw the layer: where to ask, which commune, and each trace's looks."""
    definition = LAYERS[layer]
    traces = cell_traces(lang) if definition.public_open else definition.embed(lang) if definition.embed else []
    return {"layer": layer, "commune": commune, "lang": lang, "traces": traces}


def _legend(layer: str, lang: str) -> html.Ul:
    definition = LAYERS[layer]
    entries = cell_legend(lang) if definition.public_open else definition.legend(lang) if definition.legend else []
    return html.Ul(
        className="embed-legend",
        children=[
            html.Li([html.Span(className="swatch", style={"background": colour}), label]) for label, colour in entries
        ],
    )


def _source(layer: str, lang: str) -> str:
    """Who the data come from: the city, and the layer's own publisher when it has one (its licence asks it)."""
    attribution = LAYERS[layer].attribution
    return f"{t('embed.source', lang)} · {attribution}" if attribution else t("embed.source", lang)


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
                children=[_legend(layer, lang), html.Span(_source(layer, lang), className="embed-source")],
            ),
            dcc.Store(id=ids.EMBED_PLAN, data=embed_plan(layer, commune, lang)),
            dcc.Store(id=ids.MAP_VERSIONS, data={}),
            dcc.Store(id=ids.EMBED_STATUS),
            dcc.Interval(id=ids.POLL, interval=poll_ms),
            *freshness_watch(lang, poll_ms, timeout_ms),
        ],
    )
