"""Pages in a real Chromium while Redis hangs (SIGSTOP): they say their data are stale, then recover by themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import open_page
from tests.live_app import FAST, LiveApp, sign_in
from tests.redis_server import RedisServer
from tests.slow_proxy import SlowProxy

pytestmark = pytest.mark.browser

POLL = 0.5
TIMEOUT = 1.0
# Poll interval plus timeout is the promise; the margin covers the watch's tick and a busy two-core machine.
WITHIN_MS = int((POLL + TIMEOUT + 3.0) * 1000)

ALL_BADGES_STALE_JS = """() => {
    const badges = [...document.querySelectorAll('.badges .badge, li.badge')];
    return badges.length > 0 && badges.every(b => b.classList.contains('badge-stale')
        && b.textContent.includes('données anciennes depuis'));
}"""
BANNER_JS = """() => { const b = document.querySelector('#banner'); return b && !b.hidden && b.textContent; }"""


@pytest.fixture(scope="module")
def proxy_and_server() -> Iterator[tuple[SlowProxy, RedisServer]]:
    server = RedisServer()
    server.start()
    proxy = SlowProxy(server.port)
    yield proxy, server
    proxy.close()
    server.stop()


@pytest.fixture(scope="module")
def hanging(proxy_and_server) -> Iterator[tuple[LiveApp, RedisServer]]:
    """The app (all-in-one, threaded) on a Redis reached through a proxy that can slow it down."""
    proxy, server = proxy_and_server
    settings = {**FAST, "CITYOPS_POLL_SECONDS": str(POLL), "CITYOPS_REDIS_TIMEOUT_SECONDS": str(TIMEOUT)}
    app = LiveApp(**settings, REDIS_URL=proxy.url)
    app.start()
    yield app, server
    app.stop()


@pytest.fixture
def paused_later(hanging) -> Iterator[RedisServer]:
    """The Redis server, resumed after the test whatever happens."""
    _app, server = hanging
    yield server
    server.resume()


def test_managers_page_says_its_data_are_stale_while_redis_hangs_and_recovers(browser, hanging, paused_later):
    app, server = hanging
    page = open_page(browser)
    try:
        sign_in(page, app.url)
        page.goto(app.url + "/")
        page.wait_for_selector("#badge-parking.badge-ok", timeout=30000)
        assert page.evaluate("() => document.querySelector('#banner').hidden")

        server.pause()
        paused_at = time.monotonic()
        page.wait_for_function(ALL_BADGES_STALE_JS, timeout=WITHIN_MS)
        page.wait_for_function(BANNER_JS, timeout=WITHIN_MS)
        assert time.monotonic() - paused_at < WITHIN_MS / 1000
        banner = page.evaluate(BANNER_JS)
        assert "perdue depuis" in banner, banner

        server.resume()
        page.wait_for_function("() => document.querySelector('#banner').hidden", timeout=5000)
        page.wait_for_selector("#badge-parking.badge-ok", timeout=5000)
        assert "données anciennes" not in page.inner_text("#badge-parking")
        assert page.errors == []
    finally:
        page.context.close()


def test_embed_line_says_its_data_are_stale_while_redis_hangs_and_recovers(browser, hanging, paused_later):
    app, server = hanging
    page = open_page(browser, 400, 300)
    try:
        page.goto(app.url + "/embed/parking")
        page.wait_for_selector("#embed-freshness.state-ok", timeout=30000)
        assert "à jour" in page.inner_text("#embed-freshness")

        server.pause()
        page.wait_for_selector("#embed-freshness.state-stale", timeout=WITHIN_MS)
        assert "données anciennes depuis" in page.inner_text("#embed-freshness")

        server.resume()
        # The embed reads the versions document, which browsers may keep for its max-age (5 s), then polls.
        page.wait_for_selector("#embed-freshness.state-ok", timeout=15000)
        assert "à jour" in page.inner_text("#embed-freshness")
        # The embed's GETs of the versions document fail with 503 while Redis hangs; nothing else may go wrong.
        assert [e for e in page.errors if "status of 503" not in e] == []
    finally:
        page.context.close()


def test_a_poll_answer_slower_than_the_poll_interval_still_lands(browser, hanging, proxy_and_server):
    app, _server = hanging
    proxy, _server = proxy_and_server
    page = open_page(browser)
    try:
        sign_in(page, app.url)
        # Every Redis reply comes 0.7 s late: each poll takes longer than its 0.5 s interval, within the timeout.
        proxy.delay = 0.7
        page.goto(app.url + "/")
        page.wait_for_selector("#badge-parking.badge-ok", timeout=15000)
        assert "à jour" in page.inner_text("#badge-parking")
    finally:
        proxy.delay = 0.0
        page.context.close()


def test_an_embed_answer_slower_than_the_poll_interval_still_lands(browser, hanging, proxy_and_server):
    app, _server = hanging
    proxy, _server = proxy_and_server
    page = open_page(browser, 400, 300)
    try:
        # Every Redis reply comes 0.1 s late: a versions request (a few round trips, more when it builds a new
        # version's file) takes well over the 0.5 s poll interval.
        proxy.delay = 0.1
        page.goto(app.url + "/embed/parking")
        page.wait_for_selector("#embed-freshness.state-ok", timeout=20000)
        assert "à jour" in page.inner_text("#embed-freshness")
    finally:
        proxy.delay = 0.0
        page.context.close()
