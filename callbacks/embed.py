"""The public embed at /embed/<layer>: parameter checks and its layout; the browser reads the public API itself."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import dash
from dash import ClientsideFunction, Input, Output, State, html
from flask import Response, has_request_context, request

from callbacks.live import request_language
from callbacks.page import Page
from dashboard.access import AccessRule
from dashboard.areas import Geography
from dashboard.i18n import normalise_language, t
from dashboard.layers import LAYERS
from dashboard.public import COMMUNE_CODE, public_layer
from dashboard.settings import Settings
from dashboard.store import Store
from dashboard.view_cache import FigureCache
from layouts import ids
from layouts.embed import embed_layout

EMBED_PREFIX = "/embed/"


def embed_page(path: str, full_path: str, referrer: str | None) -> tuple[str, str]:
    """(layer, commune) of the embed page: from the request's URL, or from the referrer for Dash's own requests."""
    url = referrer if path.startswith(f"{EMBED_PREFIX}_") and referrer else full_path
    parts = urlparse(url)
    layer = parts.path.removeprefix(EMBED_PREFIX).strip("/")
    commune = (parse_qs(parts.query).get("commune") or [""])[0]
    return layer, commune


def _page() -> tuple[str, str]:
    """(layer, commune) of this request's embed page."""
    return embed_page(request.path, request.full_path, request.referrer)


def any_public_layer() -> str:
    """A public layer, for the layout Dash builds once at start-up to validate it (outside any request)."""
    return next(name for name, definition in LAYERS.items() if definition.public)


def page_problem(layer: str, commune: str, communes: dict[str, str], lang: str) -> tuple[int, str] | None:
    """Why the page cannot be shown (HTTP status, message), or None."""
    if public_layer(layer) is None:
        return 404, t("embed.not_public", lang, name=layer[:64])
    if commune and not COMMUNE_CODE.fullmatch(commune):
        return 400, t("embed.bad_commune", lang, value=commune[:16])
    if commune and communes and commune not in communes:
        return 404, t("embed.unknown_commune", lang, value=commune)
    return None


def is_dash_internal(path: str) -> bool:
    # Dash's own routes under the prefix: _dash-layout, _dash-update-component, _dash-component-suites, assets...
    rest = path.removeprefix(EMBED_PREFIX)
    return rest.startswith("_") or rest.startswith("assets/")


# The page and its layout depend on nothing but the page's URL: any cache may keep them this long.
PAGE_MAX_AGE = 300


def page_is_cacheable(path: str) -> bool:
    rest = path.removeprefix(EMBED_PREFIX)
    return not is_dash_internal(path) or rest in ("_dash-layout", "_dash-dependencies")


def refusal(problem: tuple[int, str] | None) -> Response | None:
    """The plain-text answer refusing a page that cannot be shown, or None when it can."""
    if problem is None:
        return None
    status, message = problem
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def register(app: dash.Dash, store: Store, figures: FigureCache, settings: Settings, geography: Geography) -> None:
    """Attach the embed's parameter checks and layout to `app` (served at /embed/); its data come by plain GETs."""
    communes = dict(geography.areas.get("commune", ()))

    @app.server.before_request
    def _check_embed_page() -> Response | None:
        if not request.path.startswith(EMBED_PREFIX) or is_dash_internal(request.path):
            return None
        lang = normalise_language(request.args.get("lang"))
        return refusal(page_problem(*_page(), communes, lang))

    @app.server.after_request
    def _cache_embed_page(response: Response) -> Response:
        if request.path.startswith(EMBED_PREFIX) and response.status_code == 200 and page_is_cacheable(request.path):
            response.cache_control.public = True
            response.cache_control.max_age = PAGE_MAX_AGE
            if request.path.removeprefix(EMBED_PREFIX) == "_dash-layout":
                response.vary.add("Referer")  # the layout is that of the page named by the referrer
        return response

    def serve_layout():
        lang = request_language()
        # Dash validates the layout once at start-up, outside any request: any public layer does for that.
        layer, commune = _page() if has_request_context() else (any_public_layer(), "")
        problem = page_problem(layer, commune, communes, lang)
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
        )

    app.layout = serve_layout
    # In the browser: poll the versions document, fetch a layer file when its version moves, draw it.
    app.clientside_callback(
        ClientsideFunction(namespace="cityops_embed", function_name="refresh"),
        Output(ids.MAP, "figure"),
        Output(ids.MAP_VERSIONS, "data"),
        Output(ids.EMBED_STATUS, "data"),
        Input(ids.POLL, "n_intervals"),
        State(ids.EMBED_PLAN, "data"),
        State(ids.MAP_VERSIONS, "data"),
        State(ids.MAP, "figure"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="cityops_freshness", function_name="embedLine"),
        Output(ids.EMBED_FRESHNESS, "children"),
        Output(ids.EMBED_FRESHNESS, "className"),
        Input(ids.EMBED_STATUS, "data"),
        Input(ids.WATCH_TICK, "n_intervals"),
        State(ids.WATCH, "data"),
    )


# The public embed is its own app: its only data are the public API's redacted files (dashboard.public).
PAGE = Page(
    prefix=EMBED_PREFIX,
    title_key="app.title",
    assets=("embed.css", "embed.js", "freshness.js"),
    access=AccessRule.PUBLIC,
    register=register,
)
