"""The production recipe's reverse proxy (deploy/nginx/) in front of gunicorn, as real processes.

Threaded gunicorn workers give a thread to each request for as long as its client takes to send it, so a
few clients trickling their headers freeze a worker. The recipe puts nginx in front: these tests start
nginx with the recipe's own files, gunicorn with the recipe's config and a real redis-server, then trickle
headers from many clients at once and check the dashboard still answers — and that the same trickle does
freeze gunicorn reached directly, so the load is real. They also check the copies nginx keeps of the
public side (the versions document every embed polls, the versioned layer files).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from dashboard.store import Store
from tests.factories import write_demo_layers
from tests.live_app import OUTSIDE_ALL_IN_ONE
from tests.nginx_server import DEPLOY, NginxServer, stop_process, wait_until_listening
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
SLOW_CLIENTS = 50
THREADS = 4  # fewer gunicorn threads than slow clients: reached directly, every thread is held

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx and openssl are needed (make test installs nginx when run as root)",
)


@dataclass
class Proxied:
    """Where the stack answers: nginx over https and plain http, and gunicorn directly; its Redis."""

    https_port: int
    http_port: int
    web_port: int
    redis_url: str


@pytest.fixture(scope="module")
def proxied() -> Iterator[Proxied]:
    """redis-server, gunicorn with deploy/gunicorn.conf.py and nginx with deploy/nginx/, all on free ports."""
    web_port = free_port()
    redis = RedisServer()
    redis.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_") and k != "REDIS_URL"},
        **OUTSIDE_ALL_IN_ONE,
        "REDIS_URL": redis.url,
        "CITYOPS_SECRET_KEY": "proxy-test-secret-proxy-test-secret",
        "CITYOPS_PROXY_COUNT": "1",
        "CITYOPS_PROXY_USER_FROM": "127.0.0.1/32",  # nginx: a client's own X-Forwarded-User must not pass
        "CITYOPS_LOG_LEVEL": "WARNING",
    }
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(DEPLOY / "gunicorn.conf.py"),
            "--workers",
            "1",
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{web_port}",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    nginx = NginxServer(web_port)
    try:
        wait_until_listening(web_port, web)
        nginx.start()
        yield Proxied(nginx.https_port, nginx.http_port, web_port, redis.url)
    finally:
        nginx.stop()
        stop_process(web)
        redis.stop()


HEADERS_SLOWLY = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"x" * 64
BODY = b'{"output": "x", "inputs": [], "state": []}'
# The headers at once, then the body a byte a second.
BODY_SLOWLY = (
    b"POST /embed/_dash-update-component HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    + b"Content-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class Tricklers:
    """Many clients each sending a request one byte a second (after `burst` bytes at once), from one thread."""

    def __init__(self, port: int, *, tls: bool, request: bytes = HEADERS_SLOWLY, burst: int = 0) -> None:
        self.port, self.tls, self.request, self.burst = port, tls, request, burst
        self.count = SLOW_CLIENTS
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.connected = threading.Event()
        self.opened = 0

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname="localhost")
        return sock

    def _run(self) -> None:
        request = self.request
        sockets = []
        for _ in range(self.count):
            try:
                sockets.append(self._connect())
            except OSError:
                break
        self.opened = len(sockets)
        for sock in sockets:
            sock.send(request[: self.burst])
        self.connected.set()
        position = self.burst
        while not self.stopped.is_set() and position < len(request):
            for sock in sockets:
                with contextlib.suppress(OSError):  # the server gave up on this one: that is the point
                    sock.send(request[position : position + 1])
            position += 1
            self.stopped.wait(1)
        for sock in sockets:
            sock.close()

    def __enter__(self) -> Tricklers:
        self.thread.start()
        # TLS handshakes on a loaded machine can take a while: wait for them, not for a fixed time.
        self.connected.wait(timeout=60)
        time.sleep(1)  # the server has read those first bytes
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


def _answer_time(url: str, timeout: float) -> float | None:
    """Seconds /healthz took to answer at `url`, or None when it did not answer within `timeout`."""
    started = time.monotonic()
    try:
        httpx.get(url, timeout=timeout, verify=False)
    except httpx.TimeoutException:
        return None
    return time.monotonic() - started


def test_slow_clients_freeze_gunicorn_reached_directly(proxied: Proxied) -> None:
    direct = f"http://127.0.0.1:{proxied.web_port}/healthz"
    assert _answer_time(direct, timeout=5) is not None
    with Tricklers(proxied.web_port, tls=False) as tricklers:
        assert tricklers.opened == SLOW_CLIENTS
        assert _answer_time(direct, timeout=3) is None, "the trickle should hold every gunicorn thread"
    with Tricklers(proxied.web_port, tls=False, request=BODY_SLOWLY, burst=BODY_SLOWLY.index(BODY)):
        assert _answer_time(direct, timeout=3) is None, "a slow body should hold every gunicorn thread too"


def test_dashboard_answers_through_nginx_while_slow_clients_trickle(proxied: Proxied) -> None:
    url = f"https://127.0.0.1:{proxied.https_port}/healthz"
    with Tricklers(proxied.https_port, tls=True) as tricklers:
        assert tricklers.opened == SLOW_CLIENTS
        times = [_answer_time(url, timeout=5) for _ in range(5)]
    assert all(t is not None and t < 1.0 for t in times), times


def test_dashboard_answers_through_nginx_while_slow_bodies_trickle(proxied: Proxied) -> None:
    url = f"https://127.0.0.1:{proxied.https_port}/healthz"
    with Tricklers(proxied.https_port, tls=True, request=BODY_SLOWLY, burst=BODY_SLOWLY.index(BODY)) as tricklers:
        assert tricklers.opened == SLOW_CLIENTS
        times = [_answer_time(url, timeout=5) for _ in range(5)]
    assert all(t is not None and t < 1.0 for t in times), times


def test_plain_http_redirects_to_https_but_health_checks_pass(proxied: Proxied) -> None:
    page = httpx.get(f"http://127.0.0.1:{proxied.http_port}/wall/", follow_redirects=False)
    assert page.status_code == 301
    assert page.headers["location"].startswith("https://")
    health = httpx.get(f"http://127.0.0.1:{proxied.http_port}/healthz")
    assert health.status_code == 200


def test_a_client_cannot_sign_itself_in_with_the_proxy_user_header(proxied: Proxied) -> None:
    response = httpx.get(
        f"https://127.0.0.1:{proxied.https_port}/api/v1/layers",
        headers={"X-Forwarded-User": "intruder"},
        verify=False,
    )
    assert response.status_code == 401


def test_oversized_bodies_stop_at_the_proxy(proxied: Proxied) -> None:
    response = httpx.post(
        f"https://127.0.0.1:{proxied.https_port}/embed/_dash-update-component",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
        verify=False,
    )
    assert response.status_code == 413


def test_public_data_are_answered_from_nginx_copies_that_follow_new_versions(proxied: Proxied) -> None:
    store = Store(redis.Redis.from_url(proxied.redis_url))
    write_demo_layers(store)
    base = f"https://127.0.0.1:{proxied.https_port}"
    with httpx.Client(base_url=base, verify=False, headers={"Accept-Encoding": "br, gzip"}) as client:

        def versions() -> httpx.Response:
            response = client.get("/api/v1/public/versions?lang=fr")
            assert response.status_code == 200
            return response

        first = versions()
        again = versions()
        assert again.headers["X-Cache-Status"] == "HIT"
        # Browsers and CDNs still get the app's own caching rules, not nginx's one second.
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
        assert "max-age=5" in again.headers["Cache-Control"]
        revalidated = client.get("/api/v1/public/versions?lang=fr", headers={"If-None-Match": again.headers["ETag"]})
        assert revalidated.status_code == 304

        # A new version is polled within the copy's second (plus this machine's slack).
        old = again.json()["layers"]["parking"]["version"]
        write_demo_layers(store, seed=4)
        deadline = time.monotonic() + 5
        while (layer := versions().json()["layers"]["parking"])["version"] == old:
            assert time.monotonic() < deadline, "nginx kept an old versions document"
            time.sleep(0.2)

        # The version's file: one cached copy per content coding, each the app's own bytes.
        brotli_first = client.get(layer["url"])
        brotli_again = client.get(layer["url"])
        gzipped = client.get(layer["url"], headers={"Accept-Encoding": "gzip, deflate"})
        plain = client.get(layer["url"], headers={"Accept-Encoding": "identity"})
    assert brotli_first.status_code == 200
    assert brotli_again.headers["X-Cache-Status"] == "HIT"
    assert brotli_again.headers["Content-Encoding"] == "br"
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert brotli_again.json() == gzipped.json() == plain.json()
    assert brotli_again.json()["features"]


def test_nginx_never_keeps_an_error_for_the_embeds(proxied: Proxied) -> None:
    url = f"https://127.0.0.1:{proxied.https_port}/api/v1/public/layers/parking/1.geojson"
    for _ in range(2):
        response = httpx.get(url, verify=False)
        assert response.status_code == 404
        assert response.headers["X-Cache-Status"] != "HIT"
