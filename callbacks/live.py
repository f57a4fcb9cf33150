"""Live updates shared by every page: one cheap poll, a clientside render of texts, a patched map."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import dash
from dash import ClientsideFunction, Input, Output, Patch, State, no_update
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from callbacks.store_down import keep_screen, when_store_down
from dashboard.figures import (
    for_browser,
    map_scale,
    map_viewport,
    parse_scale_key,
    scale_key,
    trace_slots,
    without_map_legend,
)
from dashboard.filters import Filters, parse_filters, summary_categories
from dashboard.i18n import city_time, normalise_language, t
from dashboard.layers import LAYERS, criteria_layer
from dashboard.layers.base import MapScale
from dashboard.metrics_api import mark_unchanged_poll
from dashboard.store import Store, StoreUnavailable
from dashboard.view import build_view, still_current, view_stamp
from dashboard.view_cache import FigureCache
from layouts import ids

# While a poll is on its way the next tick waits: Dash drops the answer of a callback triggered again before it
# came back, so polls slower than the interval would never land at all.
PAUSE_POLL = (Output(ids.POLL, "disabled"), True, False)


def resume_stuck_poll(app: dash.Dash) -> None:
    """Resume the poll when a request paused it and failed without an answer (assets/freshness.js)."""
    app.clientside_callback(
        ClientsideFunction(namespace="cityops_freshness", function_name="resumePoll"),
        Output(ids.POLL, "disabled"),
        Input(ids.WATCH_TICK, "n_intervals"),
        State(ids.POLL, "disabled"),
        State(ids.WATCH, "data"),
    )


def epoch_ms(moment: datetime) -> int:
    """`moment` as milliseconds since the epoch, as browsers count time."""
    return int(moment.timestamp() * 1000)


def request_language() -> str:
    """The page's language from `?lang=`; Dash fetches the layout separately, so the page URL is the referrer."""
    if not has_request_context():  # Dash calls the layout once at start-up to validate it
        return normalise_language(None)
    lang = request.args.get("lang")
    if lang is None and request.referrer:
        lang = (parse_qs(urlparse(request.referrer).query).get("lang") or [None])[0]
    return normalise_language(lang)


class RecentMarks:
    """The layers' versions and shown status fields (Store.poll_marks), read at most once per `seconds` per worker.

    Every thread of a web worker asks on each poll; one read serves them all for a moment, so the many browsers
    polling at once cost Redis a few reads a second rather than one per poll.
    """

    def __init__(self, store: Store, names: list[str], seconds: float) -> None:
        self.store = store
        self.names = names
        self.seconds = seconds
        self._lock = threading.Lock()
        self._read_at = -math.inf
        self._marks: list[list[str]] = []

    def get(self) -> list[list[str]]:
        """The last read if recent enough, else a new one (a failed read is not kept: StoreUnavailable)."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.seconds:
                self._marks = self.store.poll_marks(self.names)
                self._read_at = time.monotonic()
            return self._marks


def layer_versions(overview: dict[str, Any]) -> dict[str, int]:
    """Each layer's current version in a store overview (0 before its first snapshot)."""
    return {name: item.head.version if item.head else 0 for name, item in overview.items()}


def view_of(
    overview: dict[str, Any],
    now: datetime,
    lang: str,
    narrowed: Filters,
    summaries: dict[str, Any] | None,
    *,
    with_filters: bool,
) -> dict[str, Any]:
    """The view of every layer from its overview, with the filters and the report categories on a filtered page."""
    view = build_view(overview, now, lang, narrowed.key(), summaries)
    if with_filters:
        view["filters"] = narrowed.to_dict()
        described = overview.get(criteria_layer() or "")
        view["categories"] = summary_categories(described.head.summary if described and described.head else None)
    return view


def _current_view(
    store: Store,
    figures: FigureCache,
    names: list[str],
    narrowed: Filters,
    now: datetime,
    lang: str,
    *,
    with_filters: bool,
) -> dict[str, Any]:
    """The view of every layer as of now: heads and statuses in one round trip (two with filters set)."""
    overview = store.overview(names)
    summaries = figures.filtered_summaries(narrowed, layer_versions(overview)) if narrowed.active else None
    return view_of(overview, now, lang, narrowed, summaries, with_filters=with_filters)


