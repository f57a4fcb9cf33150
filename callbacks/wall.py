"""The operations wall: its layout per request, the shared live callbacks, the clock, the highlight cycle."""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks.alarms import register_wall_alarms
from callbacks.live import register_live, request_language
from callbacks.page import Page
from callbacks.store_down import when_store_down
from dashboard.access import AccessRule
from dashboard.areas import Geography, unavailable_note
from dashboard.figures import layer_traces, trend_figure
from dashboard.kpis import kpis
from dashboard.layers import LAYERS
from dashboard.settings import Settings
from dashboard.store import Store
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.wall import wall_layout


def wall_turn(
    names: list[str], turn: int | None, view: dict[str, Any], lang: str
) -> tuple[str, int, tuple[str, str, str, dict[str, str]]]:
    """(layer, its version, its texts) of the layer whose turn it is: title, headline value, detail, colour."""
    layer = names[(turn or 0) % len(names)]
    kpi = view["kpis"].get(layer, {"value": "—", "detail": ""})
    definition = LAYERS[layer]
    texts = (definition.title(lang), kpi["value"], kpi["detail"], {"borderTopColor": definition.colour})
    return layer, view["versions"].get(layer, 0), texts


def register(app: dash.Dash, store: Store, figures: FigureCache, settings: Settings, geography: Geography) -> None:
    """Attach the wall's layout and callbacks to `app`."""
    names = list(LAYERS)

    def serve_layout():
        lang = request_language()
        return wall_layout(
            lang=lang,
            layer_titles={name: layer.title(lang) for name, layer in LAYERS.items()},
            kpis=kpis({}, lang),
            poll_ms=int(settings.poll_seconds * 1000),
            timeout_ms=int(settings.redis_timeout_seconds * 1000),
            cycle_ms=int(settings.wall_cycle_seconds * 1000),
            trend_hours=settings.wall_trend_hours,
            tile_url=settings.tile_url,
            tile_attribution=settings.tile_attribution,
            outlines=geography.outlines,
            geo_note=unavailable_note(geography, lang),
            empty_traces={name: layer_traces(name, None, lang) for name in LAYERS},
            empty_trend=trend_figure(names[0], [], lang).to_plotly_json(),
        )

    app.layout = serve_layout
    register_live(app, store, figures, layer_switch=False, map_legend=False, marks_seconds=settings.poll_marks_seconds)
    register_wall_alarms(app, store, settings)

    app.clientside_callback(
        ClientsideFunction(namespace="cityops", function_name="clock"),
        Output(ids.CLOCK, "children"),
        Output(ids.CLOCK_DATE, "children"),
        Input(ids.CLOCK_TICK, "n_intervals"),
        State(ids.LANG, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="cityops", function_name="ticker"),
        Output(ids.TICKER, "children"),
        Output(ids.TICKER_COUNT, "children"),
        Input(ids.VIEW, "data"),
        Input(ids.ALARM_LINES, "data"),
        Input(ids.CLOCK_TICK, "n_intervals"),
    )

    def no_trend(turn, view, shown, lang):
        """The turn's texts without a new trend: Redis is out of reach, the last trend stays."""
        _layer, _version, texts = wall_turn(names, turn, view, lang)
        return (*texts, no_update, no_update, no_update)

    @app.callback(
        Output(ids.HIGHLIGHT_TITLE, "children"),
        Output(ids.HIGHLIGHT_VALUE, "children"),
        Output(ids.HIGHLIGHT_DETAIL, "children"),
        Output(ids.HIGHLIGHT, "style"),
        Output(ids.TREND, "figure"),
        Output(ids.TREND_RANGE, "children"),
        Output(ids.HIGHLIGHT_SHOWN, "data"),
        Input(ids.CYCLE, "n_intervals"),
        Input(ids.VIEW, "data"),
        State(ids.HIGHLIGHT_SHOWN, "data"),
        State(ids.LANG, "data"),
    )
    @when_store_down(no_trend)
    def highlight(turn, view, shown, lang):
        """The layer whose turn it is: its title, headline, and its trend (resent only when its version moved)."""
        if not view:
            raise PreventUpdate
        layer, version, texts = wall_turn(names, turn, view, lang)
        if shown == [layer, version]:
            return (*texts, no_update, no_update, no_update)
        figure, span = figures.trend(layer, version, lang, settings.wall_trend_hours)
        return (*texts, figure, span, [layer, version])


PAGE = Page(
    prefix="/wall/",
    title_key="wall.title",
    assets=("dashboard.js", "freshness.js", "wall.css", "wall.js"),
    access=AccessRule.WALL,
    register=register,
)
