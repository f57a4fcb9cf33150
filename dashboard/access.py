"""Who may see what: each page's declared access rule, the display token, framing and caching rules (Flask hooks).

Pages declare themselves (callbacks/page.py) with a prefix and one of the rules of `AccessRule`; this module and
dashboard.auth read those declarations, so neither names another module's page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session

from dashboard.i18n import t
from dashboard.settings import Settings

EMBED_CSP = "cityops_embed_csp"
PAGES_CSP = "cityops_pages_csp"
PUBLIC_API_PREFIX = "/api/v1/public/"
HSTS = "max-age=31536000; includeSubDomains"
TOKEN_PARAM = "token"
TOKEN_HEADER = "X-Display-Token"
TOKEN_COOKIE = "cityops_display"
_NO_SECRET = "cityops-wall-cookie-without-configured-secret"
_COOKIE_SECONDS = 400 * 86400  # a wall runs unattended for months; browsers cap cookies at 400 days


class AccessRule(StrEnum):
    """Who may open a page: the rule a page declares for everything under its prefix."""

    MANAGER = "manager"  # a signed-in manager (dashboard.auth); what every undeclared path gets too
    WALL = "wall"  # the display token (?token=, X-Display-Token, or the cookie it leaves)
    PUBLIC = "public"  # anyone, without a cookie; framed by the configured sites (CITYOPS_EMBED_FRAME_ANCESTORS)


@dataclass(frozen=True)
class PageAccess:
    """A page's URL prefix (like "/wall/") and the rule for every path under it."""

    prefix: str
    rule: AccessRule

    def __post_init__(self) -> None:
        if not (self.prefix.startswith("/") and self.prefix.endswith("/")):
            raise ValueError(f"a page prefix starts and ends with '/': {self.prefix!r}")


def page_at(pages: Sequence[PageAccess], path: str) -> PageAccess | None:
    """The page whose prefix is the longest one starting `path` (so "/wall/x" is the wall's, not the "/" page's)."""
    matching = [page for page in pages if path.startswith(page.prefix)]
    return max(matching, key=lambda page: len(page.prefix), default=None)


def rule_at(pages: Sequence[PageAccess], path: str) -> AccessRule:
    """The access rule for `path`: its page's, or a manager's sign-in for a path no page declares."""
    page = page_at(pages, path)
    return page.rule if page else AccessRule.MANAGER


def static_paths(pages: Sequence[PageAccess]) -> re.Pattern[str]:
    """Dash's and Flask's static files under every page's prefix (assets, component bundles, favicon)."""
    prefixes = "|".join(re.escape(page.prefix) for page in sorted(pages, key=lambda page: -len(page.prefix)))
    return re.compile(rf"^(?:{prefixes or '/'})(?:assets/|_dash-component-suites/|_favicon\.ico)")


