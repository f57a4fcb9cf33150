"""Threshold alarms on the pages: the managers' panel and its acknowledge buttons, the wall's ticker lines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import MATCH, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.store_down import keep_screen, when_store_down
from dashboard.alarm_view import acknowledgement, panel_blocks, paris_time, ticker_line
from dashboard.alarms import Alarm
from dashboard.auth import current_manager
from dashboard.i18n import t
from dashboard.settings import Settings
from dashboard.store import AlarmStore, Store
from layouts import ids
from layouts.alarms import alarms_blocks, alarms_message

_UNAVAILABLE = "unavailable"  # what ALARMS_SHOWN holds while Redis cannot be read
_MAX_ID = 64


def _alarm_store(store: Store, settings: Settings) -> AlarmStore:
    return store.alarm_store(cleared_kept=settings.alarms.cleared_kept)


def clicked_key(clicks: int | None, triggered_id: Any, field: str) -> str | None:
    """The alarm id (or kind) named by the clicked button's id, or None for no click or a forged id."""
    value = (triggered_id if isinstance(triggered_id, dict) else {}).get(field)
    if not clicks or not isinstance(value, str) or len(value) > _MAX_ID:
        return None
    return value


def waiting_of_kind(active: list[Alarm], kind: str) -> list[str]:
    """The ids of the active alarms of `kind` that nobody acknowledged yet."""
    return [alarm.id for alarm in active if alarm.kind == kind and not alarm.acknowledged_by]


def _ack_unavailable(_clicks: int, lang: str) -> tuple[str, bool]:
    """An acknowledgement that could not be recorded: say so, and leave the button for another try."""
    return t("alarms.unavailable", lang), False


def register_manager_alarms(app: dash.Dash, store: Store, settings: Settings) -> None:
    """The alarms panel: redrawn only when the alarms' version moved (one GET per poll); acknowledge buttons."""
    alarms = _alarm_store(store, settings)

    def unavailable(_tick, shown, lang):
        if shown == _UNAVAILABLE:
            keep_screen()
        return alarms_message(t("alarms.unavailable", lang)), _UNAVAILABLE

    @app.callback(
        Output(ids.ALARMS_LIST, "children"),
        Output(ids.ALARMS_SHOWN, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.ALARMS_SHOWN, "data"),
        State(ids.LANG, "data"),
    )
    @when_store_down(unavailable)
    def refresh(_tick, shown, lang):
        version = alarms.version()
        if version == shown:
            raise PreventUpdate
        return alarms_blocks(panel_blocks(alarms.active(), lang), lang), version

    @app.callback(
        Output({"type": ids.ALARM_ACK_NOTE, "alarm": MATCH}, "children"),
        Output({"type": ids.ALARM_ACK, "alarm": MATCH}, "hidden"),
        Input({"type": ids.ALARM_ACK, "alarm": MATCH}, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    @when_store_down(_ack_unavailable)
    def acknowledge(clicks, lang):
        """Record who acknowledged the alarm and when; refuse, saying why, without a signed-in manager."""
        alarm_id = clicked_key(clicks, dash.ctx.triggered_id, "alarm")
        if alarm_id is None:
            raise PreventUpdate
        who = current_manager()
        if who is None:
            return t("alarms.ack_refused", lang), False
        alarm = alarms.acknowledge(alarm_id, who, datetime.now(UTC))
        if alarm is None:
            return t("alarms.ack_gone", lang), True
        return acknowledgement(alarm, lang), True

    @app.callback(
        Output({"type": ids.ALARM_ACK_GROUP_NOTE, "kind": MATCH}, "children"),
        Output({"type": ids.ALARM_ACK_GROUP, "kind": MATCH}, "hidden"),
        Input({"type": ids.ALARM_ACK_GROUP, "kind": MATCH}, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    @when_store_down(_ack_unavailable)
    def acknowledge_group(clicks, lang):
        """Acknowledge every active alarm of the group's kind not yet acknowledged, as one manager at one time."""
        kind = clicked_key(clicks, dash.ctx.triggered_id, "kind")
        if kind is None:
            raise PreventUpdate
        who = current_manager()
        if who is None:
            return t("alarms.ack_refused", lang), False
        now = datetime.now(UTC)
        waiting = waiting_of_kind(alarms.active(), kind)
        done = [alarm_id for alarm_id in waiting if alarms.acknowledge(alarm_id, who, now) is not None]
        return t("alarms.acknowledged_group", lang, n=len(done), who=who, time=paris_time(now, lang)), True


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
    @when_store_down()  # the wall keeps its last lines; its banner says the cache is lost
    def lines(_tick, shown, lang):
        version = alarms.version()
        if version == shown:
            raise PreventUpdate
        return [ticker_line(alarm, lang) for alarm in alarms.active()], version
