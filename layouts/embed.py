"""The public embed: one layer's map, a compact legend and a freshness line, readable from 300×250."""

from __future__ import annotations

from dash import dcc, html

from dashboard.figures import map_figure, map_legend, without_map_legend
from dashboard.i18n import t
from layouts import ids
from layouts.parts import freshness_watch

# The host page scrolls: the map must not capture the wheel, and a toolbar would crowd a small frame.
_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def _legend(title: str, lang: str) -> html.Ul:
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
    empty_traces: list[dict],
) -> html.Div:
    """One public layer, of one commune if given; its points arrive through the embed's callback."""
    heading = f"{title} — {area_name}" if area_name else title
    figure = map_figure({layer: [without_map_legend(trace) for trace in empty_traces]}, outlines=outlines)
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
                children=[_legend(title, lang), html.Span(t("embed.source", lang), className="embed-source")],
            ),
            dcc.Store(id=ids.LANG, data=lang),
            dcc.Store(id=ids.EMBED_TARGET, data={"layer": layer, "commune": commune}),
            dcc.Store(id=ids.MAP_VERSIONS, data={}),
            dcc.Store(id=ids.EMBED_STATUS),
            dcc.Interval(id=ids.POLL, interval=poll_ms),
            *freshness_watch(lang, poll_ms, timeout_ms),
        ],
    )
