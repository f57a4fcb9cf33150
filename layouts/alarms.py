"""The threshold alarms: the managers' panel (table with acknowledge buttons) and the wall's ticker store."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import t
from layouts import ids


def alarms_panel(lang: str) -> html.Section:
    """The managers' alarms panel; its table arrives through the alarms callback."""
    return html.Section(
        className="alarms-panel",
        **{"aria-labelledby": "alarms-title"},
        children=[
            html.H2(t("alarms.title", lang), id="alarms-title"),
            html.Div(id=ids.ALARMS_LIST, children=html.P("…", className="alarms-empty"), **{"aria-live": "polite"}),
            dcc.Store(id=ids.ALARMS_SHOWN),
        ],
    )


def alarms_message(text: str) -> html.P:
    """A line in place of the table: no alarm, or why the alarms cannot be shown."""
    return html.P(text, className="alarms-empty")


def _ack_cell(row: dict[str, str], lang: str) -> html.Td:
    if row["acknowledged"]:
        return html.Td(row["acknowledged"], className="alarm-ack-done")
    return html.Td(
        [
            html.Button(
                t("alarms.acknowledge", lang),
                id={"type": ids.ALARM_ACK, "alarm": row["id"]},
                className="alarm-ack",
                title=t("alarms.acknowledge_label", lang, what=row["what"], where=row["where"]),
                **{"aria-label": t("alarms.acknowledge_label", lang, what=row["what"], where=row["where"])},
            ),
            html.Span(
                "", id={"type": ids.ALARM_ACK_NOTE, "alarm": row["id"]}, className="alarm-ack-note", role="status"
            ),
        ]
    )


def alarms_table(rows: list[dict[str, str]], lang: str) -> html.Table | html.P:
    """Active alarms, one row each: severity (symbol and word), what, where, since when, acknowledgement."""
    if not rows:
        return alarms_message(t("alarms.none", lang))
    head = ["col_severity", "col_what", "col_where", "col_since", "col_ack"]
    return html.Table(
        className="alarms-table",
        children=[
            html.Thead(html.Tr([html.Th(t(f"alarms.{key}", lang), scope="col") for key in head])),
            html.Tbody(
                [
                    html.Tr(
                        className=f"alarm alarm-{row['severity']}",
                        **{"data-alarm": row["id"]},
                        children=[
                            html.Td(
                                [html.Span(row["symbol"], **{"aria-hidden": "true"}), " ", row["severity_label"]],
                                className=f"severity severity-{row['severity']}",
                            ),
                            html.Td(row["what"]),
                            html.Td(row["where"]),
                            html.Td(row["since"]),
                            _ack_cell(row, lang),
                        ],
                    )
                    for row in rows
                ]
            ),
        ],
    )


def alarms_blocks(blocks: list[dict[str, Any]], lang: str) -> html.Div | html.P:
    """The panel's body (dashboard.alarm_view.panel_blocks): tables of single alarms and one line per large group."""
    if not blocks:
        return alarms_message(t("alarms.none", lang))
    return html.Div(
        className="alarms-blocks",
        children=[
            alarms_table(block["rows"], lang) if block["kind"] is None else _group(block, lang) for block in blocks
        ],
    )


def _group(group: dict[str, Any], lang: str) -> html.Details:
    """One line for many alarms of a kind; opened, its own table and a button acknowledging them all."""
    kind, severity = group["kind"], group["severity"]
    if group["unacknowledged"]:
        label = t("alarms.acknowledge_group_label", lang, n=group["unacknowledged"], what=group["summary"])
        action: html.Button | html.Span = html.Button(
            t("alarms.acknowledge_group", lang, n=group["unacknowledged"]),
            id={"type": ids.ALARM_ACK_GROUP, "kind": kind},
            className="alarm-ack alarm-ack-group",
            title=label,
            **{"aria-label": label},
        )
    else:
        action = html.Span(t("alarms.group_acknowledged", lang), className="alarm-ack-done")
    return html.Details(
        className=f"alarm-group alarm-{severity}",
        **{"data-kind": kind},
        children=[
            html.Summary(
                className="alarm-group-line",
                children=[
                    html.Span(
                        [html.Span(group["symbol"], **{"aria-hidden": "true"}), " ", group["severity_label"]],
                        className=f"severity severity-{severity}",
                    ),
                    html.Span(group["summary"], className="alarm-group-what"),
                    html.Span(group["since"], className="alarm-group-since"),
                ],
            ),
            html.P(
                className="alarm-group-actions",
                children=[
                    action,
                    html.Span(
                        "",
                        id={"type": ids.ALARM_ACK_GROUP_NOTE, "kind": kind},
                        className="alarm-ack-note",
                        role="status",
                    ),
                ],
            ),
            alarms_table(group["rows"], lang),
        ],
    )


def wall_alarm_stores() -> list[dcc.Store]:
    """Where the wall keeps its ticker lines about threshold alarms (text only) and their version."""
    return [dcc.Store(id=ids.ALARM_LINES, data=[]), dcc.Store(id=ids.ALARMS_SHOWN)]
