"""The details panel: a click on the map selects a record; its panel is built once per (layer, version, record)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.store_down import keep_screen, when_store_down
from dashboard.details import MAX_ID_LENGTH, clicked_record, unavailable_panel
from dashboard.details_cache import DetailsCache
from dashboard.figures import trace_slots
from dashboard.layers import LAYERS
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.details import details_body
from layouts.ids import details_part as part


def _selection(data: Any) -> tuple[str, str] | None:
    """(layer, record id) of the selection the browser holds, or None if it is not one (it comes from the client)."""
    if not isinstance(data, dict):
        return None
    layer, record_id = data.get("layer"), data.get("id")
    if layer not in LAYERS or not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID_LENGTH:
        return None
    return layer, record_id


class PanelStep(Enum):
    """What the panel does when nothing needs reading: stay as it is, or close."""

    KEEP = "keep"
    CLOSE = "close"


def panel_wanted(
    selected: Any, view: dict[str, Any] | None, shown: list[Any] | None, *, live_update: bool
) -> PanelStep | tuple[str, str, int]:
    """(layer, record id, wanted version) of the panel to build, or what to do without building one.

    `live_update`: the view moved and the selection did not; the panel is then rebuilt only when its record's
    layer has a new version.
    """
    target = _selection(selected)
    if target is None:
        return PanelStep.KEEP if live_update or selected else PanelStep.CLOSE
    layer, record_id = target
    wanted = int(((view or {}).get("versions") or {}).get(layer) or 0)
    if live_update and (not shown or shown[:2] != [layer, record_id] or shown[2] == wanted):
        return PanelStep.KEEP  # nothing new about the record on screen
    return layer, record_id, wanted


def panel_outputs(panel: dict[str, Any], shown: list[Any]) -> tuple[Any, ...]:
    """The open panel's outputs: hidden, title, subtitle, body, and what it shows ([layer, id, version])."""
    return False, panel["title"], panel["subtitle"], details_body(panel), shown


def register_details(app: dash.Dash, figures: FigureCache) -> None:
    """Open the panel on a click on a map point, close it with its button, refresh it when its layer changes."""
    layer_of_trace = {index: name for name, indices in trace_slots(LAYERS).items() for index in indices}
    panels = DetailsCache(figures.snapshots, figures.cache)

    @app.callback(
        Output(part("selected"), "data"),
        Input(ids.MAP, "clickData"),
        Input(part("close"), "n_clicks"),
        prevent_initial_call=True,
    )
    def select(click, _closed):
        if dash.ctx.triggered_id == part("close"):
            return None
        target = clicked_record(click, layer_of_trace)
        if target is None:
            raise PreventUpdate  # a click on an area or on nothing leaves the panel as it is
        return target

    def unavailable(selected, _view, _shown, lang):
        if f"{part('selected')}.data" not in dash.ctx.triggered_prop_ids:
            keep_screen()  # a live update: keep what is on screen; the banner says why
        return panel_outputs(unavailable_panel(lang).to_dict(), [*(_selection(selected) or ()), 0])

    @app.callback(
        Output(ids.DETAILS, "hidden"),
        Output(part("title"), "children"),
        Output(part("subtitle"), "children"),
        Output(part("body"), "children"),
        Output(part("shown"), "data"),
        Input(part("selected"), "data"),
        Input(ids.VIEW, "data"),
        State(part("shown"), "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    @when_store_down(unavailable)
    def render(selected, view, shown, lang):
        # A live update only when the selection did not change too: Dash may send both in one request, and a
        # close (selection None) arriving with a view must still close the panel.
        live_update = f"{part('selected')}.data" not in dash.ctx.triggered_prop_ids
        wanted = panel_wanted(selected, view, shown, live_update=live_update)
        if wanted is PanelStep.KEEP:
            raise PreventUpdate
        if wanted is PanelStep.CLOSE:
            return True, "", "", [], None
        layer, record_id, version = wanted
        built, panel = panels.panel(layer, record_id, version, lang)
        return panel_outputs(panel, [layer, record_id, built])

    app.clientside_callback(
        ClientsideFunction(namespace="cityopsDetails", function_name="focusOnOpen"),
        Output(part("focus"), "data"),
        Input(part("shown"), "data"),
        prevent_initial_call=True,
    )
