"""Threshold alarms in a real Chromium: raised by the collectors, acknowledged on /, told by the wall's ticker.

The server runs in this process (web app and collectors on a real redis-server) so the test can read the
alarms back from Redis; a manager signs in through the login form. The alarms come from settings only: a
TOML file with a short source-down rule and the parking demonstration feed made to fail.
"""

from __future__ import annotations

import threading

import pytest
import redis
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from dashboard.alarm_view import acknowledgement
from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.settings import load_settings
from dashboard.store import AlarmStore, Store
from tests.conftest import open_page
from tests.live_app import sign_in, signed_in_client, wait_for_data
from tests.redis_server import free_port

pytestmark = pytest.mark.browser

TOKEN = "alarm-wall-token-42"
MANAGER, PASSWORD = "camille.durand", "alarm-test-password"
ALARMS_TOML = """
[alarms]
evaluate_seconds = 0.5

[[alarms.rules]]
id = "source-down"
kind = "source_down"
severity = "critical"
down_minutes = 0.05
layers = ["parking"]
"""
ALARM_ROW = ".alarms-table tr.alarm-critical"


class InProcessApp:
    """The dashboard and its collectors in this process."""

    def __init__(self, settings, store: Store) -> None:
        self.store = store
        self.server = create_app(settings, store=store)
        self.port = free_port()
        self.http = make_server("127.0.0.1", self.port, self.server, threaded=True)
        self.runner = CollectorRunner(store, configured_sources(settings), settings)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.runner.start()
        wait_for_data(self.url)

    def stop(self) -> None:
        self.runner.stop()
        self.http.shutdown()


@pytest.fixture(scope="module")
def alarm_app(redis_server, tmp_path_factory):
    config = tmp_path_factory.mktemp("alarms") / "cityops.toml"
    config.write_text(ALARMS_TOML)
    settings = load_settings(
        {
            "CITYOPS_CONFIG": str(config),
            "CITYOPS_DEMO_FAULTS": "parking",
            "CITYOPS_REFRESH_SECONDS": "1",
            "CITYOPS_POLL_SECONDS": "0.5",
            "CITYOPS_WALL_TOKEN": TOKEN,
            "CITYOPS_MANAGERS": f"{MANAGER}:{generate_password_hash(PASSWORD)}",
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
        },
        redis_url=redis_server.url,
    )
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    app = InProcessApp(settings, Store(client))
    app.start()
    yield app
    app.stop()
    client.flushdb()
    client.close()


def test_an_alarm_appears_on_the_managers_page_and_is_acknowledged_with_who_and_when(page, alarm_app):
    sign_in(page, alarm_app.url, MANAGER, PASSWORD)
    page.goto(alarm_app.url + "/")
    page.wait_for_selector(ALARM_ROW, timeout=30000)
    row = page.locator(ALARM_ROW)
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "✖ Critique"  # severity in a symbol and a word, not colour alone
    assert cells[1].startswith("Source en échec depuis plus de 0,1 min : Panne simulée")
    assert cells[2] == "Stationnement (source demo-parking)"
    assert "(heure de Paris, " in cells[3]

    assert AlarmStore(alarm_app.store.redis).active()[0].acknowledged_by == ""
    row.get_by_role("button", name="Acquitter").click()
    page.wait_for_function(
        "() => { const el = document.querySelector('.alarm-ack-note, .alarm-ack-done');"
        " return el && el.textContent.includes('camille.durand'); }",
        timeout=10000,
    )
    (stored,) = AlarmStore(alarm_app.store.redis).active()
    assert stored.acknowledged_by == MANAGER and stored.acknowledged_at is not None
    recorded = acknowledgement(stored, "fr")  # "Acquittée par camille.durand le 25/11/2026 17:05 (heure de Paris, CET)"
    assert "(heure de Paris, " in recorded
    # After the next poll the panel is redrawn from Redis and shows the same words in place of the button.
    page.wait_for_selector(f"{ALARM_ROW} .alarm-ack-done", timeout=10000)
    assert page.inner_text(f"{ALARM_ROW} .alarm-ack-done") == recorded
    assert page.locator(f"{ALARM_ROW} button").count() == 0

    with signed_in_client(alarm_app.url, MANAGER, PASSWORD) as client:
        api = client.get(alarm_app.url + "/api/v1/alarms?lang=en").json()
    assert [(a["rule"], a["acknowledged_by"], a["text"]["where"]) for a in api["active"]] == [
        ("source-down", MANAGER, "Parking (source demo-parking)")
    ]
    assert page.errors == []


def test_the_wall_ticker_tells_threshold_alarms_in_text(browser, alarm_app):
    page = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{alarm_app.url}/wall/?token={TOKEN}&lang=en")
        page.wait_for_function(
            "() => { const el = document.querySelector('#ticker');"
            " return el && el.textContent.includes('✖ Critical: Source failing'); }",
            timeout=30000,
        )
        ticker = page.inner_text("#ticker")
        assert ticker.startswith("✖ Critical: Source failing for more than 0.1 min: Panne simulée")  # before sources
        assert "— Parking (source demo-parking), since " in ticker and "(Paris time, " in ticker
        assert page.locator(".ticker button").count() == 0
        # However long the ticker's text, the wall still fits the screen.
        extent = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert extent[0] <= extent[1], extent
        assert page.errors == []
    finally:
        page.context.close()
