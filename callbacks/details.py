"""The details panel: a click on the map selects a record; its panel is built once per (layer, version, record)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks.figure_cache import FIGURE_CACHE_SECONDS, FigureCache
from dashboard import keys
from dashboard.details import (
    DIGEST_WIDTH,
    MAX_ID_LENGTH,
    Inputs,
    Point,
    build_panel,
    clicked_record,
    digest,
    find_record,
    gone_panel,
    panel_kind,
    unavailable_panel,
    undigest,
)
from dashboard.figures import trace_slots
from dashboard.layers import LAYERS
from dashboard.store import REDIS_ERRORS, Store, StoreUnavailable, unavailable_on_redis_error
from layouts import ids
from layouts.details import details_body
from layouts.ids import details_part as part

_CLOCK_MARGIN_MS = 60_000


class DetailsCache:
    """Panels shared by every viewer and worker through the figure cache: one build per record and layer version."""

    def __init__(self, store: Store, figures: FigureCache) -> None:
        self.store = store
        self.cache = figures.cache

    def _get_many(self, names: list[str]) -> list[Any]:
        with unavailable_on_redis_error():
            return self.cache.get_many(*names) if names else []

    def history_points(self, layer: str, span: timedelta, now: datetime | None = None) -> list[Point]:
        """The layer's last `span` of history as points: digests of the windows that are over, then raw entries.

        A window's digest is computed by the first viewer who needs it and shared by all, for as long as
        history keeps it; only the window in progress is read entry by entry.
        """
        now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
        width = int(DIGEST_WIDTH.total_seconds() * 1000)
        # A window is over a minute after its end: writers' clocks may lag a little behind this one.
        settled = (now_ms - _CLOCK_MARGIN_MS) // width * width
        starts = list(range((now_ms - int(span.total_seconds() * 1000)) // width * width, settled, width))
        # The layer's hash tag: one MGET reads them all, also on Redis Cluster (keys of one slot only).
        names = [keys.cached_history_digest(layer, start) for start in starts]
        digests = self._get_many(names)
        missing = [i for i, item in enumerate(digests) if item is None]
        if missing:
            windows = self.store.history_windows(layer, [(starts[i], starts[i] + width) for i in missing])
            built = {}
            for i, entries in zip(missing, windows, strict=True):
                digests[i] = digest([(entry.fetched_at, entry.summary) for entry in entries])
                built[names[i]] = digests[i]
            with contextlib.suppress(*REDIS_ERRORS):
                self.cache.set_many(built, timeout=int(self.store.history_retention.total_seconds()))
        recent = self.store.history(layer, since=datetime.fromtimestamp(settled / 1000, UTC))
        return undigest(digests) + [(entry.fetched_at, entry.summary) for entry in recent]

    def panel(self, layer: str, record_id: str, version: int, lang: str) -> tuple[int, dict[str, Any]]:
        """(version built from, panel dict) of one record; the version can be newer than asked."""
        with unavailable_on_redis_error():
            cached = self.cache.get(keys.cached_details(layer, version, lang, record_id))
        if cached is not None:
            return version, cached
        snapshot = self.store.snapshot(layer)
        record = find_record(snapshot.records, record_id) if snapshot else None
        actual = snapshot.version if snapshot else 0
        if record is None:
            panel = gone_panel(layer, lang)
        else:
            kind = panel_kind(layer)
            inputs = Inputs(
                points=self.history_points(layer, kind.history) if kind.history else [],
                timeline=self.store.timeline(layer, record_id) if kind.timeline else (),
                as_of=snapshot.fetched_at,
                personal=self.store.personal(layer, record_id) if kind.personal else None,
                history_start=self.store.history_start(layer) if kind.history else None,
            )
            panel = build_panel(layer, record, inputs, lang)
        built = panel.to_dict()
        with contextlib.suppress(*REDIS_ERRORS):  # unshared, but shown
            self.cache.set(keys.cached_details(layer, actual, lang, record_id), built, timeout=FIGURE_CACHE_SECONDS)
        return actual, built


def _selection(data: Any) -> tuple[str, str] | None:
    """(layer, record id) of the selection the browser holds, or None if it is not one (it comes from the client)."""
    if not isinstance(data, dict):
        return None
    layer, record_id = data.get("layer"), data.get("id")
    if layer not in LAYERS or not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID_LENGTH:
        return None
    return layer, record_id


def register_details(app: dash.Dash, store: Store, figures: FigureCache) -> None:
    """Open the panel on a click on a map point, close it with its button, refresh it when its layer changes."""
    layer_of_trace = {index: name for name, indices in trace_slots(LAYERS).items() for index in indices}
    panels = DetailsCache(store, figures)

    @app.callback(
        Output(part("selected"), "data"),
        Input(ids.MAP, "clickData"),
        Input(part("close"), "n_clicks"),
        prevent_initial_call=True,
    )
    def select(click, _closed):
        if dash.ctx.triggered_id == part("close"):
            return None
        target = clicked_record(click, layer_of_trace)
        if target is None:
            raise PreventUpdate  # a click on an area or on nothing leaves the panel as it is
        return target

    @app.callback(
        Output(ids.DETAILS, "hidden"),
        Output(part("title"), "children"),
        Output(part("subtitle"), "children"),
        Output(part("body"), "children"),
        Output(part("shown"), "data"),
        Input(part("selected"), "data"),
        Input(ids.VIEW, "data"),
        State(part("shown"), "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def render(selected, view, shown, lang):
        # A live update only when the selection did not change too: Dash may send both in one request, and a
        # close (selection None) arriving with a view must still close the panel.
        live_update = f"{part('selected')}.data" not in dash.ctx.triggered_prop_ids
        target = _selection(selected)
        if target is None:
            if live_update or selected:
                raise PreventUpdate
            return True, "", "", [], None
        layer, record_id = target
        wanted = int(((view or {}).get("versions") or {}).get(layer) or 0)
        if live_update and (not shown or shown[:2] != [layer, record_id] or shown[2] == wanted):
            raise PreventUpdate  # nothing new about the record on screen
        try:
            version, panel = panels.panel(layer, record_id, wanted, lang)
        except StoreUnavailable:
            if live_update:
                raise PreventUpdate from None  # keep what is on screen; the banner says why
            version, panel = 0, unavailable_panel(lang).to_dict()
        return False, panel["title"], panel["subtitle"], details_body(panel), [layer, record_id, version]

    app.clientside_callback(
        ClientsideFunction(namespace="cityopsDetails", function_name="focusOnOpen"),
        Output(part("focus"), "data"),
        Input(part("shown"), "data"),
        prevent_initial_call=True,
    )
