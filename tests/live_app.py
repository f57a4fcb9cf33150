"""Runs `python app.py` (the all-in-one mode) as a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from werkzeug.security import generate_password_hash

from tests.redis_server import free_port
from tests.shared_data import NO_BOUNDARY_DOWNLOAD, boundary_settings

ROOT = Path(__file__).resolve().parents[1]
DEMO = "demo"  # user name and password of the all-in-one mode's demo account
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')  # the anti-forgery field of the login form
# Settings that make the demo move fast enough to watch values change within a test, with the boundaries
# (communes and quartiers) when the shared data folder is there.
FAST = {
    "CITYOPS_REFRESH_SECONDS": "1",
    "CITYOPS_POLL_SECONDS": "0.5",
    "CITYOPS_DEMO_SPEED": "60",
    **boundary_settings(),
}


def wait_for_data(base: str, timeout: float = 60, alive: Callable[[], bool] = lambda: True) -> None:
    """Wait until the server at `base` answers /healthz with data in every layer (RuntimeError if it died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"server at {base} exited early")
        try:
            health = httpx.get(f"{base}/healthz", timeout=1).json()
            # The public health gives each layer's age since its last good fetch: set once it holds data.
            if all(source["age_seconds"] is not None for source in health["sources"].values()):
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no data at {base} after {timeout} s")


def sign_in(page, base_url: str, user: str = "demo", password: str = "demo") -> None:
    """Sign a Playwright page in through the login form (the demo account of the all-in-one mode by default)."""
    page.goto(f"{base_url}/login")
    page.fill("#username", user)
    page.fill("#password", password)
    with page.expect_navigation(timeout=30000):
        page.click("button[type=submit]")
    if "/login" in page.url:
        error = page.locator("#login-error")
        reason = error.inner_text() if error.count() else page.url
        raise AssertionError(f"sign-in as {user!r} failed: {reason}")


def session_cookies(base_url: str, user: str = DEMO, password: str = DEMO) -> httpx.Cookies:
    """The session cookie of a sign-in through the login form, for HTTP clients (benchmarks, API checks)."""
    with httpx.Client(timeout=30) as client:
        form = client.get(f"{base_url}/login")
        found = TOKEN_FIELD.search(form.text)
        data = {"username": user, "password": password, "csrf_token": found.group(1) if found else ""}
        response = client.post(f"{base_url}/login", data=data)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {user!r} at {base_url} failed with {response.status_code}")
    return response.cookies


def signed_in_client(base_url: str, user: str = DEMO, password: str = DEMO, **options) -> httpx.Client:
    """An httpx client carrying a manager's session (`options` go to httpx.Client)."""
    return httpx.Client(cookies=session_cookies(base_url, user, password), **options)


def demo_manager() -> str:
    """CITYOPS_MANAGERS for the demo account, for runs outside the all-in-one mode (with REDIS_URL)."""
    return f"{DEMO}:{generate_password_hash(DEMO)}"


# Outside the all-in-one mode (REDIS_URL set) the demo account and plain-http cookies must be configured.
# (Boundaries are never downloaded by processes the tests start: see NO_BOUNDARY_DOWNLOAD.)
OUTSIDE_ALL_IN_ONE = {"CITYOPS_SESSION_COOKIE_SECURE": "false", **NO_BOUNDARY_DOWNLOAD}


class LiveApp:
    """A running dashboard process; `url` is its base URL."""

    def __init__(self, **settings: str) -> None:
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_") and k != "REDIS_URL"},
            **NO_BOUNDARY_DOWNLOAD,
            "CITYOPS_PORT": str(self.port),
            **settings,
        }
        if "REDIS_URL" in settings:  # the demo account exists only in the all-in-one mode: configure it
            self.env = {"CITYOPS_MANAGERS": demo_manager(), **OUTSIDE_ALL_IN_ONE, **self.env}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cityops-app-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60, *, until_data: bool = True) -> None:
        """Start the process and wait until /healthz answers 200 with data in every layer (unless not `until_data`)."""
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        if not until_data:
            return
        try:
            wait_for_data(self.url, timeout, alive=lambda: self.process.poll() is None)
        except (RuntimeError, TimeoutError) as err:
            raise type(err)(f"{err}:\n{self.log_path.read_text()}") from None

    def stop(self) -> None:
        """Stop the process."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
            self._log.close()
