"""The tables: one layer at a time as a sortable, filterable grid, the accessible alternative to the map."""

from __future__ import annotations

import json

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.i18n import MESSAGES, number, t
from dashboard.table_blocks import NUMBER_FILTERS, TEXT_FILTERS
from dashboard.tables import CSV_SEPARATOR, FORMULA_ESCAPE, FORMULA_STARTS
from layouts import ids

# Column filters by kind of value; times are 'yyyy-MM-dd HH:mm' text, which filters as text. The server answers
# the filters offered here (dashboard.table_blocks), one condition per column.
_TEXT_FILTER = {
    "filter": "agTextColumnFilter",
    "filterParams": {"filterOptions": list(TEXT_FILTERS), "maxNumConditions": 1},
}
_NUMBER_FILTER = {
    "filter": "agNumberColumnFilter",
    "filterParams": {"filterOptions": list(NUMBER_FILTERS), "maxNumConditions": 1, "inRangeInclusive": True},
}
PAGE_SIZE = 50  # one of the grid's default page-size choices
BLOCK_ROWS = 100  # rows the grid asks the server for at a time (two pages)


def column_defs(columns: list[dict], lang: str) -> list[dict]:
    """The grid's column definitions from a table's columns (field, header, kind); numbers shown in `lang`."""
    return [_column_def(col, lang) for col in columns]


def _column_def(col: dict, lang: str) -> dict:
    if col["kind"] != "number":
        return {"field": col["field"], "headerName": col["header"], "headerTooltip": col["header"], **_TEXT_FILTER}
    return {
        "field": col["field"],
        "headerName": col["header"],
        "headerTooltip": col["header"],
        "type": "numericColumn",
        # formatGridNumber (assets/manager.grid.js): the number as the page's language writes it.
        "valueFormatter": {"function": f"formatGridNumber(params.value, {json.dumps(lang)})"},
        **_NUMBER_FILTER,
    }


def csv_export_params() -> dict:
    """The grid's own CSV export: the server CSV's separator and its rule for cells a spreadsheet would run.

    The rule's characters come from dashboard.tables; `neutraliseCsvCell` (assets/manager.grid.js) applies them.
    """
    rule = f"neutraliseCsvCell(params, {json.dumps(FORMULA_STARTS)}, {json.dumps(FORMULA_ESCAPE)})"
    return {"columnSeparator": CSV_SEPARATOR, "processCellCallback": {"function": rule}}


def grid_words(lang: str) -> dict[str, str]:
    """The grid's own texts (pagination, column filters) in `lang`, from the message catalogue.

    The pager writes its numbers with the separators of dashboard.i18n.number ("20 000" with a narrow no-break
    space in French).
    """
    words = {key.removeprefix("grid."): t(key, lang) for key in MESSAGES if key.startswith("grid.")}
    words["thousandSeparator"] = number(1000, lang)[1]
    words["decimalSeparator"] = number(1.5, lang, digits=1)[1]
    return words


def tables_section(lang: str, layer_titles: dict[str, str]) -> html.Section:
    """A choice of layer, its grid (infinite row model: the server sends the rows in blocks, paginated), row count
    and the two CSV exports."""
    first = next(iter(layer_titles))
    return html.Section(
        className="tables",
        **{"aria-labelledby": "tables-title"},
        children=[
            html.H2(t("tables.title", lang), id="tables-title"),
            html.Div(
                className="tables-controls",
                children=[
                    html.Label(t("tables.layer", lang), htmlFor=ids.TABLE_LAYER, className="filter-label"),
                    dcc.Dropdown(
                        id=ids.TABLE_LAYER,
                        options=[{"label": title, "value": name} for name, title in layer_titles.items()],
                        value=first,
                        clearable=False,
                        searchable=False,
                        className="table-layer",
                    ),
                    # A plain link: the browser downloads the file as the server writes it (dashboard.api).
                    html.A(t("tables.download", lang), id=ids.TABLE_DOWNLOAD, className="button", download=""),
                    html.Button(t("tables.export_grid", lang), id=ids.TABLE_EXPORT, className="button", type="button"),
                ],
            ),
            html.P("", id=ids.TABLE_NOTE, className="table-note", role="status"),
            html.Div(
                role="region",
                className="table-region",
                id=ids.TABLE_REGION,
                **{"aria-label": t("tables.label", lang, title=layer_titles[first])},
                children=dag.AgGrid(
                    id=ids.TABLE,
                    rowModelType="infinite",
                    columnDefs=[],
                    defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 110},
                    getRowId="params.data.id",
                    dashGridOptions={
                        "pagination": True,
                        "paginationPageSize": PAGE_SIZE,
                        "cacheBlockSize": BLOCK_ROWS,
                        # dash-ag-grid answers the grid's latest request only: one block in flight at a time.
                        "maxConcurrentDatasourceRequests": 1,
                        "animateRows": False,
                        "ensureDomOrder": True,  # screen readers read rows and cells in order
                        "enableCellTextSelection": True,
                        "localeText": grid_words(lang),
                    },
                    csvExportParams=csv_export_params(),
                    style={"height": "100%", "width": "100%"},
                ),
            ),
            # The grid loads its rows in blocks as it is scrolled: its own export holds those it has loaded.
            html.P(t("tables.exports", lang), className="table-note"),
            dcc.Store(id=ids.TABLE_SHOWN),
            dcc.Store(id=ids.TABLE_PURGED),
            dcc.Store(id=ids.TABLE_BLOCK),
        ],
    )
