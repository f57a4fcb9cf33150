"""The tables: the chosen layer's filtered rows in the grid, block by block, and the two CSV exports."""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks.filters import filters_query
from callbacks.store_down import keep_screen, when_store_down
from dashboard.filters import Filters, parse_filters
from dashboard.i18n import number, t
from dashboard.layers import LAYERS
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.tables import column_defs

# The parts of the grid's request that name a block, with the grid's value when it sends none.
BLOCK_REQUEST_KEYS = (("startRow", 0), ("endRow", 0), ("sortModel", []), ("filterModel", {}))


def table_note(count: int, lang: str) -> str:
    """How many rows pass the page's filters, in words."""
    return t("tables.count", lang, count=number(count, lang))


def csv_url(layer: str, filters: Filters, lang: str) -> str:
    """The address of the layer's CSV of every row passing `filters` (dashboard.api: a file sent as written)."""
    return f"/api/v1/layers/{layer}/csv" + filters_query(filters, lang)  # French unless the query says otherwise


def table_wanted(view: dict[str, Any] | None, layer: Any, shown: list[Any] | None) -> tuple[Filters, str, int] | None:
    """(filters, their scope for the layer, wanted version) when the grid must be filled again, else None."""
    if not view or layer not in LAYERS:
        return None
    filters, _rejected = parse_filters(view.get("filters"))
    scope = filters.for_layer(LAYERS[layer].record_type).key()
    wanted = view["versions"].get(layer, 0)
    if shown and shown[:3] == [layer, wanted, scope]:
        return None
    return filters, scope, wanted


def table_outputs(
    table: dict[str, Any],
    layer: str,
    filters: Filters,
    scope: str,
    shown: list[Any] | None,
    export_params: dict[str, Any] | None,
    lang: str,
) -> tuple[Any, ...]:
    """The grid's columns (only when the layer changed), CSV name, note, what it shows, region label, and where
    the CSV link points. A new `shown` has the grid ask for its rows again (table_block)."""
    same_layer = bool(shown) and shown[0] == layer
    return (
        no_update if same_layer else column_defs(table["columns"], lang),
        {**(export_params or {}), "fileName": f"{layer}-{t('tables.title', lang).lower()}.csv"},
        table_note(table["count"], lang),
        [layer, table["version"], scope, lang],
        t("tables.label", lang, title=LAYERS[layer].title(lang)),
        csv_url(layer, filters.for_layer(LAYERS[layer].record_type), lang),
    )


def block_wanted(
    grid_request: dict[str, Any] | None, shown: list[Any] | None, view: dict[str, Any] | None
) -> tuple[str, int, str, Filters] | None:
    """(layer, version, language, page filters) of the table on screen, for the grid's request of a block; None
    before the table is set up (the grid asks again once it is)."""
    if not grid_request or not shown or shown[0] not in LAYERS:
        return None
    layer, version, _scope, lang = shown
    filters, _rejected = parse_filters((view or {}).get("filters"))
    return layer, version, lang, filters


def block_for(grid_request: dict[str, Any], shown: list[Any]) -> list[Any]:
    """What a block answers: the table shown and the grid's request (compared by `grid.answer` in
    assets/manager.grid.js with the grid's current request)."""
    request = [grid_request.get(key, default) for key, default in BLOCK_REQUEST_KEYS]
    return [shown, request]


def register_tables(app: dash.Dash, figures: FigureCache) -> None:
    """Set the grid up when the layer, its version or the filters change, answer its requests for blocks of rows,
    and point the CSV link at every row."""

    def unavailable(_view, _layer, shown, _export_params, lang):
        if shown:
            keep_screen()  # keep the last table; the banner says why
        return no_update, no_update, t("tables.unavailable", lang), no_update, no_update, no_update

    @app.callback(
        Output(ids.TABLE, "columnDefs"),
        Output(ids.TABLE, "csvExportParams"),
        Output(ids.TABLE_NOTE, "children"),
        Output(ids.TABLE_SHOWN, "data"),
        Output(ids.TABLE_REGION, "aria-label"),
        Output(ids.TABLE_DOWNLOAD, "href"),
        Input(ids.VIEW, "data"),
        Input(ids.TABLE_LAYER, "value"),
        State(ids.TABLE_SHOWN, "data"),
        State(ids.TABLE, "csvExportParams"),
        State(ids.LANG, "data"),
    )
    @when_store_down(unavailable)
    def fill(view, layer, shown, export_params, lang):
        """Nothing is sent while the layer's version and the filters stay the same."""
        wanted = table_wanted(view, layer, shown)
        if wanted is None:
            raise PreventUpdate
        filters, scope, version = wanted
        table = figures.table(layer, version, lang, filters)
        return table_outputs(table, layer, filters, scope, shown, export_params, lang)

    @app.callback(
        Output(ids.TABLE_BLOCK, "data"),
        Input(ids.TABLE, "getRowsRequest"),
        State(ids.TABLE_SHOWN, "data"),
        State(ids.VIEW, "data"),
    )
    @when_store_down()
    def table_block(grid_request, shown, view):
        """One block of rows, sorted and filtered as the grid asks, for the version and filters on screen."""
        wanted = block_wanted(grid_request, shown, view)
        if wanted is None:
            raise PreventUpdate
        layer, version, lang, filters = wanted
        return {
            "for": block_for(grid_request, shown),
            **figures.table_block(layer, version, lang, filters, grid_request),
        }

    # dash-ag-grid gives an answer to the grid's latest request, whichever it was for: an answer reaching the
    # browser after the grid asked again (a new version, layer or sort meanwhile) is dropped, not shown.
    app.clientside_callback(
        ClientsideFunction(namespace="grid", function_name="answer"),
        Output(ids.TABLE, "getRowsResponse"),
        Input(ids.TABLE_BLOCK, "data"),
        State(ids.TABLE, "getRowsRequest"),
        State(ids.TABLE_SHOWN, "data"),
        prevent_initial_call=True,
    )

    # A new (layer, version, filters): the grid lets go of its blocks and asks for the rows on screen again.
    app.clientside_callback(
        ClientsideFunction(namespace="grid", function_name="purge"),
        Output(ids.TABLE_PURGED, "data"),
        Input(ids.TABLE_SHOWN, "data"),
        State(ids.TABLE, "id"),
        State(ids.TABLE_PURGED, "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        "function (clicks) { return clicks ? true : window.dash_clientside.no_update; }",
        Output(ids.TABLE, "exportDataAsCsv"),
        Input(ids.TABLE_EXPORT, "n_clicks"),
        prevent_initial_call=True,
    )
