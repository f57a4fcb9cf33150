"""The threshold alarms: the managers' panel (table with acknowledge buttons) and the wall's ticker store."""

from __future__ import annotations

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


def wall_alarm_stores() -> list[dcc.Store]:
    """Where the wall keeps its ticker lines about threshold alarms (text only) and their version."""
    return [dcc.Store(id=ids.ALARM_LINES, data=[]), dcc.Store(id=ids.ALARMS_SHOWN)]
