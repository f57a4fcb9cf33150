"""Managers' login: accounts from the settings, a signed session cookie, a trusted proxy's user header.

Everything on the server needs a signed-in manager except what `OPEN_PATHS`/`OPEN_PREFIXES` list (health,
public API, static files, the login page itself) and the pages declaring another access rule than "manager"
(dashboard.access: the wall's token, the public embeds), so a new route or page is protected unless opened.
Pages answer with a redirect to the login page; Dash's callback routes and the JSON API with a 401 JSON.

The session is Flask's signed cookie (shared by all workers through `CITYOPS_SECRET_KEY`) holding the manager's
normalised name, when they signed in, a random session id, a fingerprint of their password hash and the session's
anti-forgery token. The sign-in ends after `CITYOPS_SESSION_HOURS` whatever the browser does with the cookie, when
the account is removed or its password hash changes, and when the manager signs out: the session id is then
recorded as ended in Redis, which every worker checks (a few seconds' cache; a Redis outage signs nobody out).
`python -m dashboard.auth hash-password` makes a password hash for the settings.
"""

from __future__ import annotations

import argparse
import getpass
import hmac
import ipaddress
import logging
import secrets
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import orjson
from cachelib import SimpleCache
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

from dashboard import keys
from dashboard.access import AccessRule, PageAccess
from dashboard.i18n import DEFAULT_LANGUAGE, city_time, normalise_language, t, zone_label
from dashboard.settings import Settings, normalise_name
from dashboard.store import Store, StoreUnavailable, limiter_storage

log = logging.getLogger("cityops.auth")

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
SESSION_COOKIE = "cityops_session"
DEMO_USER = DEMO_PASSWORD = "demo"  # all-in-one mode only, when no account is configured
OPEN_PATHS = frozenset({"/healthz", LOGIN_PATH, LOGOUT_PATH, "/_favicon.ico", "/favicon.ico"})
OPEN_PREFIXES = ("/api/v1/public/", "/_dash-component-suites/", "/assets/")
METRICS_PATH = "/metrics"  # for managers, or a scraper with CITYOPS_METRICS_TOKEN
CSRF_FIELD = "csrf_token"  # the forms' anti-forgery field, checked against the session's token
# A worker trusts its last answer from Redis on whether a session was signed out for this long.
REVOCATION_CHECK_SECONDS = 2
_SESSION_USER = "manager"
_SESSION_SINCE = "signed_in_at"
_SESSION_ID = "sid"
_SESSION_KEY = "key"  # fingerprint of the account's password hash: a new hash ends the session
_SESSION_CSRF = "csrf"
_EXTENSION = "cityops_auth"
_MAX_NAME = 128
_DEFAULT_METHOD = "scrypt"  # werkzeug's, for the dummy check when no account is configured


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


def csrf_token() -> str:
    """This session's anti-forgery token for the login and sign-out forms (made on first use).

    "" outside a request, and on the open paths (public API, embeds, wall, health): Dash builds the managers'
    layout once on whichever request comes first, and a public answer must never carry a session cookie.
    """
    if not has_request_context() or (
        _is_open(request.path, _open_prefixes()) and request.path not in (LOGIN_PATH, LOGOUT_PATH)
    ):
        return ""
    token = session.get(_SESSION_CSRF)
    if not isinstance(token, str):
        token = session[_SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def _form_is_ours() -> bool:
    """Whether the posted form carries this session's token, i.e. was shown by this site to this browser."""
    expected = session.get(_SESSION_CSRF)
    given = request.form.get(CSRF_FIELD, "")
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode())


def _attempted_name() -> str:
    """The user name of this sign-in attempt, normalised once for the limits, the account and the logs."""
    if "login_name" not in g:
        g.login_name = normalise_name(request.form.get("username", ""))[: _MAX_NAME + 1]
    return g.login_name


def _method(password_hash: str) -> str:
    """A werkzeug hash's method and parameters, like scrypt:32768:8:1 or pbkdf2:sha256:600000."""
    return password_hash.partition("$")[0]


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


def _landing(next_value: str | None, lang: str) -> str:
    """Where a signed-in manager goes: the safe `next`, in the sign-in's language unless `next` names its own."""
    target = _safe_next(next_value)
    parts = urlsplit(target)
    if lang == DEFAULT_LANGUAGE or "lang" in parse_qs(parts.query):
        return target
    query = f"{parts.query}&lang={lang}" if parts.query else f"lang={lang}"
    return urlunsplit(parts._replace(query=query))


