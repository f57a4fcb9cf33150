"""Pure figure builders of the details panel: a record's series over time, drawn in the city's clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.i18n import CITY_ZONE, t
from dashboard.map_style import OKABE_ITO

Series = Sequence[tuple[datetime, float]]
_LINE_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["purple"])
_REFERENCE_COLOUR = "#7a7468"


def _local(moment: datetime) -> datetime:
    # Plotly draws a datetime's digits as given: hand it Paris wall-clock times, so every viewer sees city time.
    return moment.astimezone(CITY_ZONE).replace(tzinfo=None)


def _wall_clock(series: Series) -> tuple[list[datetime], list[float]]:
    return [_local(moment) for moment, _value in series], [value for _moment, value in series]


def _mode(series: Series) -> str:
    return "lines" if len(series) > 2 else "lines+markers"  # a line of one point would not show


def _style(fig: go.Figure, lang: str, height: int) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 48, "r": 12, "t": 28, "b": 36},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        separators=", " if lang == "fr" else ".,",
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
        font={"size": 12},
    )
    fig.update_xaxes(showgrid=True, gridcolor="#ece8df")
    fig.update_yaxes(showgrid=True, gridcolor="#ece8df", rangemode="tozero")


def series_figure(
    panels: Sequence[tuple[str, Series, timedelta]],
    *,
    value_label: str,
    ceiling: tuple[str, float] | None,
    lang: str,
    zone: str,
    end: datetime,
    overlay: bool = False,
) -> go.Figure:
    """One small chart per (title, series, span before `end`), stacked, with an optional dashed ceiling.

    The ceiling is a car park's capacity, say. `overlay`: all series on one chart, titles as legend entries.
    """
    rows = 1 if overlay else max(len(panels), 1)
    clock = t("details.axis_time", lang, zone=zone)
    titles = None if overlay else [f"{title} · {clock}" for title, _series, _span in panels]
    fig = make_subplots(rows=rows, cols=1, subplot_titles=titles, vertical_spacing=0.16)
    for index, (title, series, span) in enumerate(panels):
        row = 1 if overlay else index + 1
        times, values = _wall_clock(series)
        colour = _LINE_COLOURS[index % len(_LINE_COLOURS)] if overlay else _LINE_COLOURS[0]
        fig.add_trace(
            go.Scatter(
                x=times,
                y=values,
                mode=_mode(series),
                name=title if overlay else value_label,
                showlegend=overlay or index == 0,
                line={"color": colour, "width": 2},
            ),
            row=row,
            col=1,
        )
        start, stop = _local(end - span), _local(end)
        fig.update_xaxes(range=[start, stop], row=row, col=1)
        if ceiling is not None:
            label, level = ceiling
            fig.add_trace(
                go.Scatter(
                    x=[start, stop],
                    y=[level, level],
                    mode="lines",
                    name=label,
                    showlegend=index == 0,
                    hoverinfo="skip",
                    line={"color": _REFERENCE_COLOUR, "width": 1.5, "dash": "dash"},
                ),
                row=row,
                col=1,
            )
    _style(fig, lang, height=120 + 170 * rows)
    if overlay:
        fig.update_layout(title={"text": clock, "font": {"size": 12}, "x": 0, "xanchor": "left"})
    return fig


def energy_day_figure(
    power: Series,
    typical: Series,
    *,
    labels: tuple[str, str],
    axis: str,
    zone: str,
    lang: str,
    day: tuple[datetime, datetime],
) -> go.Figure:
    """Today's power drawn (solid) against the typical load for each moment (dotted), over the whole `day`."""
    fig = go.Figure()
    for series, name, colour, dash in (
        (typical, labels[1], _REFERENCE_COLOUR, "dot"),
        (power, labels[0], OKABE_ITO["vermillion"], "solid"),
    ):
        times, values = _wall_clock(series)
        fig.add_trace(
            go.Scatter(
                x=times, y=values, mode=_mode(series), name=name, line={"color": colour, "width": 2, "dash": dash}
            )
        )
    _style(fig, lang, height=300)
    title = f"{t('details.today', lang)} · {t('details.axis_time', lang, zone=zone)}"
    fig.update_layout(title={"text": title, "font": {"size": 12}, "x": 0, "xanchor": "left"})
    fig.update_xaxes(range=[_local(day[0]), _local(day[1])])
    fig.update_yaxes(title_text=axis)
    return fig
