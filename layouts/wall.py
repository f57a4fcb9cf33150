"""The operations-centre wall: no controls, everything at once, one layer highlighted in turn, sized by the viewport."""

from __future__ import annotations

from dash import dcc, html

from dashboard.figures import map_figure
from dashboard.i18n import t
from dashboard.kpis import Kpi
from layouts import ids
from layouts.alarms import wall_alarm_stores
from layouts.parts import badge, boundaries_note, demo_flag, kpi_tile, live_stores, page_legend

_STATIC = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def wall_layout(
    *,
    lang: str,
    layer_titles: dict[str, str],
    kpis: list[Kpi],
    poll_ms: int,
    timeout_ms: int,
    cycle_ms: int,
    trend_hours: float,
    tile_url: str | None,
    tile_attribution: str,
    outlines: dict[str, dict],
    geo_note: str,
    empty_traces: dict[str, list[dict]],
    empty_trend: dict,
) -> html.Div:
    """The whole wall for one language; live values arrive through the callbacks."""
    figure = map_figure(
        empty_traces, tile_url=tile_url, tile_attribution=tile_attribution, outlines=outlines, dark=True
    )
    return html.Div(
        className="page wall",
        lang=lang,
        children=[
            html.Header(
                className="wall-top",
                children=[
                    html.H1(t("wall.title", lang)),
                    demo_flag(lang),
                    html.Span("", id=ids.UPDATED, className="updated"),
                    html.Div(
                        className="clock",
                        children=[html.Span("", id=ids.CLOCK), html.Span("", id=ids.CLOCK_DATE, className="date")],
                    ),
                ],
            ),
            html.Div(
                id=ids.CONNECTION_LOST,
                className="banner connection-lost",
                role="alert",
                hidden=True,
                **{"data-template": t("wall.connection_lost", lang, time="{time}")},
            ),
            html.Div(id=ids.BANNER, className="banner", role="alert", hidden=True),
            html.Main(
                className="wall-main",
                children=[
                    html.Div(
                        className="wall-map",
                        children=dcc.Graph(id=ids.MAP, figure=figure, config=_STATIC, style={"height": "100%"}),
                    ),
                    html.Aside(
                        className="wall-side",
                        children=[
                            html.Section(
                                id=ids.HIGHLIGHT,
                                className="highlight",
                                children=[
                                    html.H2("", id=ids.HIGHLIGHT_TITLE),
                                    html.P("—", id=ids.HIGHLIGHT_VALUE, className="highlight-value"),
                                    html.P("", id=ids.HIGHLIGHT_DETAIL, className="highlight-detail"),
                                    html.Div(
                                        className="trend",
                                        children=dcc.Graph(
                                            id=ids.TREND, figure=empty_trend, config=_STATIC, style={"height": "100%"}
                                        ),
                                    ),
                                    html.P(
                                        className="trend-caption",
                                        children=[
                                            html.Span(t("trend.span", lang, hours=f"{trend_hours:g}")),
                                            html.Span("", id=ids.TREND_RANGE),
                                        ],
                                    ),
                                ],
                            ),
                            html.Div(className="kpis", children=[kpi_tile(k) for k in kpis]),
                            page_legend(lang),
                            boundaries_note(geo_note),
                        ],
                    ),
                ],
            ),
            html.Footer(
                className="wall-bottom",
                children=[
                    html.Ul(className="badges", children=[badge(n, title) for n, title in layer_titles.items()]),
                    html.Div(
                        className="ticker",
                        children=[
                            html.Span(t("wall.alarms", lang), className="ticker-label"),
                            # Alarms take turns, each shown whole (assets/wall.js): which one of how many.
                            html.Span("", id=ids.TICKER_COUNT, className="ticker-count"),
                            html.Span(
                                t("wall.no_alarm", lang),
                                id=ids.TICKER,
                                className="ticker-text",
                                **{"data-empty": t("wall.no_alarm", lang)},
                            ),
                        ],
                    ),
                ],
            ),
            # The wall says "Connexion perdue" in its own line (assets/wall.js).
            *live_stores(lang, poll_ms, timeout_ms, lost_banner=False),
            dcc.Interval(id=ids.CLOCK_TICK, interval=1000),
            dcc.Interval(id=ids.CYCLE, interval=cycle_ms),
            dcc.Store(id=ids.HIGHLIGHT_SHOWN),
            *wall_alarm_stores(),
        ],
    )
