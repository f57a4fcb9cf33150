"""The managers' sources panel: one read of the statuses per poll, a redraw only when one of them changed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import dash
import orjson
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.store_down import keep_screen, when_store_down
from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.source_report import panel_row, sources_report
from dashboard.store import Store
from layouts import ids
from layouts.sources import sources_message, sources_table

_UNAVAILABLE = "unavailable"  # what SOURCES_SHOWN holds while Redis cannot be read


def sources_digest(rows: list[dict[str, Any]], lang: str) -> str:
    """A short fingerprint of what the panel shows: it is re-sent only when this changes."""
    return hashlib.blake2b(orjson.dumps([lang, rows]), digest_size=12).hexdigest()


def register_sources(app: dash.Dash, store: Store) -> None:
    """The sources panel, re-sent only when what it shows changed (dash 4.4 remounts re-sent components)."""

    def unavailable(_tick, shown, lang):
        if shown == _UNAVAILABLE:
            keep_screen()
        return sources_message(t("sources.unavailable", lang)), _UNAVAILABLE

    @app.callback(
        Output(ids.SOURCES_LIST, "children"),
        Output(ids.SOURCES_SHOWN, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.SOURCES_SHOWN, "data"),
        State(ids.LANG, "data"),
    )
    @when_store_down(unavailable)
    def refresh(_tick, shown, lang):
        rows = [panel_row(entry, lang) for entry in sources_report(store.overview(LAYERS), datetime.now(UTC))]
        digest = sources_digest(rows, lang)
        if digest == shown:
            raise PreventUpdate
        return sources_table(rows, lang), digest