def open_prefixes(pages: Sequence[PageAccess]) -> tuple[str, ...]:
    """`OPEN_PREFIXES` and the prefixes of the pages that declare another rule than a manager's sign-in."""
    return OPEN_PREFIXES + tuple(page.prefix for page in pages if page.rule is not AccessRule.MANAGER)


def _open_prefixes() -> tuple[str, ...]:
    login = _login_state()
    return login.open_prefixes if login else OPEN_PREFIXES


def _is_open(path: str, prefixes: tuple[str, ...]) -> bool:
    return path in OPEN_PATHS or path.startswith(prefixes)


def _wants_page(path: str) -> bool:
    """A page a browser navigates to (redirect to the login page), as opposed to an API or Dash's callbacks (401)."""
    api = path == METRICS_PATH or path.startswith(("/_dash-", "/_reload-hash", "/api/"))
    return request.method in ("GET", "HEAD") and not api


def _is_scraper(path: str, token: str | None) -> bool:
    """A request for /metrics only, bearing the configured scrape token (CITYOPS_METRICS_TOKEN)."""
    if path != METRICS_PATH or not token:
        return False
    presented = request.headers.get("Authorization", "")
    return hmac.compare_digest(presented.encode(), f"Bearer {token}".encode())


@cache
def _demo_hash() -> str:
    """The demo account's hash, made once per process so that its sessions hold across app instances."""
    return generate_password_hash(DEMO_PASSWORD)


def configured_accounts(settings: Settings) -> dict[str, str]:
    """Name -> password hash of the managers who may sign in (the demo account in all-in-one mode without any)."""
    if settings.managers:
        return {account.name: account.password_hash for account in settings.managers}
    if settings.all_in_one:
        log.warning("no manager account configured: all-in-one mode signs in %s/%s", DEMO_USER, DEMO_PASSWORD)
        return {DEMO_USER: _demo_hash()}
    if settings.proxy_user_from:
        log.warning(
            "no manager account configured: only the trusted proxy's %s signs managers in", settings.proxy_user_header
        )
    else:
        log.error("no manager account configured (CITYOPS_MANAGERS): the login refuses everyone")
    return {}


def _dummy_hashes(accounts: dict[str, str]) -> dict[str, str]:
    """One hash of a random password per hash method of the accounts, to check unknown names against."""
    methods = sorted({_method(password_hash) for password_hash in accounts.values()}) or [_DEFAULT_METHOD]
    if len(methods) > 1:
        log.warning("manager password hashes use several methods (%s): re-hash them with one", ", ".join(methods))
    return {method: generate_password_hash(secrets.token_urlsafe(16), method=method) for method in methods}


