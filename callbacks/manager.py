"""The managers' page: its layout, served per request in the viewer's language, and its live callbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import Input, Output, Patch, State
from dash.exceptions import PreventUpdate

from callbacks.alarms import register_manager_alarms
from callbacks.details import register_details
from callbacks.filters import register_filters, request_filters
from callbacks.live import register_live, request_language
from callbacks.page import Page
from callbacks.sources import register_sources
from callbacks.store_down import when_store_down
from callbacks.tables import register_tables
from dashboard.access import AccessRule
from dashboard.areas import Geography, unavailable_note
from dashboard.auth import csrf_token, current_manager
from dashboard.data_loss import loss_notice
from dashboard.figures import AREA_SHADING_SLOT, layer_traces
from dashboard.filters import rejection_message
from dashboard.i18n import t, zone_label
from dashboard.kpis import kpis
from dashboard.layers import LAYERS, shading_layer
from dashboard.settings import Settings
from dashboard.store import Store
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.manager import manager_layout


def register(app: dash.Dash, store: Store, figures: FigureCache, settings: Settings, geography: Geography) -> None:
    """Attach the managers' layout and callbacks to `app`."""

    def serve_layout():
        lang = request_language()
        chosen, rejected = request_filters(geography)
        return manager_layout(
            lang=lang,
            layer_titles={name: layer.title(lang) for name, layer in LAYERS.items()},
            settled_labels=[t(layer.city_scale.settled_key, lang) for layer in LAYERS.values() if layer.city_scale],
            kpis=kpis({}, lang),
            zone=zone_label(datetime.now(UTC)),
            poll_ms=int(settings.poll_seconds * 1000),
            timeout_ms=int(settings.redis_timeout_seconds * 1000),
            tile_url=settings.tile_url,
            tile_attribution=settings.tile_attribution,
            outlines=geography.outlines,
            geo_note=unavailable_note(geography, lang),
            area_levels=list(geography.areas),
            communes=list(geography.areas.get("commune", ())),
            quartiers=list(geography.areas.get("quartier", ())),
            chosen=chosen,
            filter_message=rejection_message(rejected, lang),
            empty_traces={name: layer_traces(name, None, lang) for name in LAYERS},
            manager=current_manager(),
            sign_out_token=csrf_token(),
        )

    app.layout = serve_layout
    register_live(
        app, store, figures, layer_switch=True, filters=True, scaled=True, marks_seconds=settings.poll_marks_seconds
    )
    register_filters(app, figures, geography)
    register_tables(app, figures)
    register_manager_alarms(app, store, settings)
    register_sources(app, store)
    register_details(app, figures)
    register_data_loss_notice(app, store)
    if geography.areas:
        register_area_shading(app, figures, geography)


PAGE = Page(
    prefix="/",
    title_key="app.title",
    assets=(
        "dashboard.js",
        "freshness.js",
        "manager.alarms.js",
        "manager.css",
        "manager.details.css",
        "manager.details.js",
        "manager.grid.js",
        "manager.session.js",
    ),
    access=AccessRule.MANAGER,
    register=register,
    compress=True,  # map traces compress about five times
)


def register_data_loss_notice(app: dash.Dash, store: Store) -> None:
    """Say when Redis lost its data, for as long as history is shorter than it is kept (read when the view moves)."""

    @app.callback(
        Output(ids.DATA_LOSS, "children"),
        Output(ids.DATA_LOSS, "hidden"),
        Input(ids.VIEW, "data"),
        State(ids.LANG, "data"),
    )
    @when_store_down()
    def data_loss_notice(_view, lang):
        born = store.born()
        notice = loss_notice(born, datetime.now(UTC), store.history_retention, lang)
        return notice, not notice


def shading_wanted(level: str | None, view: dict[str, Any] | None, shown: list[Any] | None) -> int | None:
    """The reports' version the shading should show, or None when the map already shows that choice and version."""
    wanted = (view or {}).get("versions", {}).get(shading_layer() or "", 0)
    if shown and shown[0] == level and (not level or shown[1] == wanted):
        return None
    return wanted


def shading_patch(trace: dict[str, Any] | None) -> Patch:
    """The map's patch putting `trace` in the shading slot, or hiding the slot (no shading chosen)."""
    patch = Patch()
    if trace is None:
        patch["data"][AREA_SHADING_SLOT]["visible"] = False
    else:
        patch["data"][AREA_SHADING_SLOT] = trace
    return patch


def register_area_shading(app: dash.Dash, figures: FigureCache, geography: Geography) -> None:
    """Shade the map by open reports per commune or quartier, redrawn only when the choice or the reports move."""

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True),
        Output(ids.AREA_SHADING_SHOWN, "data"),
        Input(ids.AREA_SHADING, "value"),
        Input(ids.VIEW, "data"),
        State(ids.AREA_SHADING_SHOWN, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    @when_store_down()
    def shade(level, view, shown, lang):
        wanted = shading_wanted(level, view, shown)
        if wanted is None:
            raise PreventUpdate
        if not level:
            return shading_patch(None), [level, wanted]
        version, trace = figures.area_shading(level, wanted, geography.outlines, lang)
        return shading_patch(trace), [level, version]
