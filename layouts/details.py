"""The details panel of the record clicked on the map: a labelled region with a close button, facts, history."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import t
from layouts import ids
from layouts.ids import details_part as part


def details_panel(lang: str) -> html.Section:
    """The panel, hidden until a point of the map is clicked; it follows the map in reading order."""
    return html.Section(
        id=ids.DETAILS,
        className="details",
        hidden=True,
        role="region",
        **{"aria-labelledby": part("title")},
        children=[
            html.Div(
                className="details-head",
                children=[
                    html.Div(
                        children=[
                            html.P("", id=part("subtitle"), className="details-subtitle"),
                            html.H2(t("details.region", lang), id=part("title"), tabIndex="-1"),
                        ]
                    ),
                    html.Button(
                        "×",
                        id=part("close"),
                        className="details-close",
                        type="button",
                        title=t("details.close", lang),
                        **{"aria-label": t("details.close", lang)},
                    ),
                ],
            ),
            html.Div(id=part("body"), className="details-body"),
            dcc.Store(id=part("selected")),
            dcc.Store(id=part("shown")),
            dcc.Store(id=part("focus")),
        ],
    )


def _link(text: str, url: str) -> html.A:
    """A link out of the dashboard, in a new tab that gets neither this page nor its address."""
    return html.A(text, href=url, target="_blank", rel="noopener noreferrer", className="details-link")


def details_body(panel: dict[str, Any]) -> list:
    """The panel's contents from a `dashboard.details.Panel` dict: facts, chart, timeline, then the data's time."""
    children: list = []
    links = panel.get("links") or []  # panels cached before links existed have none
    if panel["facts"] or links:
        children.append(
            html.Dl(
                className="details-facts",
                children=[
                    *(
                        item
                        for label, value in panel["facts"]
                        for item in (html.Dt(label), html.Dd(value, className="details-text"))
                    ),
                    *(item for label, text, url in links for item in (html.Dt(label), html.Dd(_link(text, url)))),
                ],
            )
        )
    if panel["figure"]:
        children.append(
            html.Figure(
                className="details-chart",
                children=[
                    dcc.Graph(
                        figure=panel["figure"],
                        config={"displayModeBar": False, "responsive": True},
                        className="details-graph",
                    ),
                    html.Figcaption(panel["figure_label"]),
                ],
            )
        )
    if panel["timeline_title"]:
        children.append(html.H3(panel["timeline_title"]))
    if panel["timeline"]:
        children.append(
            html.Ol(
                className="details-timeline",
                children=[
                    html.Li([html.Time(when, className="details-when"), " ", html.Span(what)])
                    for when, what in panel["timeline"]
                ],
            )
        )
    if panel["timeline_empty"]:
        children.append(html.P(panel["timeline_empty"], className="details-empty"))
    if panel.get("history_note"):  # panels cached before it existed have none
        children.append(html.P(panel["history_note"], className="details-note details-history-note"))
    if panel["note"]:
        children.append(html.P(panel["note"], className="details-note", role="status"))
    return children
