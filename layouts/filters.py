"""The managers' filter panel: commune, quartier, report status and category, time window (pure component tree)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.filters import STATUSES, WINDOWS, Filters
from dashboard.i18n import t
from layouts import ids


def _field(label: str, control_id: str, control) -> html.Div:
    """A labelled control; the label names it for screen readers too."""
    return html.Div(
        className="filter-field",
        children=[html.Label(label, htmlFor=control_id, className="filter-label"), control],
    )


def _area_field(level: str, control_id: str, areas: list[tuple[str, str]], value: str, lang: str) -> html.Div:
    """One area selector (commune or quartier): its areas by name, 'all' when none is chosen."""
    return _field(
        t(f"filter.{level}", lang),
        control_id,
        dcc.Dropdown(
            id=control_id,
            options=[{"label": name, "value": code} for code, name in areas],
            value=value or None,
            placeholder=t(f"filter.all_{level}s", lang),
            className=f"{level}-filter",
        ),
    )


def _area_fields(lang: str, communes: list[tuple[str, str]], quartiers: list[tuple[str, str]], chosen: Filters):
    """Commune and quartier selectors; each is absent when its boundaries are not loaded."""
    fields = []
    if communes:
        by_name = sorted(communes, key=lambda c: c[1])
        fields.append(_area_field("commune", ids.COMMUNE_FILTER, by_name, chosen.commune, lang))
    if quartiers:
        fields.append(_area_field("quartier", ids.QUARTIER_FILTER, quartiers, chosen.quartier, lang))
    return fields


def filter_panel(
    lang: str,
    *,
    communes: list[tuple[str, str]],
    quartiers: list[tuple[str, str]],
    chosen: Filters,
    message: str = "",
) -> html.Section:
    """The filters that narrow the map, the KPI tiles and the tables together, and the store they fill."""
    statuses = [{"label": t(f"report.{status}", lang), "value": status} for status in STATUSES]
    windows = [{"label": t(f"filter.window.{window}", lang), "value": window} for window in WINDOWS]
    return html.Section(
        id=ids.FILTER_PANEL,
        className="filter-panel",
        **{"aria-labelledby": f"{ids.FILTER_PANEL}-title"},
        children=[
            html.H2(t("filter.title", lang), id=f"{ids.FILTER_PANEL}-title"),
            html.P(t("filter.help", lang), className="filter-help"),
            html.Div(
                className="filter-fields",
                children=[
                    *_area_fields(lang, communes, quartiers, chosen),
                    _field(
                        t("filter.statuses", lang),
                        ids.STATUS_FILTER,
                        dcc.Dropdown(
                            id=ids.STATUS_FILTER,
                            options=statuses,
                            value=list(chosen.statuses),
                            multi=True,
                            placeholder=t("filter.all_statuses", lang),
                        ),
                    ),
                    _field(
                        t("filter.categories", lang),
                        ids.CATEGORY_FILTER,
                        dcc.Dropdown(
                            id=ids.CATEGORY_FILTER,
                            options=[{"label": c, "value": c} for c in chosen.categories],
                            value=list(chosen.categories),
                            multi=True,
                            placeholder=t("filter.all_categories", lang),
                        ),
                    ),
                    html.Fieldset(
                        className="filter-field filter-window",
                        children=[
                            html.Legend(t("filter.window", lang), className="filter-label"),
                            dcc.RadioItems(id=ids.WINDOW_FILTER, options=windows, value=chosen.window, inline=True),
                        ],
                    ),
                ],
            ),
            html.Div(
                className="filter-actions",
                children=[
                    html.Button(t("filter.reset", lang), id=ids.FILTER_RESET, className="button", type="button"),
                    html.P(message, id=ids.FILTER_MESSAGE, className="filter-message", role="status"),
                ],
            ),
            dcc.Store(id=ids.FILTERS, data=chosen.to_dict()),
            dcc.Location(id=ids.PAGE_URL, refresh=False),
        ],
    )
