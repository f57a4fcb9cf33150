"""In Chromium: after Redis loses its data the managers' page says so, and the data come back by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from tests.live_app import FAST, LiveApp, sign_in, wait_for_data
from tests.redis_server import RedisServer

NOTICE_SHOWN = "() => { const n = document.querySelector('#data-loss'); return n && !n.hidden && n.textContent; }"
PARKING_POINTS = (
    "() => { const p = document.querySelector('#map .js-plotly-plot');"
    " return p && p._fullData && p._fullData.some(t => t.name && t.lon && t.lon.length > 0); }"
)


def test_a_flushall_shows_the_notice_and_the_data_come_back(page):
    server = RedisServer()
    server.start()
    client = redis.Redis.from_url(server.url)
    long_ago = datetime.now(UTC) - timedelta(days=30)  # data that began long before: no notice
    client.set("cityops:born", int(long_ago.timestamp() * 1000))
    app = LiveApp(**FAST, REDIS_URL=server.url)
    app.start()
    try:
        sign_in(page, app.url)
        page.goto(app.url + "/")
        page.wait_for_function(PARKING_POINTS, timeout=20000)
        assert page.locator("#data-loss").is_hidden()

        client.flushall()
        text = page.wait_for_function(NOTICE_SHOWN, timeout=20000).json_value()
        born = datetime.fromtimestamp(int(client.get("cityops:born")) / 1000, UTC).astimezone(ZoneInfo("Europe/Paris"))
        assert abs(born - datetime.now(UTC)) < timedelta(seconds=30)
        assert text == (
            f"Redis a perdu ses données le {born:%d/%m} à {born:%H:%M} (heure de Paris, {born.tzname()})"
            " : l'historique reprend à cette heure."
        )
        wait_for_data(app.url, timeout=30)  # every layer written again by the collectors
        for name in ("parking", "energy", "reports", "nacelles", "bikes"):
            page.wait_for_selector(f"#badge-{name}.badge-ok", timeout=20000)
        page.wait_for_function(PARKING_POINTS, timeout=20000)
        assert page.locator("#banner").is_hidden()
        assert page.errors == []
    finally:
        app.stop()
        server.stop()
