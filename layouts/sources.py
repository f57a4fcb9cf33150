"""The managers' sources panel: where each layer's data comes from and, when it is stale, why."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import t
from layouts import ids

_COLUMNS = ("layer", "state", "last_success", "last_error", "rejected", "fetch", "next_attempt", "origin")


def sources_panel(lang: str) -> html.Section:
    """The panel; its table arrives through the sources callback, redrawn only when a status changed."""
    return html.Section(
        id=ids.SOURCES,
        className="sources-panel",
        **{"aria-labelledby": "sources-title"},
        children=[
            html.H2(t("sources.title", lang), id="sources-title"),
            html.Div(
                id=ids.SOURCES_LIST,
                className="sources-scroll",
                children=sources_message("…"),
                **{"aria-live": "polite"},
            ),
            dcc.Store(id=ids.SOURCES_SHOWN),
        ],
    )


def sources_message(text: str) -> html.P:
    """A line in place of the table: why the sources cannot be shown."""
    return html.P(text, className="sources-empty")


def _french(text: str, lang: str) -> html.Span | str:
    """A stored French text (an error, a reason) marked as French on an English page, for screen readers."""
    return html.Span(text, lang="fr") if lang != "fr" and text else text


def _reasons(row: dict[str, Any], lang: str) -> list:
    if not row["reasons"]:
        return [row["rejected"]]
    return [
        html.Span(t("sources.rejected_total", lang, n=row["rejected"]), className="sources-total"),
        html.Ul([html.Li([n, _french(reason, lang)]) for n, reason in row["reasons"]], className="sources-reasons"),
    ]


def _row(row: dict[str, Any], lang: str) -> html.Tr:
    return html.Tr(
        id=ids.source_row(row["layer"]),
        className=f"source source-{row['state']}",
        children=[
            html.Th(row["title"], scope="row"),
            html.Td(
                [html.Span(row["symbol"], **{"aria-hidden": "true"}), " ", row["state_label"]],
                className=f"source-state source-state-{row['state']}",
            ),
            html.Td(row["last_success"]),
            html.Td(_french(row["last_error"], lang) or "—", className="source-error"),
            html.Td(_reasons(row, lang), className="source-rejected"),
            html.Td(t("sources.fetch_facts", lang, duration=row["duration"], size=row["size"])),
            html.Td(row["next_attempt"]),
            html.Td(
                [
                    html.Span(f"{row['source']} ({row['format']})", className="source-name"),
                    html.Br(),
                    html.Code(row["url"] or "—", className="source-url"),
                ]
            ),
        ],
    )


def sources_table(rows: list[dict[str, Any]], lang: str) -> html.Table:
    """One row per layer's source (dashboard.source_report.panel_row), headed by what each column tells."""
    return html.Table(
        className="sources-table",
        children=[
            html.Caption(t("sources.caption", lang)),
            html.Thead(html.Tr([html.Th(t(f"sources.col_{key}", lang), scope="col") for key in _COLUMNS])),
            html.Tbody([_row(row, lang) for row in rows]),
        ],
    )
