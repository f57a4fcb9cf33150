"""Runs `python app.py` (the all-in-one mode) as a subprocess on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.redis_server import free_port
from tests.shared_data import boundary_settings

ROOT = Path(__file__).resolve().parents[1]
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
            if all(source["version"] for source in health["sources"].values()):
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no data at {base} after {timeout} s")


class LiveApp:
    """A running dashboard process; `url` is its base URL."""

    def __init__(self, **settings: str) -> None:
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CITYOPS_") and k != "REDIS_URL"},
            "CITYOPS_PORT": str(self.port),
            **settings,
        }
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cityops-app-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Start the process and wait until /healthz answers 200 with data in every layer."""
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
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


def sign_in(page, base_url: str, user: str = "demo", password: str = "demo") -> None:
    """Sign the page in as a manager (the login form replaces this placeholder)."""