class _Login:
    """Who the accounts are, how long a sign-in lasts, which proxies are trusted and which sessions ended."""

    def __init__(self, settings: Settings, store: Store, secret: bytes, pages: Sequence[PageAccess]) -> None:
        self.settings = settings
        self.open_prefixes = open_prefixes(pages)
        self.store = store
        self.secret = secret
        self.accounts = configured_accounts(settings)
        self.fingerprints = {name: self.fingerprint(password_hash) for name, password_hash in self.accounts.items()}
        self.dummies = _dummy_hashes(self.accounts)
        self.lifetime = timedelta(hours=settings.session_hours)
        self.proxies = [ipaddress.ip_network(item, strict=False) for item in settings.proxy_user_from]
        # Session id -> signed out: a short answer from Redis, or until the session's end for those ended here.
        self.revocations = SimpleCache(threshold=10_000, default_timeout=REVOCATION_CHECK_SECONDS)
        self.outage_logged_at = 0.0

    def fingerprint(self, password_hash: str) -> str:
        """A short keyed digest of a password hash: tells a changed hash without putting the hash in the cookie."""
        return hmac.new(self.secret, password_hash.encode(), "sha256").hexdigest()[:16]

    def dummy_hash(self, name: str) -> str:
        """The hash an unknown `name` is checked against: one account's method, always the same for one name."""
        if len(self.dummies) == 1:
            return next(iter(self.dummies.values()))
        # Mixed methods: each unknown name costs what one (keyed-randomly chosen) account costs, never a third time.
        names = sorted(self.accounts)
        digest = hmac.new(self.secret, name.encode(), "sha256").digest()
        chosen = names[int.from_bytes(digest[:4], "big") % len(names)]
        return self.dummies[_method(self.accounts[chosen])]

    def revoked(self, session_id: str) -> bool:
        """Whether the session was signed out on any worker; unknown (False) while Redis is unreachable."""
        known = self.revocations.get(session_id)
        if known is not None:
            return known
        try:
            revoked = self.store.session_revoked(session_id)
        except StoreUnavailable as err:
            if time.monotonic() - self.outage_logged_at > 60:
                self.outage_logged_at = time.monotonic()
                log.warning("cannot check signed-out sessions, accepting valid cookies meanwhile: %s", err)
            revoked = False
        self.revocations.set(session_id, revoked)
        return revoked

    def revoke(self, session_id: str, ends_at: datetime) -> None:
        """End the session on this worker at once and, through Redis, on the others."""
        self.revocations.set(session_id, True, timeout=max(1, int(ends_at.timestamp() - time.time()) + 1))
        try:
            self.store.revoke_session(session_id, ends_at)
        except StoreUnavailable as err:
            log.error("sign-out not shared with the other workers (the cookie is dropped all the same): %s", err)

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
        """The session's manager, if the sign-in is recent, the account and its password unchanged, not signed out."""
        name, since = session.get(_SESSION_USER), session.get(_SESSION_SINCE)
        session_id, key = session.get(_SESSION_ID), session.get(_SESSION_KEY)
        if not all(isinstance(value, str) for value in (name, session_id, key)) or not isinstance(since, int | float):
            return None
        age = time.time() - since
        if age > self.lifetime.total_seconds() or age < -60 or self.fingerprints.get(name) != key:
            return None
        return None if self.revoked(session_id) else name

    def start_session(self, name: str) -> None:
        """A new session for `name`: new id and anti-forgery token (nothing kept from before the sign-in)."""
        session.clear()
        session[_SESSION_USER] = name
        session[_SESSION_SINCE] = int(time.time())
        session[_SESSION_ID] = secrets.token_urlsafe(18)
        session[_SESSION_KEY] = self.fingerprints[name]
        session.permanent = True  # the cookie expires with the sign-in
        csrf_token()

    def end_session(self) -> None:
        """Sign the session out here and on every worker, then drop it."""
        session_id, since = session.get(_SESSION_ID), session.get(_SESSION_SINCE)
        if isinstance(session_id, str) and isinstance(since, int | float):
            self.revoke(session_id, datetime.fromtimestamp(since, UTC) + self.lifetime)
        session.clear()

    def identify(self) -> str | None:
        return self.from_proxy() or self.from_session()

    def check(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s (in the same time whether or not the name exists)."""
        known = self.accounts.get(name)
        matches = check_password_hash(known or self.dummy_hash(name), password)
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
  <a class="lang" href="{{ path }}?lang={{ other }}&amp;next={{ next_quoted }}"
     lang="{{ other }}">{{ t("app.language", lang) }}</a>
  <h1>{{ t(heading, lang) }}</h1>
  {% if error %}<p class="error" role="alert" id="login-error">{{ error }}</p>{% endif %}
  {% if note %}<p class="note" role="status">{{ note }}</p>{% endif %}
  {% if path == logout_path %}
  <form method="post" action="{{ logout_path }}?lang={{ lang }}">
    <input type="hidden" name="{{ token_field }}" value="{{ token }}">
    <button type="submit">{{ t("auth.sign_out", lang) }}</button>
  </form>
  {% else %}
  <form method="post" action="{{ login_path }}?lang={{ lang }}">
    <input type="hidden" name="{{ token_field }}" value="{{ token }}">
    <input type="hidden" name="next" value="{{ next }}">
    <input type="hidden" name="lang" value="{{ lang }}">
    <label for="username">{{ t("auth.username", lang) }}</label>
    <input id="username" name="username" autocomplete="username" required autofocus value="{{ username }}">
    <label for="password">{{ t("auth.password", lang) }}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">{{ t("auth.submit", lang) }}</button>
  </form>
  {% endif %}
</main>
</body>
</html>
"""


def _login_page(lang: str, *, error: str = "", note: str = "", username: str = "", status: int = 200) -> Response:
    login = _login_state()
    if not error and not note and login is not None:
        if not login.accounts and not login.proxies:
            note = t("auth.closed", lang)
        elif login.settings.all_in_one and not login.settings.managers:
            note = t("auth.demo", lang)
    return _form_page(LOGIN_PATH, lang, error=error, note=note, username=username, status=status)


def _logout_page(lang: str, *, error: str = "", status: int = 200) -> Response:
    """The sign-out confirmation: what GET /logout shows (it signs nobody out) and a refused sign-out's answer."""
    name = current_manager()
    note = t("auth.signed_in_as", lang, name=name) if name else ""
    return _form_page(LOGOUT_PATH, lang, error=error, note=note, status=status)


def _form_page(path: str, lang: str, *, error: str, note: str, username: str = "", status: int) -> Response:
    next_path = _safe_next(request.values.get("next"))
    body = render_template_string(
        LOGIN_PAGE,
        t=t,
        lang=lang,
        other="en" if lang == "fr" else "fr",
        path=path,
        heading="auth.sign_out" if path == LOGOUT_PATH else "auth.heading",
        login_path=LOGIN_PATH,
        logout_path=LOGOUT_PATH,
        token_field=CSRF_FIELD,
        token=csrf_token(),
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


def _address_and_name() -> str:
    return keys.login_limit_pair(str(request.remote_addr), _attempted_name())


def _address() -> str:
    return keys.login_limit_address(str(request.remote_addr))


def _name() -> str:
    return keys.login_limit_account(_attempted_name())


def install_manager_login(server: Flask, settings: Settings, store: Store, pages: Sequence[PageAccess] = ()) -> None:
    """Protect everything but the open paths and `pages` of another rule behind the login; add /login, /logout and
    the trusted-proxy rules."""
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
    login = _Login(settings, store, (server.secret_key or "").encode(), pages)
    server.extensions[_EXTENSION] = login
    storage_uri, storage_options = limiter_storage(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    limiter = Limiter(
        key_func=_address_and_name,
        app=server,
        # Where failed sign-ins are counted: the same Redis as the data, in memory in the all-in-one mode; its own
        # connections behind their own breaker: a hung Redis costs a sign-in one timeout, then fails fast.
        storage_uri=storage_uri,
        storage_options=storage_options,
        key_prefix=keys.login_prefix(),
        strategy="moving-window",
        headers_enabled=True,
        in_memory_fallback_enabled=True,  # Redis down: still limited, per worker
    )
    pages = Blueprint("login", __name__)

    # Only failed attempts count, against three limits: per address and name, per address, per name.
    failed = {"methods": ["POST"], "deduct_when": lambda response: response.status_code == 401}

    @pages.route(LOGIN_PATH, methods=["GET", "POST"])
    @limiter.limit(settings.login_rate_limit, key_func=_address_and_name, **failed)
    @limiter.limit(settings.login_rate_limit_per_address, key_func=_address, **failed)
    @limiter.limit(settings.login_rate_limit_per_account, key_func=_name, **failed)
    def sign_in() -> Response:
        lang = normalise_language(request.values.get("lang"))
        if request.method == "GET":
            if login.identify():
                return redirect(_landing(request.args.get("next"), lang), code=303)
            note = t("auth.signed_out", lang) if request.args.get("signed_out") else ""
            return _login_page(lang, note=note)
        name = _attempted_name()
        if not _form_is_ours():
            log.warning("sign-in form for %r from %s without its token", name[:_MAX_NAME], request.remote_addr)
            return _login_page(lang, error=t("auth.forged", lang), username=name, status=403)
        if not name or len(name) > _MAX_NAME or not login.check(name, request.form.get("password", "")):
            log.warning("failed sign-in for %r from %s", name[:_MAX_NAME], request.remote_addr)
            return _login_page(lang, error=t("auth.bad_credentials", lang), username=name, status=401)
        login.start_session(name)
        log.info("manager %s signed in from %s", name, request.remote_addr)
        return redirect(_landing(request.form.get("next"), lang), code=303)

    @pages.get(LOGOUT_PATH)
    def confirm_sign_out() -> Response:
        lang = normalise_language(request.args.get("lang"))
        if not login.identify():
            return redirect(f"{LOGIN_PATH}?lang={lang}", code=303)
        return _logout_page(lang)

    @pages.post(LOGOUT_PATH)
    def sign_out() -> Response:
        lang = normalise_language(request.values.get("lang"))
        if not _form_is_ours():
            return _logout_page(lang, error=t("auth.forged", lang), status=403)
        log.info("manager %s signed out from %s", login.identify(), request.remote_addr)
        login.end_session()
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
        if _is_open(path, login.open_prefixes) or _is_scraper(path, settings.metrics_token):
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
