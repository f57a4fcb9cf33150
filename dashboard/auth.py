"""Managers' login: accounts from the settings, a signed session cookie, a trusted proxy's user header.

Everything on the server needs a signed-in manager except what `OPEN_PATHS`/`OPEN_PREFIXES` list (health,
public API, wall, embeds, static files, the login page itself), so a new route is protected unless opened here.
Pages answer with a redirect to the login page; Dash's callback routes and the JSON API with a 401 JSON.

The session is Flask's signed cookie (no server-side state, survives a Redis outage, shared by all workers
through `CITYOPS_SECRET_KEY`) holding the manager's name and when they signed in; the sign-in ends after
`CITYOPS_SESSION_HOURS` whatever the browser does with the cookie. `python -m dashboard.auth hash-password`
makes a password hash for the settings.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import orjson
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template_string,
    request,
    session,
)
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.i18n import city_time, normalise_language, t, zone_label
from dashboard.keys import PREFIX
from dashboard.settings import Settings
from dashboard.store import guarded_pool

log = logging.getLogger("cityops.auth")

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
SESSION_COOKIE = "cityops_session"
DEMO_USER = DEMO_PASSWORD = "demo"  # all-in-one mode only, when no account is configured
OPEN_PATHS = frozenset({"/healthz", LOGIN_PATH, LOGOUT_PATH, "/_favicon.ico", "/favicon.ico"})
OPEN_PREFIXES = ("/api/v1/public/", "/wall/", "/embed/", "/_dash-component-suites/", "/assets/")
_SESSION_USER = "manager"
_SESSION_SINCE = "signed_in_at"
_EXTENSION = "cityops_auth"
_MAX_NAME = 128
# Checked against when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")


def current_manager() -> str | None:
    """The signed-in manager's name for this request (session or trusted proxy header), or None."""
    if not has_request_context():
        return None
    if "manager" in g:
        return g.manager
    login = _login_state()
    return login.identify() if login else None


def _login_state() -> _Login | None:
    return current_app.extensions.get(_EXTENSION)


def _peer_address() -> str:
    """The address of whoever opened the connection (before ProxyFix rewrote it to the client's)."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or ""


def _safe_next(value: str | None) -> str:
    """`value` if it is a path on this site (not the login or logout page), else "/"; refuses open redirects."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (LOGIN_PATH, LOGOUT_PATH):
        return "/"
    return value


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def _wants_page(path: str) -> bool:
    """A page a browser navigates to (redirect to the login page), as opposed to an API or Dash's callbacks (401)."""
    return request.method in ("GET", "HEAD") and not path.startswith(("/_dash-", "/_reload-hash", "/api/"))


def _limiter_storage(settings: Settings) -> str:
    """Where failed sign-ins are counted: the same Redis as the data, in memory in the all-in-one mode."""
    if settings.redis_url is None:
        return "memory://"
    if settings.redis_url.startswith("unix://"):
        return "redis+unix://" + settings.redis_url.removeprefix("unix://")
    return settings.redis_url


def configured_accounts(settings: Settings) -> dict[str, str]:
    """Name -> password hash of the managers who may sign in (the demo account in all-in-one mode without any)."""
    if settings.managers:
        return {account.name: account.password_hash for account in settings.managers}
    if settings.all_in_one:
        log.warning("no manager account configured: all-in-one mode signs in %s/%s", DEMO_USER, DEMO_PASSWORD)
        return {DEMO_USER: generate_password_hash(DEMO_PASSWORD)}
    if settings.proxy_user_from:
        log.warning(
            "no manager account configured: only the trusted proxy's %s signs managers in", settings.proxy_user_header
        )
    else:
        log.error("no manager account configured (CITYOPS_MANAGERS): the login refuses everyone")
    return {}


