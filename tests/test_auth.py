"""The managers' login: what is protected, sign-in and sign-out, expiry, rate limit, trusted proxy header."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import quote

import pytest
import redis
from flask import g
from werkzeug.security import check_password_hash, generate_password_hash

from app import create_app
from dashboard.auth import REVOCATION_CHECK_SECONDS, SESSION_COOKIE, current_manager
from dashboard.settings import ConfigError, load_settings
from dashboard.store import Store
from tests.factories import form_token, poll_body, sign_in_client
from tests.live_app import ROOT
from tests.redis_server import free_port

ALICE_PASSWORD = "correct horse battery staple"
ALICE = f"alice:{generate_password_hash(ALICE_PASSWORD)}"
CALLBACK = "/_dash-update-component"
POLL = poll_body()


def _app(redis_client, **settings):
    return create_app(load_settings({}, **settings), store=Store(redis_client))


def _login(client, path, data, **options):
    """POST the login form as a browser does: with the anti-forgery token of the form it was shown."""
    return client.post(path, data={**data, "csrf_token": form_token(client)}, **options)


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
    response = _login(client, "/login", data={"username": "demo", "password": "wrong"})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert set(session) == {"csrf"}  # only the form's token, no sign-in
    assert client.get("/").status_code == 302
    unknown = _login(client, "/login?lang=en", data={"username": "nobody", "password": "demo"})
    assert "Incorrect user name or password" in unknown.get_data(as_text=True)


def test_sign_in_sets_a_protected_cookie_and_opens_the_page_and_api(client):
    response = _login(client, "/login", data={"username": "demo", "password": "demo", "next": "/?lang=en"})
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
    response = _login(client, "/login", data={"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


def _accounts(*entries: str):
    return load_settings({"CITYOPS_MANAGERS": ",".join(entries)}).managers


def test_configured_accounts_replace_the_demo_account(redis_client):
    client = _app(redis_client, managers=_accounts(ALICE)).test_client()
    assert _login(client, "/login", data={"username": "demo", "password": "demo"}).status_code == 401
    sign_in_client(client, "alice", ALICE_PASSWORD)
    assert client.get("/").status_code == 200


def test_outside_the_all_in_one_mode_no_account_refuses_everyone(redis_client, redis_server, caplog):
    client = _app(redis_client, redis_url=redis_server.url).test_client()
    assert "login refuses everyone" in caplog.text
    assert "la connexion est fermée" in client.get("/login").get_data(as_text=True)
    assert _login(client, "/login", data={"username": "demo", "password": "demo"}).status_code == 401


def _sign_out(client, lang="fr"):
    return client.post(f"/logout?lang={lang}", data={"csrf_token": form_token(client, "/logout")})


def test_logout_ends_the_session(client):
    sign_in_client(client)
    assert client.get("/").status_code == 200
    response = _sign_out(client, "en")
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
    response = _login(client, "/login", data={"username": "demo", "password": "demo", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_next_keeps_a_local_path_and_query(client):
    form = client.get("/login?next=/%3Flang%3Den%26x%3D1").get_data(as_text=True)
    assert 'value="/?lang=en&amp;x=1"' in form
    response = _login(client, "/login", data={"username": "demo", "password": "demo", "next": "/?lang=en&x=1"})
    assert response.headers["Location"] == "/?lang=en&x=1"
    assert client.get("/login?next=/%3Flang%3Den").headers["Location"] == "/?lang=en"  # already signed in


def test_repeated_wrong_passwords_are_limited_in_redis(redis_client, redis_server):
    client = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    for _ in range(5):
        assert _login(client, "/login", data={"username": "alice", "password": "guess"}).status_code == 401
    response = _login(client, "/login?lang=en", data={"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 429  # even the right password waits
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    text = response.get_data(as_text=True)
    assert "Too many attempts. Try again after" in text and "Paris time" in text
    assert any(b"cityops:login" in key for key in redis_client.keys("*")), "counted in the shared Redis"
    # Another worker (another app on the same Redis) sees the same count.
    other = _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE)).test_client()
    assert _login(other, "/login", data={"username": "alice", "password": "guess"}).status_code == 429
    # Another user name from the same address is not blocked.
    assert _login(other, "/login", data={"username": "bob", "password": "guess"}).status_code == 401


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
        _login(client, "/login", data={"username": "alice", "password": "guess"}, headers=headers)
    # The limit is per client address (from X-Forwarded-For), not per proxy: another client still gets in.
    other = {"X-Forwarded-For": "192.0.2.51", "X-Forwarded-Proto": "https"}
    ok = _login(client, "/login", data={"username": "alice", "password": ALICE_PASSWORD}, headers=other)
    assert ok.status_code == 303 and "Secure" in ok.headers["Set-Cookie"]
    blocked = _login(client, "/login", data={"username": "alice", "password": ALICE_PASSWORD}, headers=headers)
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


# Rate limits: one normalised name, per address and name, per address, per account.
NAME_VARIANTS = [" alice", "alice\t", "alice\u2002", "ALICE", "\uff21lice"]  # the last: a full-width A


def _redis_app(redis_client, redis_server, **settings):
    return _app(redis_client, redis_url=redis_server.url, managers=_accounts(ALICE), **settings)


def test_name_variants_sign_in_to_the_same_account(redis_client, redis_server):
    for variant in NAME_VARIANTS:
        client = _redis_app(redis_client, redis_server).test_client()
        response = _login(client, "/login", data={"username": variant, "password": ALICE_PASSWORD})
        assert response.status_code == 303, variant
        with client.session_transaction() as session:
            assert session["manager"] == "alice"


def test_name_variants_count_in_the_same_bucket(redis_client, redis_server):
    client = _redis_app(redis_client, redis_server).test_client()
    for variant in NAME_VARIANTS:
        assert _login(client, "/login", data={"username": variant, "password": "guess"}).status_code == 401
    for variant in ["alice", "alice\u2002"]:
        response = _login(client, "/login", data={"username": variant, "password": ALICE_PASSWORD})
        assert response.status_code == 429, variant


def test_configured_names_are_normalised_and_must_stay_distinct():
    password_hash = ALICE.partition(":")[2]
    assert load_settings({"CITYOPS_MANAGERS": f"Alice:{password_hash}"}).managers[0].name == "alice"
    with pytest.raises(ConfigError, match="more than once"):
        load_settings({"CITYOPS_MANAGERS": f"Alice:{password_hash},alice:{password_hash}"})


def test_spraying_many_names_from_one_address_is_limited(redis_client, redis_server):
    client = _redis_app(redis_client, redis_server, login_rate_limit_per_address="3 per minute").test_client()
    for name in ("bob", "carol", "dave"):
        assert _login(client, "/login", data={"username": name, "password": "Summer2026"}).status_code == 401
    sprayed = _login(client, "/login", data={"username": "alice", "password": ALICE_PASSWORD})
    assert sprayed.status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.9"}
    other = _login(client, "/login", data={"username": "alice", "password": ALICE_PASSWORD}, environ_base=elsewhere)
    assert other.status_code == 303  # the limit is the address's, not the account's


def test_one_account_guessed_from_many_addresses_is_limited(redis_client, redis_server):
    def worker():
        return _redis_app(
            redis_client, redis_server, proxy_count=1, login_rate_limit_per_account="3 per minute"
        ).test_client()

    first = worker()
    for n in range(3):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        response = _login(first, "/login", data={"username": "alice", "password": "guess"}, headers=headers)
        assert response.status_code == 401
    # Another worker on the same Redis, from yet another address, with the right password: the account waits.
    fresh = {"X-Forwarded-For": "198.51.100.77"}
    blocked = _login(worker(), "/login", data={"username": "Alice", "password": ALICE_PASSWORD}, headers=fresh)
    assert blocked.status_code == 429
    assert redis_client.keys("*cityops:login/account:alice/*"), "counted per account in the shared Redis"
    other_account = _login(worker(), "/login", data={"username": "bob", "password": "guess"}, headers=fresh)
    assert other_account.status_code == 401


def test_the_extra_limits_are_validated_settings():
    with pytest.raises(ConfigError) as err:
        load_settings({"CITYOPS_LOGIN_RATE_LIMIT_PER_ADDRESS": "often", "CITYOPS_LOGIN_RATE_LIMIT_PER_ACCOUNT": "x"})
    assert "CITYOPS_LOGIN_RATE_LIMIT_PER_ADDRESS" in str(err.value)
    assert "CITYOPS_LOGIN_RATE_LIMIT_PER_ACCOUNT" in str(err.value)


# Sessions end on the server: sign-out, password change, across workers; forms carry an anti-forgery token.
SECRET = "shared-secret-0123456789"


def _worker(redis_client, redis_server, *accounts: str):
    return _app(redis_client, redis_url=redis_server.url, managers=_accounts(*accounts), secret_key=SECRET)


def _replay(app, cookie):
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, cookie)
    return client


def test_a_cookie_copied_before_sign_out_is_refused_after_it(redis_client, redis_server):
    app = _worker(redis_client, redis_server, ALICE)
    client = sign_in_client(app.test_client(), "alice", ALICE_PASSWORD)
    copied = client.get_cookie(SESSION_COOKIE).value
    assert _replay(app, copied).get("/api/v1/layers").status_code == 200
    assert _sign_out(client).status_code == 303
    assert _replay(app, copied).get("/api/v1/layers").status_code == 401
    assert _replay(app, copied).get("/").status_code == 302
    revoked = redis_client.keys("cityops:login:revoked:*")
    assert len(revoked) == 1 and 0 < redis_client.ttl(revoked[0]) <= 12 * 3600 + 1  # kept until the sign-in ends


def test_sign_out_by_get_changes_nothing(client):
    sign_in_client(client)
    page = client.get("/logout?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'method="post"' in text and 'name="csrf_token"' in text and "Sign out" in text
    assert client.get("/api/v1/layers").status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_sign_out_without_the_token_is_refused(client, token):
    sign_in_client(client)
    response = client.post("/logout", data={} if token is None else {"csrf_token": token})
    assert response.status_code == 403
    assert "Formulaire expiré ou envoyé depuis un autre site" in response.get_data(as_text=True)
    assert client.get("/api/v1/layers").status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_sign_in_without_the_token_is_refused(client, token):
    form = {"username": "demo", "password": "demo"} | ({} if token is None else {"csrf_token": token})
    client.get("/login")
    response = client.post("/login?lang=en", data=form)
    assert response.status_code == 403
    assert "This form has expired or was sent from another site" in response.get_data(as_text=True)
    assert client.get("/api/v1/layers").status_code == 401
    # A page of another site posting the form has no session of its own to take the token from.
    stranger = client.application.test_client()
    response = stranger.post("/login", data={"username": "demo", "password": "demo", "csrf_token": form_token(client)})
    assert response.status_code == 403


def test_a_changed_password_hash_ends_the_session(redis_client, redis_server):
    client = sign_in_client(_worker(redis_client, redis_server, ALICE).test_client(), "alice", ALICE_PASSWORD)
    cookie = client.get_cookie(SESSION_COOKIE).value
    changed = f"alice:{generate_password_hash('a new passphrase for alice')}"
    assert _replay(_worker(redis_client, redis_server, changed), cookie).get("/api/v1/layers").status_code == 401
    assert _replay(_worker(redis_client, redis_server, ALICE), cookie).get("/api/v1/layers").status_code == 200


def test_sign_out_holds_on_every_worker(redis_client, redis_server):
    first, second = (_worker(redis_client, redis_server, ALICE) for _ in range(2))
    client = sign_in_client(first.test_client(), "alice", ALICE_PASSWORD)
    cookie = client.get_cookie(SESSION_COOKIE).value
    assert _replay(second, cookie).get("/api/v1/layers").status_code == 200  # the second worker knows it valid
    assert _sign_out(client).status_code == 303
    assert _replay(first, cookie).get("/api/v1/layers").status_code == 401  # the worker that signed out: at once
    assert _replay(_worker(redis_client, redis_server, ALICE), cookie).get("/api/v1/layers").status_code == 401
    time.sleep(REVOCATION_CHECK_SECONDS + 1)  # the second worker asks Redis again after its short cache
    assert _replay(second, cookie).get("/api/v1/layers").status_code == 401


def test_redis_unreachable_signs_nobody_out(redis_client):
    dead = Store(redis.Redis(port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5))
    app = create_app(load_settings({}), store=dead)
    app.add_url_rule("/whoami-test", "whoami", lambda: current_manager() or "nobody")
    client = sign_in_client(app.test_client())
    cookie = client.get_cookie(SESSION_COOKIE).value
    assert client.get("/whoami-test").get_data(as_text=True) == "demo"
    assert _sign_out(client).status_code == 303
    assert _replay(app, cookie).get("/whoami-test").status_code == 302  # this worker still remembers the sign-out


# Timing: an unknown name is checked against a hash of the same method as the accounts'.
def _method(password_hash: str) -> str:
    return password_hash.partition("$")[0]


def test_unknown_names_cost_what_the_pbkdf2_account_costs(redis_client):
    pbkdf2 = generate_password_hash(ALICE_PASSWORD, method="pbkdf2:sha256:1000")
    login = _app(redis_client, managers=_accounts(f"alice:{pbkdf2}")).extensions["cityops_auth"]
    assert _method(login.dummy_hash("nobody")) == "pbkdf2:sha256:1000"
    assert not login.check("nobody", ALICE_PASSWORD) and login.check("alice", ALICE_PASSWORD)


def test_with_mixed_methods_unknown_names_look_like_some_account(redis_client):
    pbkdf2 = generate_password_hash("bob's passphrase", method="pbkdf2:sha256:1000")
    app = _app(redis_client, managers=_accounts(ALICE, f"bob:{pbkdf2}"), secret_key=SECRET)
    login = app.extensions["cityops_auth"]
    methods = {_method(login.dummy_hash(f"user{n}")) for n in range(40)}
    assert methods == {_method(ALICE.partition(":")[2]), "pbkdf2:sha256:1000"}
    assert login.dummy_hash("user1") == login.dummy_hash("user1")  # one name always costs the same


@pytest.mark.parametrize(
    ("lang", "target", "landing"),
    [
        ("en", "/", "/?lang=en"),
        ("en", "/?x=1", "/?x=1&lang=en"),
        ("en", "/?lang=fr", "/?lang=fr"),  # the page asked for its own language: kept
        ("fr", "/", "/"),
    ],
)
def test_signing_in_keeps_the_language_of_the_form(client, lang, target, landing):
    form = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'<input type="hidden" name="lang" value="{lang}">' in form
    fields = {"username": "demo", "password": "demo", "next": target, "lang": lang}
    response = client.post("/login", data={**fields, "csrf_token": form_token(client)})
    assert response.status_code == 303 and response.headers["Location"] == landing
    already = client.get(f"/login?lang={lang}&next={quote(target)}")  # signed in: straight on
    assert already.status_code == 303 and already.headers["Location"] == landing
