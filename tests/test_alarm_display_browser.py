"""Many and long alarms in a real Chromium: the wall's ticker shows each whole, the managers' panel groups them.

The alarms are written straight into the Redis the web app reads; no collector runs beside it, so no rule
evaluation clears them.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis
from werkzeug.serving import make_server

from app import create_app
from dashboard.alarm_view import ticker_line
from dashboard.alarms import Alarm, Evaluation
from dashboard.settings import load_settings
from dashboard.store import AlarmStore, Store
from tests.conftest import open_page
from tests.live_app import OUTSIDE_ALL_IN_ONE, demo_manager, sign_in
from tests.redis_server import free_port
from tests.test_alarm_groups import city_alarms

pytestmark = pytest.mark.browser

TOKEN = "ticker-wall-token-42"
# Long names, as real car parks and report categories have: one line each, together far wider than a 1080p wall.
NAMES = [
    "Parking relais Borderouge – niveau inférieur accès avenue Maurice-Bourgès-Maunoury",
    "Parking souterrain Jean-Jaurès – entrée allées Jean-Jaurès et sortie rue de Metz",
    "Parking relais Balma-Gramont – extension nord réservée aux abonnés Tisséo et covoiturage",
]
# Shown in turn: how long the page may take to come round to every alarm (each stays a few seconds).
ROUND_MS = 45_000
SHOWN_WHOLE_JS = """([expected]) => {
    const text = document.querySelector('#ticker');
    const box = document.querySelector('.ticker');
    if (!text || text.textContent !== expected) return false;
    const clipped = el => el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight;
    const r = box.getBoundingClientRect();
    return !clipped(text) && !clipped(box) && r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
}"""


def _alarm(number: int, name: str, now: datetime) -> Alarm:
    return Alarm(
        id=f"ticker-{number}",
        rule="ticker-test-full",  # a rule the collectors do not judge: they leave these alarms alone
        kind="parking_full",
        severity="warning",
        layer="parking",
        subject=f"subject-{number}",
        name=name,
        commune="Toulouse",
        value=97.5,
        threshold=95.0,
        since=now - timedelta(minutes=number),
        raised_at=now,
    )


@pytest.fixture(scope="module")
def alarm_app(redis_server):
    """The web app alone on the test Redis: no collector evaluates rules that would clear these alarms."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    settings = load_settings(
        {
            "CITYOPS_POLL_SECONDS": "0.5",
            "CITYOPS_WALL_TOKEN": TOKEN,
            "CITYOPS_MANAGERS": demo_manager(),
            **OUTSIDE_ALL_IN_ONE,
        },
        redis_url=redis_server.url,
    )
    port = free_port()
    http = make_server("127.0.0.1", port, create_app(settings, store=Store(client)), threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", client
    http.shutdown()
    client.flushdb()
    client.close()


@pytest.fixture
def alarms(alarm_app):
    """The app's alarm store; whatever a test raised is cleared after it."""
    store = AlarmStore(alarm_app[1])
    yield store
    store.update(lambda state: Evaluation(cleared=tuple(state.active.values())))


def test_every_long_alarm_is_shown_whole_on_a_1080p_wall(browser, alarm_app, alarms):
    url, _client = alarm_app
    now = datetime.now(UTC)
    raised = [_alarm(number, name, now) for number, name in enumerate(NAMES, start=1)]
    alarms.update(lambda _state: Evaluation(raised=tuple(raised)))
    lines = [ticker_line(alarm, "fr") for alarm in raised]
    assert sum(map(len, lines)) > 300  # together they could never fit on one line at 1920 px
    page = open_page(browser, 1920, 1080)
    try:
        page.goto(f"{url}/wall/?token={TOKEN}")
        for line in lines:
            page.wait_for_function(SHOWN_WHOLE_JS, arg=[line], timeout=ROUND_MS)
        shown, total = page.inner_text(".ticker-count").split("/")  # which of how many alarms taking turns
        assert 1 <= int(shown) <= int(total) and int(total) >= len(lines)
        extent = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert extent[0] <= extent[1], extent
        assert page.errors == []
    finally:
        page.context.close()


GROUP = "details.alarm-group[data-kind=reports_overdue]"
# Rows drawn on screen: those of a closed group are in the page but not shown.
VISIBLE_ROWS_JS = (
    "() => [...document.querySelectorAll('#alarms-list tr.alarm')].filter(row => row.checkVisibility()).length"
)


def test_forty_overdue_categories_are_one_line_opened_on_demand_and_acknowledged_together(page, alarm_app, alarms):
    url, _client = alarm_app
    alarms.update(lambda _state: Evaluation(raised=tuple(city_alarms())))
    sign_in(page, url)
    page.goto(url + "/")
    page.wait_for_selector(GROUP, timeout=30000)
    line = page.inner_text(f"{GROUP} > summary")
    assert "Signalements en retard : 40 catégories — Voirie (212), Éclairage (88)" in line
    assert page.evaluate(VISIBLE_ROWS_JS) == 2  # the source down and the full car park; the 40 wait in their line

    page.click(f"{GROUP} > summary")
    assert page.evaluate(VISIBLE_ROWS_JS) == 42
    assert page.locator(f"{GROUP} tr.alarm button.alarm-ack").count() == 40  # each still acknowledged on its own
    page.click(f"{GROUP} tr.alarm[data-alarm=overdue-39] button.alarm-ack")
    # The acknowledgement moves the alarms' version: the panel is drawn again, and the group stays open.
    page.wait_for_selector(f"{GROUP}[open] tr.alarm[data-alarm=overdue-39] .alarm-ack-done", timeout=10000)

    page.click(f"{GROUP} button.alarm-ack-group")
    page.wait_for_selector(f"{GROUP} .alarm-ack-done:not(td)", timeout=10000)  # "Toutes acquittées"
    overdue = [a for a in alarms.active() if a.kind == "reports_overdue"]
    assert len(overdue) == 40 and all(a.acknowledged_by == "demo" for a in overdue)
    assert [a.acknowledged_by for a in alarms.active() if a.kind != "reports_overdue"] == ["", ""]
    assert page.errors == []
