"""The managers' page: header, KPI tiles, freshness badges, filters, layer switches, the live map and tables."""

from __future__ import annotations

from dash import dcc, html

from dashboard.figures import map_figure
from dashboard.filters import Filters
from dashboard.i18n import t
from dashboard.kpis import Kpi
from layouts import ids
from layouts.alarms import alarms_panel
from layouts.details import details_panel
from layouts.filters import filter_panel
from layouts.parts import badge, boundaries_note, demo_flag, kpi_tile, live_stores, page_legend
from layouts.sources import sources_panel
from layouts.tables import tables_section


def _signed_in(lang: str, manager: str | None, sign_out_token: str) -> list:
    """The signed-in manager's name and the sign-out button (a POST with the session's token, shown like a link)."""
    if not manager:
        return []
    return [
        html.Span(t("auth.signed_in_as", lang, name=manager), className="manager-name"),
        html.Form(
            method="post",
            action=f"/logout?lang={lang}",
            className="sign-out-form",
            children=[
                # The field dashboard.auth.CSRF_FIELD checks (layouts may not import the login, which reaches Redis).
                dcc.Input(type="hidden", name="csrf_token", value=sign_out_token),
                html.Button(t("auth.sign_out", lang), type="submit", className="sign-out"),
            ],
        ),
    ]


def _header(lang: str, zone: str, manager: str | None = None, sign_out_token: str = "") -> html.Header:
    other = "en" if lang == "fr" else "fr"
    return html.Header(
        className="topbar",
        children=[
            html.H1(t("app.title", lang)),
            demo_flag(lang),
            html.Span(t("app.times_in", lang, zone=zone), className="zone"),
            html.Span("", id=ids.UPDATED, className="updated", **{"aria-live": "polite"}),
            html.A(t("app.language", lang), href=f"?lang={other}", className="lang-switch", lang=other),
            *_signed_in(lang, manager, sign_out_token),
        ],
    )


def _area_shading(lang: str, levels: list[str]) -> list:
    """The choice of shading the map by open reports per area; absent without boundaries."""
    if not levels:
        return []
    options = [{"label": t("areas.none", lang), "value": ""}]
    options += [{"label": t(f"areas.{level}", lang), "value": level} for level in levels]
    return [
        html.Span(t("areas.shading", lang), className="area-shading-label", id=f"{ids.AREA_SHADING}-label"),
        html.Div(
            role="radiogroup",
            className="area-shading",
            **{"aria-labelledby": f"{ids.AREA_SHADING}-label"},
            children=dcc.RadioItems(id=ids.AREA_SHADING, options=options, value="", inline=True),
        ),
        dcc.Store(id=ids.AREA_SHADING_SHOWN),
    ]


def _show_settled(labels: list[str]) -> list:
    """The check box drawing the records that need nothing more (resolved and closed reports), off at first; there
    but hidden when no layer has such records (the map's callback reads it)."""
    return [
        dcc.Checklist(
            id=ids.SHOW_SETTLED,
            className="show-settled",
            options=[{"label": " / ".join(labels), "value": "settled"}],
            value=[],
            inline=True,
            style={} if labels else {"display": "none"},
        )
    ]


def manager_layout(
    *,
    lang: str,
    layer_titles: dict[str, str],
    settled_labels: list[str],
    kpis: list[Kpi],
    zone: str,
    poll_ms: int,
    timeout_ms: int,
    tile_url: str | None,
    tile_attribution: str,
    outlines: dict[str, dict],
    geo_note: str,
    area_levels: list[str],
    communes: list[tuple[str, str]],
    quartiers: list[tuple[str, str]],
    chosen: Filters,
    filter_message: str,
    empty_traces: dict[str, list[dict]],
    manager: str | None = None,
    sign_out_token: str = "",
) -> html.Div:
    """The whole page for one language; live values arrive through the callbacks."""
    figure = map_figure(empty_traces, tile_url=tile_url, tile_attribution=tile_attribution, outlines=outlines)
    return html.Div(
        className="page manager",
        lang=lang,
        children=[
            _header(lang, zone, manager, sign_out_token),
            html.Div(id=ids.BANNER, className="banner", role="alert", hidden=True),
            html.P(id=ids.DATA_LOSS, className="banner data-loss", role="status", hidden=True),
            html.Ul(
                className="badges",
                children=[badge(name, title, link=f"#{ids.source_row(name)}") for name, title in layer_titles.items()],
            ),
            html.Div(className="kpis", children=[kpi_tile(k) for k in kpis]),
            alarms_panel(lang),
            filter_panel(lang, communes=communes, quartiers=quartiers, chosen=chosen, message=filter_message),
            html.Div(
                className="map-panel",
                children=[
                    html.Fieldset(
                        className="layer-toggle",
                        children=[
                            html.Legend(t("app.layers", lang)),
                            dcc.Checklist(
                                id=ids.LAYER_TOGGLE,
                                options=[{"label": title, "value": name} for name, title in layer_titles.items()],
                                value=list(layer_titles),
                                inline=True,
                            ),
                            *_show_settled(settled_labels),
                            *_area_shading(lang, area_levels),
                        ],
                    ),
                    boundaries_note(geo_note),
                    html.Div(
                        role="region",
                        className="map",
                        **{"aria-label": t("app.map_label", lang)},
                        children=dcc.Graph(
                            id=ids.MAP,
                            figure=figure,
                            style={"height": "100%"},
                            config={"displaylogo": False, "scrollZoom": True},
                        ),
                    ),
                    # On phones the map's own legend would cover it: the same symbols as text under the map.
                    page_legend(lang, "phone-legend"),
                ],
            ),
            details_panel(lang),
            tables_section(lang, layer_titles),
            sources_panel(lang),
            *live_stores(lang, poll_ms, timeout_ms),
        ],
    )
