"""The wall's display token and the framing rules, through Flask's test client."""

from __future__ import annotations

import hashlib

import pytest

from app import create_app
from dashboard.access import TOKEN_COOKIE, TOKEN_HEADER
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import poll_body, sign_in_client, write_demo_layers

TOKEN = "wall-display-token-1"


@pytest.fixture
def client(redis_client):
    return create_app(load_settings({}, wall_token=TOKEN), store=Store(redis_client)).test_client()


@pytest.mark.parametrize("path", ["/wall/", "/wall/_dash-layout", "/wall/_dash-dependencies"])
def test_wall_without_token_is_403(client, path):
    response = client.get(path)
    assert response.status_code == 403
    assert "jeton d'affichage" in response.get_data(as_text=True)


def test_wall_callbacks_without_token_are_403(client):
    assert client.post("/wall/_dash-update-component", json={}).status_code == 403


def test_wrong_token_is_403(client):
    assert client.get("/wall/?token=guess").status_code == 403
    assert client.get("/wall/", headers={TOKEN_HEADER: "guess"}).status_code == 403


def test_token_in_query_opens_the_wall_and_is_remembered_for_its_requests(client):
    response = client.get(f"/wall/?token={TOKEN}")
    assert response.status_code == 200
    cookie = client.get_cookie(TOKEN_COOKIE, path="/wall/")
    assert cookie is not None and cookie.http_only and TOKEN not in cookie.value
    assert client.get("/wall/_dash-layout").status_code == 200  # the cookie, not the query, carries it now


def test_token_in_header_opens_the_wall(client):
    assert client.get("/wall/_dash-layout", headers={TOKEN_HEADER: TOKEN}).status_code == 200


def test_wall_is_closed_when_no_token_is_configured(redis_client):
    client = create_app(load_settings({}), store=Store(redis_client)).test_client()
    response = client.get("/wall/?token=anything")
    assert response.status_code == 403
    assert "CITYOPS_WALL_TOKEN" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/api/v1/layers", f"/wall/?token={TOKEN}", "/login"])
def test_nothing_is_frameable(client, path):
    if path != "/login":
        sign_in_client(client)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_managers_page_needs_no_display_token(client):
    assert client.get("/").status_code == 302  # to the managers' login, not a 403
    assert sign_in_client(client).get("/").status_code == 200


def _wall_cookie(redis_client, secret: str | None, token: str = TOKEN) -> str:
    app = create_app(load_settings({}, wall_token=token, secret_key=secret), store=Store(redis_client))
    client = app.test_client()
    assert client.get(f"/wall/?token={token}").status_code == 200
    return client.get_cookie(TOKEN_COOKIE, path="/wall/").value


def _opens_wall(redis_client, cookie: str, secret: str | None, token: str = TOKEN) -> bool:
    client = create_app(load_settings({}, wall_token=token, secret_key=secret), store=Store(redis_client)).test_client()
    client.set_cookie(TOKEN_COOKIE, cookie, path="/wall/")
    return client.get("/wall/_dash-layout").status_code == 200


def test_the_wall_cookie_is_keyed_by_the_secret_not_a_bare_hash_of_the_token(redis_client):
    cookie = _wall_cookie(redis_client, "first-secret-first-secret")
    assert cookie != hashlib.sha256(TOKEN.encode()).hexdigest()
    assert cookie != _wall_cookie(redis_client, "other-secret-other-secret")


def test_the_wall_cookie_holds_while_neither_the_secret_nor_the_token_changes(redis_client):
    cookie = _wall_cookie(redis_client, "first-secret-first-secret")
    assert _opens_wall(redis_client, cookie, "first-secret-first-secret")


def test_rotating_the_secret_ends_old_wall_cookies(redis_client):
    cookie = _wall_cookie(redis_client, "first-secret-first-secret")
    assert not _opens_wall(redis_client, cookie, "second-secret-second-secret")


def test_rotating_the_display_token_ends_old_wall_cookies(redis_client):
    cookie = _wall_cookie(redis_client, "first-secret-first-secret")
    assert not _opens_wall(redis_client, cookie, "first-secret-first-secret", token="wall-display-token-2")


def test_without_a_configured_secret_the_wall_cookie_outlives_a_restart(redis_client):
    # Each process then signs sessions with a random secret; an unattended wall must not close at every restart.
    cookie = _wall_cookie(redis_client, None)
    assert cookie != hashlib.sha256(TOKEN.encode()).hexdigest()
    assert _opens_wall(redis_client, cookie, None)
    assert not _opens_wall(redis_client, cookie, None, token="wall-display-token-2")


PRIVATE = [
    "/",
    "/_dash-layout",
    "/_dash-dependencies",
    "/api/v1/layers",
    f"/wall/?token={TOKEN}",
    "/wall/_dash-layout",
]
KEEP_THEIR_CACHING = [
    "/assets/manager.css",
    "/wall/assets/wall.css",
    "/_dash-component-suites/dash/deps/polyfill@7.12.1.min.js",
    "/api/v1/public/versions",
    "/embed/parking",
]


@pytest.mark.parametrize("path", PRIVATE)
def test_managers_and_wall_responses_are_not_stored(client, path):
    sign_in_client(client)
    response = client.get(path, headers={TOKEN_HEADER: TOKEN})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_callback_answers_and_csv_downloads_are_not_stored(client):
    sign_in_client(client)
    for route, body in (("/_dash-update-component", poll_body()), ("/wall/_dash-update-component", None)):
        body = body or {**poll_body(), "inputs": poll_body()["inputs"][:1]}
        response = client.post(route, json=body, headers={TOKEN_HEADER: TOKEN})
        assert response.status_code in (200, 204)
        assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", KEEP_THEIR_CACHING)
def test_static_files_and_public_answers_keep_their_own_caching(client, store, path):
    write_demo_layers(store)  # a layer without data is never cacheable (tests/test_data_loss.py)
    response = client.get(path, headers={TOKEN_HEADER: TOKEN})
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://dash.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_behind_a_trusted_proxy_only(redis_client):
    forwarded = {"X-Forwarded-Proto": "https"}
    trusting = create_app(load_settings({}, wall_token=TOKEN, proxy_count=1), store=Store(redis_client)).test_client()
    assert "Strict-Transport-Security" in trusting.get("/login", headers=forwarded).headers
    direct = create_app(load_settings({}, wall_token=TOKEN), store=Store(redis_client)).test_client()
    assert "Strict-Transport-Security" not in direct.get("/login", headers=forwarded).headers


@pytest.mark.parametrize("path", ["/", f"/wall/?token={TOKEN}"])
def test_managers_page_and_wall_allow_only_their_own_scripts(client, path):
    sign_in_client(client)
    csp = client.get(path).headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    scripts = directives["script-src"].split()
    assert scripts[0] == "'self'" and len(scripts) > 1 and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["worker-src"] == "'self' blob:" and directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