def store_down_banner(down_since: int | None, now: datetime, lang: str) -> str | None:
    """The banner's text when Redis is first missed; None once it says so (the first time it was missed stays)."""
    return None if down_since else t("banner.store_down", lang, time=city_time(now, lang))


def layer_scopes(names: list[str], narrowed: Filters, scales: dict[str, MapScale] | None = None) -> dict[str, str]:
    """What each layer's traces depend on besides its version: the part of the filters that applies to it, and for
    a city-scale layer the scale it is drawn at ('<filters>#<scale>')."""
    scopes = {name: narrowed.for_layer(LAYERS[name].record_type).key() for name in names}
    for name, scale in (scales or {}).items():
        scopes[name] = f"{scopes[name]}#{scale_key(scale)}"
    return scopes


def shown_scale(shown: Any) -> MapScale | None:
    """The scale a layer's traces on screen were drawn at, from its [version, scope] (None: none or unreadable)."""
    if not isinstance(shown, list | tuple) or len(shown) != 2 or not isinstance(shown[1], str):
        return None
    _filters, hash_sign, key = shown[1].rpartition("#")
    return parse_scale_key(key) if hash_sign else None


def layer_scales(relayout: Any, settled: bool, shown: dict[str, Any]) -> dict[str, MapScale]:
    """The scale each city-scale layer (Layer.city_scale) is drawn at for the map's last move and the settled box."""
    viewport = map_viewport(relayout)
    return {
        name: map_scale(viewport, layer.city_scale.points_zoom, settled, shown_scale(shown.get(name)))
        for name, layer in LAYERS.items()
        if layer.city_scale is not None
    }


def layers_to_redraw(versions: dict[str, int], scopes: dict[str, str], shown: dict[str, Any]) -> dict[str, int]:
    """Layer -> wanted version, for the layers with data whose shown [version, scope] is not the current one."""
    wanted = {name: versions.get(name, 0) for name in scopes}
    return {name: version for name, version in wanted.items() if version and shown.get(name) != [version, scopes[name]]}


def map_patch(
    slots: dict[str, range],
    redrawn: dict[str, list[dict[str, Any]]],
    switched: list[str],
    visible: set[str],
    *,
    map_legend: bool,
) -> Patch | None:
    """The map's patch: new traces of the `redrawn` layers, the visibility alone of the `switched` ones; None if
    there is nothing to change."""
    if not redrawn and not switched:
        return None
    patch = Patch()
    for name, traces in redrawn.items():
        for index, trace in zip(slots[name], traces, strict=True):
            shaped = trace if map_legend else without_map_legend(trace)
            # A trace may hide itself ("legendonly": in the legend, not drawn), within a layer switched on.
            patch["data"][index] = {**shaped, "visible": trace.get("visible", True) if name in visible else False}
    for name in switched:
        for index in slots[name]:
            patch["data"][index]["visible"] = name in visible
    return patch


