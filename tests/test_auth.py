"""The managers' login: what is protected, sign-in and sign-out, expiry, rate limit, trusted proxy header."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from flask import g
from werkzeug.security import check_password_hash, generate_password_hash

from app import create_app
from dashboard.auth import SESSION_COOKIE, current_manager
from dashboard.settings import ConfigError, load_settings
from dashboard.store import Store
from tests.factories import poll_body, sign_in_client
from tests.live_app import ROOT

ALICE_PASSWORD = "correct horse battery staple"
ALICE = f"alice:{generate_password_hash(ALICE_PASSWORD)}"
CALLBACK = "/_dash-update-component"
POLL = poll_body()


def _app(redis_client, **settings):
    return create_app(load_settings({}, **settings), store=Store(redis_client))


@pytest.fixture
def client(redis_client):
    return _app(redis_client).test_client()


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/anything/else"])
def test_pages_redirect_to_the_login_page_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")
    if "lang=en" in path:
        assert response.headers["Location"].endswith("&lang=en")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/_dash-layout"),
        ("get", "/_dash-dependencies"),
        ("post", CALLBACK),
        ("get", "/api/v1/layers"),
        ("get", "/api/v1/layers/parking"),
        ("get", "/api/v1/areas"),
    ],
)
def test_callbacks_and_api_answer_401_json_without_a_session(client, method, path):
    response = getattr(client, method)(path, json=POLL if method == "post" else None)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Connexion requise : connectez-vous sur /login.", "status": 401}


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/login",
        "/api/v1/public/versions",
        "/assets/manager.css",
        "/embed/reports",
        "/embed/_dash-layout",
        "/embed/_dash-dependencies",
    ],
)
def test_open_paths_need_no_session(client, path):
    assert client.get(path).status_code == 200


def test_the_wall_keeps_its_own_token(redis_client):
    client = _app(redis_client, wall_token="wall-display-token-1").test_client()
    assert client.get("/wall/").status_code == 403  # the wall's rule, not a login redirect
    assert client.get("/wall/?token=wall-display-token-1").status_code == 200


def test_login_page_in_french_and_english_with_labelled_fields(client):
    french = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in french and '<label for="username">Identifiant</label>' in french
    assert '<label for="password">Mot de passe</label>' in french and 'id="password"' in french
    assert "identifiant demo, mot de passe demo" in french  # the all-in-one demo account is announced
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and '<label for="username">User name</label>' in english


def test_wrong_password_shows_the_error_and_gives_no_session(client):
    response = client.post("/login", data={"username": "demo", "password": "wrong"})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get_cookie(SESSION_COOKIE) is None
    assert client.get("/").status_code == 302
    unknown = client.post("/login?lang=en", data={"username": "nobody", "password": "demo"})
    assert "Incorrect user name or password" in unknown.get_data(as_text=True)


def test_sign_in_sets_a_protected_cookie_and_opens_the_page_and_api(client):
    response = client.post("/login", data={"username": "demo", "password": "demo", "next": "/?lang=en"})
    assert response.status_code == 303 and response.headers["Location"] == "/?lang=en"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # all-in-one mode runs on plain http
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/layers").status_code == 200
    assert client.post(CALLBACK, json=POLL).status_code in (200, 204)
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Connecté : demo" in layout and "Se déconnecter" in layout


def test_the_manager_is_known_to_the_request(redis_client):
    app = _app(redis_client)
    seen = {}

    @app.get("/whoami-test")
    def whoami():  # a route added later by another part of the dashboard: protected like any other
        seen["g"], seen["current"] = g.manager, current_manager()
        return "ok"

    client = app.test_client()
    assert client.get("/whoami-test").status_code == 302
    assert sign_in_client(client).get("/whoami-test").status_code == 200
    assert seen == {"g": "demo", "current": "demo"}


def test_secure_cookie_outside_the_all_in_one_mode(redis_client, redis_server):
    client = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    response = client.post("/login", data={"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


def _accounts(*entries: str):
    return load_settings({"CITYOPS_MANAGERS": ",".join(entries)}).managers


def test_configured_accounts_replace_the_demo_account(redis_client):
    client = _app(redis_client, managers=_accounts(ALICE)).test_client()
    assert client.post("/login", data={"username": "demo", "password": "demo"}).status_code == 401
    sign_in_client(client, "alice", ALICE_PASSWORD)
    assert client.get("/").status_code == 200


def test_outside_the_all_in_one_mode_no_account_refuses_everyone(redis_client, redis_server, caplog):
    client = _app(redis_client, redis_url=redis_server.url).test_client()
    assert "login refuses everyone" in caplog.text
    assert "la connexion est fermée" in client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"username": "demo", "password": "demo"}).status_code == 401


def test_logout_ends_the_session(client):
    sign_in_client(client)
    assert client.get("/").status_code == 200
    response = client.get("/logout?lang=en")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login?lang=en")
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/layers").status_code == 401
    assert "You are signed out" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_expired_session_is_rejected_even_if_the_cookie_is_replayed(redis_client):
    client = _app(redis_client, session_hours=1).test_client()
    sign_in_client(client)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 3601  # signed in just over an hour ago
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/layers").status_code == 401


def test_a_session_from_another_secret_is_rejected(redis_client):
    first = _app(redis_client, secret_key="first-secret-0123456789").test_client()
    sign_in_client(first)
    cookie = first.get_cookie(SESSION_COOKIE).value
    second = _app(redis_client, secret_key="other-secret-0123456789").test_client()
    second.set_cookie(SESSION_COOKIE, cookie)
    assert second.get("/api/v1/layers").status_code == 401
    shared = _app(redis_client, secret_key="first-secret-0123456789").test_client()
    shared.set_cookie(SESSION_COOKIE, cookie)
    assert shared.get("/api/v1/layers").status_code == 200  # every worker with the same secret accepts it


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/login",
        " /x",
    ],
)
def test_next_cannot_leave_the_site(client, target):
    response = client.post("/login", data={"username": "demo", "password": "demo", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_next_keeps_a_local_path_and_query(client):
    form = client.get("/login?next=/%3Flang%3Den%26x%3D1").get_data(as_text=True)
    assert 'value="/?lang=en&amp;x=1"' in form
    response = client.post("/login", data={"username": "demo", "password": "demo", "next": "/?lang=en&x=1"})
    assert response.headers["Location"] == "/?lang=en&x=1"
    assert client.get("/login?next=/%3Flang%3Den").headers["Location"] == "/?lang=en"  # already signed in


def test_repeated_wrong_passwords_are_limited_in_redis(redis_client, redis_server):
    client = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    for _ in range(5):
        assert client.post("/login", data={"username": "alice", "password": "guess"}).status_code == 401
    response = client.post("/login?lang=en", data={"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 429  # even the right password waits
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    text = response.get_data(as_text=True)
    assert "Too many attempts. Try again after" in text and "Paris time" in text
    assert any(b"cityops:login" in key for key in redis_client.keys("*")), "counted in the shared Redis"
    # Another worker (another app on the same Redis) sees the same count.
    other = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    assert other.post("/login", data={"username": "alice", "password": "guess"}).status_code == 429
    # Another user name from the same address is not blocked.
    assert other.post("/login", data={"username": "bob", "password": "guess"}).status_code == 401


def test_successful_sign_ins_are_not_counted(redis_client, redis_server):
    client = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    for _ in range(7):
        sign_in_client(client, "alice", ALICE_PASSWORD)


def _proxied(redis_client, **settings):
    return _app(redis_client, proxy_user_from=("10.0.0.0/24",), **settings).test_client()


def test_proxy_user_header_is_honoured_from_a_trusted_proxy(redis_client):
    client = _proxied(redis_client)
    response = client.get("/", headers={"X-Forwarded-User": "jdupont"}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 200
    mapped = {"REMOTE_ADDR": "::ffff:10.0.0.7"}  # the same proxy seen through a dual-stack socket
    assert client.get("/", headers={"X-Forwarded-User": "jdupont"}, environ_base=mapped).status_code == 200
    layout = client.get(
        "/_dash-layout", headers={"X-Forwarded-User": "jdupont"}, environ_base={"REMOTE_ADDR": "10.0.0.7"}
    )
    assert "Connecté : jdupont" in layout.get_data(as_text=True)


def test_proxy_user_header_is_ignored_from_anyone_else(redis_client):
    client = _proxied(redis_client)
    for address in ("10.0.1.7", "127.0.0.1"):
        response = client.get(
            "/api/v1/layers", headers={"X-Forwarded-User": "jdupont"}, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 401


def test_proxy_user_header_is_ignored_when_the_mode_is_off(client):
    response = client.get("/api/v1/layers", headers={"X-Forwarded-User": "demo"})
    assert response.status_code == 401


def test_forwarded_for_cannot_pose_as_the_trusted_proxy(redis_client):
    # Behind one TLS proxy (ProxyFix): the client's address comes from X-Forwarded-For, but the user header is
    # only trusted when the connection itself comes from the proxy.
    client = _proxied(redis_client, proxy_count=1)
    spoofed = client.get(
        "/api/v1/layers",
        headers={"X-Forwarded-User": "jdupont", "X-Forwarded-For": "10.0.0.7"},
        environ_base={"REMOTE_ADDR": "192.0.2.50"},
    )
    assert spoofed.status_code == 401
    real = client.get(
        "/api/v1/layers",
        headers={"X-Forwarded-User": "jdupont", "X-Forwarded-For": "192.0.2.50", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert real.status_code == 200


def test_behind_a_tls_proxy_the_client_address_and_https_are_seen(redis_client, redis_server):
    client = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE), proxy_count=1).test_client()
    headers = {"X-Forwarded-For": "192.0.2.50", "X-Forwarded-Proto": "https"}
    for _ in range(5):
        client.post("/login", data={"username": "alice", "password": "guess"}, headers=headers)
    # The limit is per client address (from X-Forwarded-For), not per proxy: another client still gets in.
    other = {"X-Forwarded-For": "192.0.2.51", "X-Forwarded-Proto": "https"}
    ok = client.post("/login", data={"username": "alice", "password": ALICE_PASSWORD}, headers=other)
    assert ok.status_code == 303 and "Secure" in ok.headers["Set-Cookie"]
    blocked = client.post("/login", data={"username": "alice", "password": ALICE_PASSWORD}, headers=headers)
    assert blocked.status_code == 429


def test_settings_reject_bad_accounts_and_networks():
    with pytest.raises(ConfigError) as err:
        load_settings(
            {
                "CITYOPS_MANAGERS": "alice:plaintext",
                "CITYOPS_PROXY_USER_FROM": "proxy.internal",
                "CITYOPS_LOGIN_RATE_LIMIT": "often",
            }
        )
    message = str(err.value)
    assert "hash-password" in message and "CITYOPS_PROXY_USER_FROM" in message and "CITYOPS_LOGIN_RATE_LIMIT" in message
    with pytest.raises(ConfigError, match="more than once"):
        load_settings({"CITYOPS_MANAGERS": f"{ALICE} {ALICE}"})


def test_managers_from_the_settings_file(tmp_path):
    config = tmp_path / "cityops.toml"
    password_hash = ALICE.partition(":")[2]
    config.write_text(f'[[managers]]\nname = "alice"\npassword_hash = "{password_hash}"\n')
    settings = load_settings({"CITYOPS_CONFIG": str(config)})
    assert [account.name for account in settings.managers] == ["alice"]


def test_hash_password_command_reads_stdin_and_prints_a_usable_hash():
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "hash-password"],
        input="s3cret-passphrase\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    password_hash = result.stdout.strip()
    assert "s3cret" not in result.stdout and check_password_hash(password_hash, "s3cret-passphrase")
    assert load_settings({"CITYOPS_MANAGERS": f"alice:{password_hash}"}).managers[0].name == "alice"
    empty = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "hash-password"], input="\n", capture_output=True, text=True, cwd=ROOT
    )
    assert empty.returncode == 1


def test_sign_in_time_is_recorded(client):
    before = int(time.time())
    sign_in_client(client)
    with client.session_transaction() as session:
        assert session["manager"] == "demo" and before <= session["signed_in_at"] <= time.time()