def _digest(token: str, secret: str | bytes) -> str:
    # The cookie holds an HMAC of the token under the server's secret: the token itself never sits in the
    # browser's cookie store, and changing either the secret or the token ends every cookie given out before.
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def install_access_rules(server: Flask, settings: Settings, pages: Sequence[PageAccess]) -> None:
    """Apply each page's declared rule: the display token for "wall" pages (then remembered in a cookie for the
    page's prefix); "public" pages and the public API never carry a cookie, and only "public" pages may be framed.
    """
    pages = tuple(pages)
    static = static_paths(pages)

    @server.before_request
    def _require_display_token() -> Response | None:
        page = page_at(pages, request.path)
        if page is None or page.rule is not AccessRule.WALL:
            return None
        # Without a configured secret each process makes a random one: keying the cookie with it would close an
        # unattended wall at every restart of `make run`, so the cookie is then keyed by a fixed label (still
        # not the bare token's hash, and still ended by a new token).
        secret = settings.secret_key or _NO_SECRET
        expected = _digest(settings.wall_token, secret) if settings.wall_token else None
        presented = request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
        digest = _digest(presented, secret) if presented else request.cookies.get(TOKEN_COOKIE, "")
        if expected is None or not hmac.compare_digest(digest, expected):
            key = "access.wall_closed" if expected is None else "access.wall_denied"
            message = f"{t(key, 'fr')}\n{t(key, 'en')}\n"
            return Response(message, status=403, content_type="text/plain; charset=utf-8")
        if presented:
            g.display_cookie = digest
            g.display_cookie_path = page.prefix
        return None

    @server.after_request
    def _security_headers(response: Response) -> Response:
        public = rule_at(pages, request.path) is AccessRule.PUBLIC
        if public or request.path.startswith(PUBLIC_API_PREFIX):
            # Shared by every viewer and any cache: never a session cookie (nor Vary: Cookie), even when a worker's
            # first request happened to touch the session (Dash checks every page's layout on that one).
            session.modified = session.accessed = False
        if public:
            # Set by allow_embedding once the public pages' apps exist; until then they are as closed as the rest.
            response.headers["Content-Security-Policy"] = server.extensions.get(EMBED_CSP, "frame-ancestors 'none'")
        else:
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault(
                "Content-Security-Policy", server.extensions.get(PAGES_CSP, "frame-ancestors 'none'")
            )
            if not request.path.startswith(PUBLIC_API_PREFIX) and not static.match(request.path):
                # Managers' and wall data: never kept by a shared cache, nor by the browser once the page is left.
                response.headers["Cache-Control"] = "private, no-store"
        if request.is_secure:  # directly, or as the trusted proxy says (ProxyFix with CITYOPS_PROXY_COUNT)
            response.headers["Strict-Transport-Security"] = HSTS
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Same-origin requests keep the page URL as referrer: Dash's layout request reads ?lang= from it.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if g.get("display_cookie"):
            response.set_cookie(
                TOKEN_COOKIE,
                g.display_cookie,
                max_age=_COOKIE_SECONDS,
                path=g.display_cookie_path,
                httponly=True,
                samesite="Strict",
                secure=request.is_secure,
            )
        return response


def allow_embedding(server: Flask, settings: Settings, script_hashes: list[str]) -> None:
    """Give the public pages' responses their CSP, with their apps' inline script hashes (`Dash.csp_hashes()`)."""
    server.extensions[EMBED_CSP] = embed_policy(settings, script_hashes)


def allow_page_scripts(server: Flask, settings: Settings, script_hashes: list[str]) -> None:
    """Give every other response (managers' pages, wall, login, API) its CSP, with those pages' inline script hashes."""
    server.extensions[PAGES_CSP] = content_policy(
        settings, script_hashes, frame_ancestors=["'none'"], form_action="'self'"
    )


def embed_policy(settings: Settings, script_hashes: list[str]) -> str:
    """The public pages' CSP: framed by the configured sites only, our scripts, what MapLibre needs."""
    ancestors = list(settings.embed_frame_ancestors)
    return content_policy(settings, script_hashes, frame_ancestors=ancestors, form_action="'none'")


def content_policy(
    settings: Settings, script_hashes: list[str], *, frame_ancestors: list[str], form_action: str
) -> str:
    """A CSP allowing only our own scripts (plus Dash's inline ones by hash) and what Plotly's MapLibre maps need."""
    scripts = " ".join(["'self'", *dict.fromkeys(script_hashes)])  # Dash's hashes come quoted
    # MapLibre fetches the basemap's tiles (CITYOPS_TILE_URL), which may come from another server.
    tiles = urlsplit(settings.tile_url) if settings.tile_url else None
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles and tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",  # Plotly and MapLibre set inline styles on the map's elements
            f"img-src 'self' data: blob:{tile_origin}",
            "worker-src 'self' blob:",
            f"connect-src 'self'{tile_origin}",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            f"frame-ancestors {' '.join(frame_ancestors)}",
        ]
    )