class _Login:
    """Who the accounts are, how long a sign-in lasts and which proxies are trusted, for one server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.accounts = configured_accounts(settings)
        self.lifetime = timedelta(hours=settings.session_hours)
        self.proxies = [ipaddress.ip_network(item, strict=False) for item in settings.proxy_user_from]

    def from_proxy(self) -> str | None:
        """The user header's name when the connection comes from a trusted proxy; ignored from anyone else."""
        if not self.proxies:
            return None
        name = request.headers.get(self.settings.proxy_user_header, "").strip()
        if not name:
            return None
        try:
            peer = ipaddress.ip_address(_peer_address())
        except ValueError:
            return None
        if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped:  # a dual-stack socket's ::ffff:10.0.0.5
            peer = peer.ipv4_mapped
        if not any(peer in network for network in self.proxies):
            log.warning("ignored %s from untrusted address %s", self.settings.proxy_user_header, peer)
            return None
        if len(name) > _MAX_NAME or not name.isprintable():
            return None
        return name

    def from_session(self) -> str | None:
        """The session's manager, if the sign-in is recent enough and the account still exists."""
        name, since = session.get(_SESSION_USER), session.get(_SESSION_SINCE)
        if not isinstance(name, str) or not isinstance(since, int | float):
            return None
        age = time.time() - since
        if age > self.lifetime.total_seconds() or age < -60 or name not in self.accounts:
            return None
        return name

    def identify(self) -> str | None:
        return self.from_proxy() or self.from_session()

    def check(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s (in the same time whether or not the name exists)."""
        known = self.accounts.get(name)
        matches = check_password_hash(known or _DUMMY_HASH, password)
        return known is not None and matches


LOGIN_PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t("auth.title", lang) }}</title>
<style>
  body { font-family: "Marianne", "Segoe UI", system-ui, sans-serif; color: #1d1d1b; background: #f4f1ea;
    margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }
  main { background: #fff; border: 1px solid #e3ded3; border-radius: 0.5rem; padding: 1.5rem 2rem; width: 22rem; }
  h1 { font-size: 1.2rem; color: #7a1d3b; margin-top: 0; }
  label { display: block; font-weight: 600; margin-top: 0.8rem; }
  input { width: 100%; box-sizing: border-box; font-size: 1rem; padding: 0.4rem; margin-top: 0.2rem; }
  button { margin-top: 1.2rem; font-size: 1rem; padding: 0.45rem 1.2rem; background: #7a1d3b; color: #fff;
    border: 0; border-radius: 0.3rem; cursor: pointer; }
  .error { background: #fde3d5; border-left: 0.3rem solid #d55e00; padding: 0.4rem 0.6rem; font-weight: 600; }
  .note { background: #eef6f1; border-left: 0.3rem solid #009e73; padding: 0.4rem 0.6rem; }
  .lang { float: right; color: #7a1d3b; }
</style>
</head>
<body>
<main>
  <a class="lang" href="{{ login_path }}?lang={{ other }}&amp;next={{ next_quoted }}"
     lang="{{ other }}">{{ t("app.language", lang) }}</a>
  <h1>{{ t("auth.heading", lang) }}</h1>
  {% if error %}<p class="error" role="alert" id="login-error">{{ error }}</p>{% endif %}
  {% if note %}<p class="note" role="status">{{ note }}</p>{% endif %}
  <form method="post" action="{{ login_path }}?lang={{ lang }}">
    <input type="hidden" name="next" value="{{ next }}">
    <label for="username">{{ t("auth.username", lang) }}</label>
    <input id="username" name="username" autocomplete="username" required autofocus value="{{ username }}">
    <label for="password">{{ t("auth.password", lang) }}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">{{ t("auth.submit", lang) }}</button>
  </form>
</main>
</body>
</html>
"""


def _login_page(lang: str, *, error: str = "", note: str = "", username: str = "", status: int = 200) -> Response:
    next_path = _safe_next(request.values.get("next"))
    login = _login_state()
    if not error and not note and login is not None:
        if not login.accounts and not login.proxies:
            note = t("auth.closed", lang)
        elif login.settings.all_in_one and not login.settings.managers:
            note = t("auth.demo", lang)
    body = render_template_string(
        LOGIN_PAGE,
        t=t,
        lang=lang,
        other="en" if lang == "fr" else "fr",
        login_path=LOGIN_PATH,
        next=next_path,
        next_quoted=quote(next_path, safe="/"),
        error=error,
        note=note,
        username=username[:_MAX_NAME],
    )
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_redirect() -> Response:
    target = request.full_path if request.query_string else request.path
    lang = request.args.get("lang")
    suffix = f"&lang={normalise_language(lang)}" if lang else ""
    return redirect(f"{LOGIN_PATH}?next={quote(target, safe='/')}{suffix}", code=302)


def _unauthorised() -> Response:
    lang = normalise_language(request.args.get("lang"))
    body = orjson.dumps({"error": t("auth.required", lang), "status": 401})
    response = Response(body, status=401, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def install_manager_login(server: Flask, settings: Settings) -> None:
    """Protect the managers' app and API behind the login; add /login, /logout and the trusted-proxy rules."""
    if settings.proxy_count:
        n = settings.proxy_count
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Strict would drop the cookie when a manager follows a link from a mail
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,  # the sign-in ends at a fixed time, not after the last poll
    )
    login = _Login(settings)
    server.extensions[_EXTENSION] = login
    limiter = Limiter(
        key_func=lambda: f"{request.remote_addr}|{request.form.get('username', '')[:_MAX_NAME].lower()}",
        app=server,
        storage_uri=_limiter_storage(settings),
        # Its own pool behind its own breaker: a hung Redis costs a sign-in one timeout, then fails fast.
        storage_options={
            "connection_pool": guarded_pool(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
        }
        if settings.redis_url
        else {},
        key_prefix=f"{PREFIX}:login",
        strategy="moving-window",
        headers_enabled=True,
        in_memory_fallback_enabled=True,  # Redis down: still limited, per worker
    )
    pages = Blueprint("login", __name__)

    @pages.route(LOGIN_PATH, methods=["GET", "POST"])
    @limiter.limit(
        settings.login_rate_limit,
        methods=["POST"],
        deduct_when=lambda response: response.status_code == 401,  # only failed attempts count
    )
    def sign_in() -> Response:
        lang = normalise_language(request.values.get("lang"))
        if request.method == "GET":
            if login.identify():
                return redirect(_safe_next(request.args.get("next")), code=303)
            note = t("auth.signed_out", lang) if request.args.get("signed_out") else ""
            return _login_page(lang, note=note)
        name = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not name or len(name) > _MAX_NAME or not login.check(name, password):
            log.warning("failed sign-in for %r from %s", name[:_MAX_NAME], request.remote_addr)
            return _login_page(lang, error=t("auth.bad_credentials", lang), username=name, status=401)
        session.clear()
        session[_SESSION_USER] = name
        session[_SESSION_SINCE] = int(time.time())
        session.permanent = True  # the cookie expires with the sign-in
        log.info("manager %s signed in from %s", name, request.remote_addr)
        return redirect(_safe_next(request.form.get("next")), code=303)

    @pages.route(LOGOUT_PATH, methods=["GET", "POST"])
    def sign_out() -> Response:
        lang = normalise_language(request.values.get("lang"))
        session.clear()
        return redirect(f"{LOGIN_PATH}?lang={lang}&signed_out=1", code=303)

    server.register_blueprint(pages)

    @server.errorhandler(RateLimitExceeded)
    def _too_many(_err: RateLimitExceeded) -> Response:
        lang = normalise_language(request.values.get("lang"))
        current = limiter.current_limit
        retry = datetime.fromtimestamp(current.reset_at if current else time.time() + 60, UTC)
        message = t("auth.too_many", lang, time=city_time(retry, lang), zone=zone_label(retry))
        response = _login_page(lang, error=message, username=request.form.get("username", ""), status=429)
        response.headers["Retry-After"] = str(max(1, int(retry.timestamp() - time.time()) + 1))
        return response

    @server.before_request
    def _require_manager() -> Response | None:
        path = request.path
        if _is_open(path):
            return None
        name = login.identify()
        if name is None:
            return _login_redirect() if _wants_page(path) else _unauthorised()
        g.manager = name
        return None


def hash_password_command(argv: list[str] | None = None) -> int:
    """`python -m dashboard.auth hash-password`: read a password (no echo, or one line on stdin), print its hash."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("hash-password", help="print the hash of a password read without echo (or from stdin)")
    parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Mot de passe / Password: ")
        if getpass.getpass("Encore / Again: ") != password:
            print("Les deux saisies diffèrent / the two entries differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("Mot de passe vide refusé / empty password refused", file=sys.stderr)
        return 1
    if len(password) < 12:
        print("Attention : moins de 12 caractères / warning: fewer than 12 characters", file=sys.stderr)
    print(generate_password_hash(password))
    return 0


if __name__ == "__main__":
    sys.exit(hash_password_command())
