"""Shared fixtures: a real redis-server for the session, a clean database per test, a real Chromium."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from dashboard.store import Store
from tests.redis_server import RedisServer
from tests.shared_data import COMMUNES_FILE, NO_BOUNDARY_DOWNLOAD, QUARTIERS_FILE

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def _local_only(event: str, args: tuple) -> None:
    """Refuse to resolve any host name but the machine's own: the tests never reach the internet.

    Settings built from a mapping in a test do not see the environment, so a test app with no boundary path
    would otherwise try the open-data portal; here that fails at once, as a name that does not resolve.
    """
    if event != "socket.getaddrinfo" or args[0] is None:
        return
    host = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
    if host.lower() in LOCAL_NAMES:
        return
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        raise socket.gaierror(socket.EAI_NONAME, f"the tests never resolve outside names ({host})") from None


def pytest_configure(config) -> None:
    sys.addaudithook(_local_only)
    # load_settings() from the environment, and every process the tests start with it, never download.
    os.environ.update(NO_BOUNDARY_DOWNLOAD)


@pytest.fixture(scope="session")
def boundary_files() -> tuple[Path, Path]:
    missing = [str(path) for path in (COMMUNES_FILE, QUARTIERS_FILE) if not path.exists()]
    if missing:
        pytest.skip(f"boundary files not found ({', '.join(missing)}); they are expected in ../shared/data")
    return COMMUNES_FILE, QUARTIERS_FILE


@pytest.fixture(scope="session")
def boundaries(boundary_files, tmp_path_factory):
    from dashboard.geo import load_boundaries

    communes, quartiers = boundary_files
    return load_boundaries(str(communes), str(quartiers), tmp_path_factory.mktemp("boundaries"))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def store(redis_client: redis.Redis) -> Store:
    return Store(redis_client)


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed (make test installs it when run as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, width: int = 1600, height: int = 1000):
    """A page in a fresh browser context of the given viewport; console errors collect in `page.errors`."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


@pytest.fixture
def page(browser):
    page = open_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def feed_server():
    from tests.feed_server import FeedServer

    server = FeedServer()
    server.start()
    yield server
    server.stop()