def register_live(
    app: dash.Dash,
    store: Store,
    figures: FigureCache,
    *,
    layer_switch: bool,
    map_legend: bool = True,
    filters: bool = False,
    scaled: bool = False,
    marks_seconds: float = 0.0,
) -> None:
    """Poll, text rendering and map patching for a page built from `layouts.ids`.

    `layer_switch`: the page has layer check boxes; `map_legend`: the map carries its own legend and colour bar;
    `filters`: the page has the managers' filters (ids.FILTERS) narrowing the KPI tiles and the map;
    `scaled`: the map follows the viewer's zoom (points of city-scale layers from a zoom on) and the settled box
    (ids.SHOW_SETTLED); without it, city-scale layers are counted per cell over the whole city;
    `marks_seconds`: how long one read of the layers' versions and statuses answers this worker's polls.
    """
    names = list(LAYERS)
    marks = RecentMarks(store, names, marks_seconds)
    slots = trace_slots(names)
    filter_inputs = [Input(ids.FILTERS, "data")] if filters else []

    def store_down(_tick, *args):
        """Say since when Redis is out of reach (once: the time it was first missed stays on the banner)."""
        _chosen, _seen, down_since, lang = args if filters else (None, *args)
        banner = store_down_banner(down_since, datetime.now(UTC), lang)
        if banner is None:
            keep_screen()
        return no_update, banner, no_update

    @app.callback(
        Output(ids.VIEW, "data"),
        Output(ids.STORE_DOWN_SINCE, "data"),
        Output(ids.POLL_OK, "data"),
        Input(ids.POLL, "n_intervals"),
        *filter_inputs,
        State(ids.VIEW, "data"),
        State(ids.STORE_DOWN_SINCE, "data"),
        State(ids.LANG, "data"),
        running=[PAUSE_POLL],
    )
    @when_store_down(store_down)
    def poll(_tick, *args):
        """One small read when nothing changed (the server's clock only); else a full read and a new view."""
        chosen, seen, down_since, lang = args if filters else (None, *args)
        # The store comes back from the browser: checked again here (shape and known statuses/windows).
        narrowed, _rejected = parse_filters(chosen)
        now = datetime.now(UTC)
        recovered = None if down_since else no_update
        # Read before the overview: a write in between leaves an old stamp, so the next poll reads again.
        stamp = view_stamp(marks.get(), lang, narrowed.key())
        if still_current(seen, stamp, now):
            mark_unchanged_poll()
            # The clock tells the browser that its data were current at that time (assets/freshness.js).
            return no_update, recovered, epoch_ms(now)
        view = _current_view(store, figures, names, narrowed, now, lang, with_filters=filters)
        view["stamp"] = stamp
        if view == seen:
            mark_unchanged_poll()
        return (no_update if view == seen else view), recovered, epoch_ms(now)

    app.clientside_callback(
        ClientsideFunction(namespace="cityops", function_name="renderView"),
        Output(ids.BANNER, "children"),
        Output(ids.BANNER, "hidden"),
        Output(ids.UPDATED, "children"),
        Output(ids.DEMO_FLAG, "hidden"),
        *[Output(ids.badge(name), "className") for name in names],
        *[Output(ids.badge(name), "title") for name in names],
        *[Output(ids.badge_text(name), "children") for name in names],
        *[Output(ids.kpi_value(name), "children") for name in names],
        *[Output(ids.kpi_detail(name), "children") for name in names],
        Input(ids.VIEW, "data"),
        Input(ids.STORE_DOWN_SINCE, "data"),
        Input(ids.POLL_OK, "data"),
        Input(ids.WATCH_TICK, "n_intervals"),
        State(ids.WATCH, "data"),
    )

    resume_stuck_poll(app)

    switch_inputs = [Input(ids.LAYER_TOGGLE, "value")] if layer_switch else []
    scale_inputs = [Input(ids.MAP, "relayoutData"), Input(ids.SHOW_SETTLED, "value")] if scaled else []
    city_scale = [name for name in names if LAYERS[name].city_scale is not None]

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_VERSIONS, "data"),
        Input(ids.VIEW, "data"),
        *switch_inputs,
        *scale_inputs,
        State(ids.MAP_VERSIONS, "data"),
        State(ids.LANG, "data"),
    )
    def update_map(view, *args):
        """Patch only the traces of layers whose version, filters or scale changed, and the visibility switches."""
        visible_layers, *args = args if layer_switch else (names, *args)
        relayout, settled, shown, lang = args if scaled else (None, None, *args)
        if not view:
            raise PreventUpdate
        narrowed, _rejected = parse_filters(view.get("filters"))
        shown = dict(shown or {})
        scales = layer_scales(relayout, bool(settled), shown) if scaled else {}
        scopes = layer_scopes(names, narrowed, scales)
        wanted = layers_to_redraw(view["versions"], scopes, shown)
        switching = dash.ctx.triggered_id == ids.LAYER_TOGGLE
        if switching:  # their traces set their own visibility: redrawn (from the cache) rather than switched
            wanted.update({name: view["versions"][name] for name in city_scale if view["versions"].get(name)})
        redrawn = {}
        for name, version in wanted.items():
            try:
                drawn, traces = figures.traces(name, version, lang, filters=narrowed, scale=scales.get(name))
            except StoreUnavailable:
                continue  # keep what is on screen; the banner says why
            redrawn[name] = [for_browser(name, trace) for trace in traces]
            shown[name] = [drawn, scopes[name]]
        switched = [name for name in names if name not in wanted] if switching else []
        patch = map_patch(slots, redrawn, switched, set(visible_layers or ()), map_legend=map_legend)
        if patch is None:
            raise PreventUpdate
        return patch, shown
