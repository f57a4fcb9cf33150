"""The tables: the chosen layer's filtered rows in the grid, and the two CSV exports."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks.filters import filters_query
from callbacks.store_down import keep_screen, when_store_down
from dashboard.filters import Filters, parse_filters
from dashboard.i18n import number, t
from dashboard.layers import LAYERS
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.tables import column_defs


def table_note(count: int, shown: int, lang: str) -> str:
    """How many rows pass the filters, and whether the grid holds only the newest of them."""
    if shown < count:
        return t("tables.truncated", lang, shown=number(shown, lang), count=number(count, lang))
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
    """The grid's rows, its columns (only when the layer changed), CSV name, note, what it shows, region label,
    and where the CSV link points."""
    same_layer = bool(shown) and shown[0] == layer
    return (
        table["rows"],
        no_update if same_layer else column_defs(table["columns"]),
        {**(export_params or {}), "fileName": f"{layer}-{t('tables.title', lang).lower()}.csv"},
        table_note(table["count"], len(table["rows"]), lang),
        [layer, table["version"], scope, lang],
        t("tables.label", lang, title=LAYERS[layer].title(lang)),
        csv_url(layer, filters.for_layer(LAYERS[layer].record_type), lang),
    )


def register_tables(app: dash.Dash, figures: FigureCache) -> None:
    """Fill the grid when the layer, its version or the filters change, and point the CSV link at its rows."""

    def unavailable(_view, _layer, shown, _export_params, lang):
        if shown:
            keep_screen()  # keep the last table; the banner says why
        return no_update, no_update, no_update, t("tables.unavailable", lang), no_update, no_update, no_update

    @app.callback(
        Output(ids.TABLE, "rowData"),
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

    app.clientside_callback(
        "function (clicks) { return clicks ? true : window.dash_clientside.no_update; }",
        Output(ids.TABLE, "exportDataAsCsv"),
        Input(ids.TABLE_EXPORT, "n_clicks"),
        prevent_initial_call=True,
    )
