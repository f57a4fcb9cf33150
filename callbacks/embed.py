"""The public embed at /embed/<layer>: parameter checks, its layout, and one callback reading only redacted data."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import dash
from dash import ClientsideFunction, Input, Output, Patch, State, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, has_request_context, request

from callbacks.figure_cache import FigureCache
from callbacks.live import PAUSE_POLL, epoch_ms, request_language, resume_stuck_poll
from dashboard.access import EMBED_PREFIX
from dashboard.areas import Geography
from dashboard.figures import layer_traces, trace_slots, without_map_legend
from dashboard.i18n import normalise_language, t
from dashboard.public import COMMUNE_CODE, public_freshness, public_layer
from dashboard.settings import Settings
from dashboard.store import Store, StoreUnavailable
from layouts import ids
from layouts.embed import embed_layout


def _page() -> tuple[str, str]:
    """(layer, commune) of the embed page: from this request, or from the referrer for Dash's own requests."""
    url = request.full_path
    if request.path.startswith(f"{EMBED_PREFIX}_") and request.referrer:
        url = request.referrer
    parts = urlparse(url)
    layer = parts.path.removeprefix(EMBED_PREFIX).strip("/")
    commune = (parse_qs(parts.query).get("commune") or [""])[0]
    return layer, commune


def _problem(layer: str, commune: str, communes: dict[str, str], lang: str) -> tuple[int, str] | None:
    """Why the page cannot be shown (HTTP status, message), or None."""
    if public_layer(layer) is None:
        return 404, t("embed.not_public", lang, name=layer[:64])
    if commune and not COMMUNE_CODE.fullmatch(commune):
        return 400, t("embed.bad_commune", lang, value=commune[:16])
    if commune and communes and commune not in communes:
        return 404, t("embed.unknown_commune", lang, value=commune)
    return None


def _is_dash_internal(path: str) -> bool:
    # Dash's own routes under the prefix: _dash-layout, _dash-update-component, _dash-component-suites, assets...
    rest = path.removeprefix(EMBED_PREFIX)
    return rest.startswith("_") or rest.startswith("assets/")


def register(app: dash.Dash, store: Store, figures: FigureCache, settings: Settings, geography: Geography) -> None:
    """Attach the embed's parameter checks, layout and live callback to `app` (served at /embed/)."""
    communes = dict(geography.areas.get("commune", ()))

    @app.server.before_request
    def _check_embed_page() -> Response | None:
        if not request.path.startswith(EMBED_PREFIX) or _is_dash_internal(request.path):
            return None
        lang = normalise_language(request.args.get("lang"))
        problem = _problem(*_page(), communes, lang)
        if problem is None:
            return None
        status, message = problem
        return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")

    def serve_layout():
        lang = request_language()
        # Dash validates the layout once at start-up, outside any request: any public layer does for that.
        layer, commune = _page() if has_request_context() else ("reports", "")
        problem = _problem(layer, commune, communes, lang)
        if problem is not None:  # a forged referrer: the page itself was already refused
            return html.P(problem[1], role="alert")
        return embed_layout(
            lang=lang,
            layer=layer,
            title=public_layer(layer).title(lang),
            area_name=communes.get(commune, ""),
            commune=commune,
            poll_ms=int(settings.poll_seconds * 1000),
            timeout_ms=int(settings.redis_timeout_seconds * 1000),
            outlines=geography.outlines,
            empty_traces=layer_traces(layer, None, lang),
        )

    app.layout = serve_layout

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_VERSIONS, "data"),
        Output(ids.EMBED_STATUS, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.EMBED_TARGET, "data"),
        State(ids.MAP_VERSIONS, "data"),
        State(ids.LANG, "data"),
        running=[PAUSE_POLL],
    )
    def refresh(_tick, target, shown, lang):
        """The freshness of the layer (shown by the browser, which ages it), and its redacted points when they moved."""
        layer, commune = (target or {}).get("layer", ""), (target or {}).get("commune", "")
        lang = normalise_language(lang)
        # The state comes from the browser: check it as strictly as the page's URL.
        if not isinstance(layer, str) or not isinstance(commune, str) or _problem(layer, commune, communes, lang):
            raise PreventUpdate
        try:
            item = store.overview([layer])[layer]
        except StoreUnavailable:
            raise PreventUpdate from None  # keep what is on screen
        now = datetime.now(UTC)
        state, line = public_freshness(public_layer(layer), item, now, lang)
        fetched_at = item.head.fetched_at if item.head else None
        status = {
            "now": epoch_ms(now),
            "state": state,
            "line": line,
            "at": epoch_ms(fetched_at) if fetched_at else None,
            "budget": public_layer(layer).freshness_seconds,
        }
        wanted = item.head.version if item.head else 0
        if not wanted or (shown or {}).get(layer) == wanted:
            return no_update, no_update, status
        try:
            version, traces = figures.traces(layer, wanted, lang, commune, public=True)
        except StoreUnavailable:
            return no_update, no_update, status
        patch = Patch()
        for index, trace in zip(trace_slots([layer])[layer], traces, strict=True):
            patch["data"][index] = without_map_legend(trace)
        return patch, {layer: version}, status

    resume_stuck_poll(app)
    app.clientside_callback(
        ClientsideFunction(namespace="cityops_freshness", function_name="embedLine"),
        Output(ids.EMBED_FRESHNESS, "children"),
        Output(ids.EMBED_FRESHNESS, "className"),
        Input(ids.EMBED_STATUS, "data"),
        Input(ids.WATCH_TICK, "n_intervals"),
        State(ids.WATCH, "data"),
    )
