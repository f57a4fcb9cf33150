"""Threshold alarms on the pages: the managers' panel and its acknowledge buttons, the wall's ticker lines."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import MATCH, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard.alarm_store import AlarmStore
from dashboard.alarm_view import acknowledgement, alarm_row, ticker_line
from dashboard.auth import current_manager
from dashboard.i18n import t
from dashboard.settings import Settings
from dashboard.store import Store, StoreUnavailable
from layouts import ids
from layouts.alarms import alarms_message, alarms_table

_UNAVAILABLE = "unavailable"  # what ALARMS_SHOWN holds while Redis cannot be read
_MAX_ID = 64


def _alarm_store(store: Store, settings: Settings) -> AlarmStore:
    return AlarmStore(store.redis, cleared_kept=settings.alarms.cleared_kept)


def register_manager_alarms(app: dash.Dash, store: Store, settings: Settings) -> None:
    """The alarms panel: redrawn only when the alarms' version moved (one GET per poll); acknowledge buttons."""
    alarms = _alarm_store(store, settings)

    @app.callback(
        Output(ids.ALARMS_LIST, "children"),
        Output(ids.ALARMS_SHOWN, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.ALARMS_SHOWN, "data"),
        State(ids.LANG, "data"),
    )
    def refresh(_tick, shown, lang):
        try:
            version = alarms.version()
            if version == shown:
                raise PreventUpdate
            rows = [alarm_row(alarm, lang) for alarm in alarms.active()]
        except StoreUnavailable:
            if shown == _UNAVAILABLE:
                raise PreventUpdate from None
            return alarms_message(t("alarms.unavailable", lang)), _UNAVAILABLE
        return alarms_table(rows, lang), version

    @app.callback(
        Output({"type": ids.ALARM_ACK_NOTE, "alarm": MATCH}, "children"),
        Output({"type": ids.ALARM_ACK, "alarm": MATCH}, "hidden"),
        Input({"type": ids.ALARM_ACK, "alarm": MATCH}, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def acknowledge(clicks, lang):
        """Record who acknowledged the alarm and when; refuse, saying why, without a signed-in manager."""
        alarm_id = (dash.ctx.triggered_id or {}).get("alarm")
        if not clicks or not isinstance(alarm_id, str) or len(alarm_id) > _MAX_ID:
            raise PreventUpdate
        who = current_manager()
        if who is None:
            return t("alarms.ack_refused", lang), False
        try:
            alarm = alarms.acknowledge(alarm_id, who, datetime.now(UTC))
        except StoreUnavailable:
            return t("alarms.unavailable", lang), False
        if alarm is None:
            return t("alarms.ack_gone", lang), True
        return acknowledgement(alarm, lang), True


def register_wall_alarms(app: dash.Dash, store: Store, settings: Settings) -> None:
    """The wall's ticker lines about threshold alarms, re-sent only when the alarms' version moved."""
    alarms = _alarm_store(store, settings)

    @app.callback(
        Output(ids.ALARM_LINES, "data"),
        Output(ids.ALARMS_SHOWN, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.ALARMS_SHOWN, "data"),
        State(ids.LANG, "data"),
    )
    def lines(_tick, shown, lang):
        try:
            version = alarms.version()
            if version == shown:
                raise PreventUpdate
            return [ticker_line(alarm, lang) for alarm in alarms.active()], version
        except StoreUnavailable:
            raise PreventUpdate from None  # the wall keeps its last lines; its banner says the cache is lost
