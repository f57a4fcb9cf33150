"""The details panel: a click on the map selects a record; its panel is built once per (layer, version, record)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.live import shown_scale
from callbacks.store_down import keep_screen, when_store_down
from dashboard.details import MAX_ID_LENGTH, clicked_record, unavailable_panel
from dashboard.details_cache import DetailsCache
from dashboard.figures import trace_slots
from dashboard.filters import parse_filters
from dashboard.layers import LAYERS
from dashboard.view_cache import DrawnPoint, FigureCache
from layouts import ids
from layouts.details import details_body
from layouts.ids import details_part as part


def clicked_point(click: Any, slots: dict[str, range]) -> tuple[str, int, int] | None:
    """(layer, its trace, point) of a clicked point of a city-scale layer (Layer.city_scale), whose points carry no
    id in the browser; None for any other click."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
    curve, number = point.get("curveNumber"), point.get("pointNumber")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (curve, number)) or number < 0:
        return None
    for layer, indices in slots.items():
        if curve in indices and LAYERS[layer].city_scale is not None:
            return layer, curve - indices.start, number
    return None


def drawn_point(map_versions: Any, view: Any, clicked: tuple[str, int, int]) -> tuple[int, DrawnPoint] | None:
    """(version, point as drawn) of a clicked city-scale point, from what the map shows (ids.MAP_VERSIONS: layer ->
    [version, scope]) and the page's filters; None when the map does not say it shows the layer."""
    layer, trace, point = clicked
    shown = map_versions.get(layer) if isinstance(map_versions, dict) else None
    if not isinstance(shown, list | tuple) or len(shown) != 2 or not isinstance(shown[0], int):
        return None
    narrowed, _rejected = parse_filters(view.get("filters") if isinstance(view, dict) else None)
    return shown[0], DrawnPoint(narrowed, shown_scale(shown), trace, point)


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
    slots = trace_slots(LAYERS)
    layer_of_trace = {index: name for name, indices in slots.items() for index in indices}
    panels = DetailsCache(figures.snapshots, figures.cache)

    @app.callback(
        Output(part("selected"), "data"),
        Input(ids.MAP, "clickData"),
        Input(part("close"), "n_clicks"),
        State(ids.MAP_VERSIONS, "data"),
        State(ids.VIEW, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    @when_store_down()
    def select(click, _closed, map_versions, view, lang):
        if dash.ctx.triggered_id == part("close"):
            return None
        clicked = clicked_point(click, slots)
        if clicked is None:
            target = clicked_record(click, layer_of_trace)
        else:
            drawn = drawn_point(map_versions, view, clicked)
            # None when the map moved on to a newer version since: the next click finds the record.
            record_id = figures.record_id(clicked[0], drawn[0], lang, drawn[1]) if drawn else None
            target = {"layer": clicked[0], "id": record_id} if record_id else None
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
