"""The managers' filters: controls -> validated filters store (server side), category choices, shareable URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import dash
from dash import Input, Output, State
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from dashboard.areas import Geography, known_areas
from dashboard.filters import (
    QUERY_PARAMETERS,
    Filters,
    parse_filters,
    raw_from_query,
    rejection_message,
    summary_categories,
)
from dashboard.i18n import DEFAULT_LANGUAGE
from dashboard.kpis import kpis
from dashboard.layers import criteria_layer
from dashboard.store import StoreUnavailable
from dashboard.view_cache import FigureCache
from layouts import ids


def page_query(args: dict[str, list[str]], referrer: str | None) -> dict[str, list[str]]:
    """The query naming the page's filters: the request's own, or the page URL's (the referrer of Dash's requests)."""
    if not any(name in args for name in QUERY_PARAMETERS) and referrer:
        return parse_qs(urlparse(referrer).query)
    return args


def request_filters(geography: Geography) -> tuple[Filters, list[tuple[str, str]]]:
    """(filters, rejected values) in the page's query (`?commune=…&status=new,in_progress&window=7d`).

    Categories are checked later, against the data, by the first filter callback.
    """
    if not has_request_context():
        return Filters(), []
    query = page_query(request.args.to_dict(flat=False), request.referrer)
    communes, quartiers = known_areas(geography)
    return parse_filters(raw_from_query(query), communes=communes, quartiers=quartiers)


def filters_query(filters: Filters, lang: str) -> str:
    """The query string that reopens the page with `filters` (and its language)."""
    pairs: list[tuple[str, str]] = [("lang", lang)] if lang != "fr" else []
    pairs += [(name, value) for name, value in (("commune", filters.commune), ("quartier", filters.quartier)) if value]
    if filters.statuses:
        pairs.append(("status", ",".join(filters.statuses)))
    pairs += [("category", category) for category in filters.categories]
    if filters.window != Filters().window:
        pairs.append(("window", filters.window))
    return "?" + urlencode(pairs) if pairs else ""


def raw_from_controls(
    area_names: list[str], area_values: list[Any], statuses: Any, categories: Any, window: Any
) -> dict[str, Any]:
    """The controls' values as parse_filters reads them (the area controls shown: `area_names`)."""
    raw = dict(zip(area_names, area_values, strict=True))
    raw.update(statuses=statuses, categories=categories, window=window)
    return raw


def chosen_filters(
    raw: dict[str, Any], geography: Geography, known_categories: list[str] | None, lang: str
) -> tuple[dict[str, Any], str, str]:
    """(filters store, message naming what was dropped, page URL query) for the controls' `raw` values."""
    communes, quartiers = known_areas(geography)
    chosen, rejected = parse_filters(raw, communes=communes, quartiers=quartiers, categories=known_categories)
    return chosen.to_dict(), rejection_message(rejected, lang), filters_query(chosen, lang)


def category_options(
    found: list[str] | None, offered: list[dict[str, str]] | None, selected: list[str] | None
) -> list[dict[str, str]] | None:
    """The category choices: those in the data plus any still selected; None when the offer is already that."""
    if not found:
        return None
    values = sorted(set(found) | set(selected or ()))
    if [option["value"] for option in offered or ()] == values:
        return None
    return [{"label": value, "value": value} for value in values]


def reset_values(area_controls: int) -> tuple[Any, ...]:
    """Every control back to 'everything': the area controls shown, statuses, categories, time window."""
    return (*[None] * area_controls, [], [], Filters().window)


def _known_categories(figures: FigureCache) -> list[str] | None:
    """The categories of the described layer's current data; None (shape checked only) while Redis is out of reach."""
    try:
        described = criteria_layer()
        head = figures.store.overview([described])[described].head if described else None
    except StoreUnavailable:
        return None
    return summary_categories(head.summary if head else None)


def register_filters(app: dash.Dash, figures: FigureCache, geography: Geography) -> None:
    """Validate the filter controls into ids.FILTERS, offer the categories in the data, mirror filters in the URL."""
    communes, quartiers = known_areas(geography)
    area_inputs = [Input(ids.COMMUNE_FILTER, "value")] if communes else []
    area_inputs += [Input(ids.QUARTIER_FILTER, "value")] if quartiers else []
    area_names = (["commune"] if communes else []) + (["quartier"] if quartiers else [])

    @app.callback(
        Output(ids.FILTERS, "data"),
        Output(ids.FILTER_MESSAGE, "children"),
        Output(ids.PAGE_URL, "search"),
        *area_inputs,
        Input(ids.STATUS_FILTER, "value"),
        Input(ids.CATEGORY_FILTER, "value"),
        Input(ids.WINDOW_FILTER, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def choose(*args):
        """Unknown communes, quartiers, statuses, categories or windows are dropped and named on screen."""
        *area_values, statuses, categories, window, lang = args
        raw = raw_from_controls(area_names, area_values, statuses, categories, window)
        return chosen_filters(raw, geography, _known_categories(figures), lang)

    @app.callback(
        Output(ids.CATEGORY_FILTER, "options"),
        Input(ids.VIEW, "data"),
        State(ids.CATEGORY_FILTER, "options"),
        State(ids.CATEGORY_FILTER, "value"),
    )
    def offer_categories(view, offered, selected):
        """The categories present in the current reports, plus any still selected; unchanged most polls."""
        options = category_options((view or {}).get("categories"), offered, selected)
        if options is None:
            raise PreventUpdate
        return options

    register_layer_switch(app)

    reset_outputs = [Output(ids.COMMUNE_FILTER, "value")] if communes else []
    reset_outputs += [Output(ids.QUARTIER_FILTER, "value")] if quartiers else []

    @app.callback(
        *reset_outputs,
        Output(ids.STATUS_FILTER, "value"),
        Output(ids.CATEGORY_FILTER, "value"),
        Output(ids.WINDOW_FILTER, "value"),
        Input(ids.FILTER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def reset(_clicks):
        """Every control back to 'everything'."""
        return reset_values(len(reset_outputs))


# Hides the tiles of layers switched off and greys them out in the table's choice (moving the table to a layer
# still on); runs in the browser, nothing to ask the server.
_FOLLOW_LAYER_SWITCH = """function (visible, options, shown) {
    var on = visible || [];
    var hidden = window.dash_clientside.callback_context.outputs_list.slice(0, -2)
        .map(function (out) { return on.indexOf(out.id.replace('kpi-tile-', '')) < 0; });
    var choices = (options || []).map(function (o) {
        return Object.assign({}, o, {disabled: on.indexOf(o.value) < 0});
    });
    var table = on.indexOf(shown) >= 0 || on.length === 0 ? window.dash_clientside.no_update : on[0];
    return hidden.concat([choices, table]);
}"""


def register_layer_switch(app: dash.Dash) -> None:
    """The layer switches narrow the KPI tiles and the table's choice of layer as well as the map."""
    tiles = [kpi.key for kpi in kpis({}, DEFAULT_LANGUAGE)]
    app.clientside_callback(
        _FOLLOW_LAYER_SWITCH,
        *[Output(ids.kpi_tile(key), "hidden") for key in tiles],
        Output(ids.TABLE_LAYER, "options"),
        Output(ids.TABLE_LAYER, "value"),
        Input(ids.LAYER_TOGGLE, "value"),
        State(ids.TABLE_LAYER, "options"),
        State(ids.TABLE_LAYER, "value"),
        prevent_initial_call=True,
    )
