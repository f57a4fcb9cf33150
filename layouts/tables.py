"""The tables: one layer at a time as a sortable, filterable grid, the accessible alternative to the map."""

from __future__ import annotations

import json

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.i18n import MESSAGES, t
from dashboard.tables import CSV_SEPARATOR, FORMULA_ESCAPE, FORMULA_STARTS
from layouts import ids

# Column filters by kind of value; times are 'yyyy-MM-dd HH:mm' text, which sorts and filters as text.
_COLUMN_FILTERS = {"number": "agNumberColumnFilter", "text": "agTextColumnFilter", "time": "agTextColumnFilter"}
PAGE_SIZE = 50  # one of the grid's default page-size choices


def column_defs(columns: list[dict]) -> list[dict]:
    """The grid's column definitions from a table's columns (field, header, kind)."""
    return [
        {
            "field": col["field"],
            "headerName": col["header"],
            "filter": _COLUMN_FILTERS.get(col["kind"], "agTextColumnFilter"),
            **({"type": "numericColumn"} if col["kind"] == "number" else {}),
        }
        for col in columns
    ]


def csv_export_params() -> dict:
    """The grid's own CSV export: the server CSV's separator and its rule for cells a spreadsheet would run.

    The rule's characters come from dashboard.tables; `neutraliseCsvCell` (assets/manager.grid.js) applies them.
    """
    rule = f"neutraliseCsvCell(params, {json.dumps(FORMULA_STARTS)}, {json.dumps(FORMULA_ESCAPE)})"
    return {"columnSeparator": CSV_SEPARATOR, "processCellCallback": {"function": rule}}


def grid_words(lang: str) -> dict[str, str]:
    """The grid's own texts (pagination, column filters) in `lang`, from the message catalogue."""
    return {key.removeprefix("grid."): t(key, lang) for key in MESSAGES if key.startswith("grid.")}


def tables_section(lang: str, layer_titles: dict[str, str]) -> html.Section:
    """A choice of layer, its grid (client-side row model, paginated), row count and the two CSV exports."""
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
                    rowData=[],
                    columnDefs=[],
                    defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 110},
                    getRowId="params.data.id",
                    dashGridOptions={
                        "pagination": True,
                        "paginationPageSize": PAGE_SIZE,
                        "animateRows": False,
                        "ensureDomOrder": True,  # screen readers read rows and cells in order
                        "enableCellTextSelection": True,
                        "localeText": grid_words(lang),
                    },
                    csvExportParams=csv_export_params(),
                    style={"height": "100%", "width": "100%"},
                ),
            ),
            dcc.Store(id=ids.TABLE_SHOWN),
        ],
    )
