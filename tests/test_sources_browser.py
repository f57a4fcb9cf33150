"""The managers' sources panel in real Chromium: a live feed with bad rows, then a failing one, told in the panel."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.feed_server import Reply
from tests.live_app import FAST, LiveApp, sign_in
from tests.test_feed_adapters import ODS_PATH
from tests.test_source_status import _mixed_rows, _page


@pytest.fixture
def live(feed_server, tmp_path):
    """The all-in-one dashboard collecting one Opendatasoft parking feed (with bad rows) from the feed server."""
    feed_server.route(f"{ODS_PATH}/records", _page(_mixed_rows()))
    config = tmp_path / "cityops.toml"
    config.write_text(
        f"""
[[sources]]
name = "parkings-test"
format = "opendatasoft"
layer = "parking"
url = "{feed_server.url}{ODS_PATH}"
""",
        encoding="utf-8",
    )
    app = LiveApp(**FAST, CITYOPS_CONFIG=str(config), CITYOPS_BACKOFF_MAX_SECONDS="1", CITYOPS_JITTER_RATIO="0")
    app.start(until_data=False)  # the other layers have no feed: wait for the server, not for data everywhere
    deadline = time.monotonic() + 60
    while not _answers(app.url):
        assert time.monotonic() < deadline and app.process.poll() is None, app.log_path.read_text()
        time.sleep(0.2)
    yield app
    app.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_panel_tells_rejections_by_reason_then_why_the_feed_fails(live, feed_server, page):
    sign_in(page, live.url)
    row = page.locator("#source-parking")
    expect(row).to_contain_text("5 : hors de la zone couverte", timeout=30000)
    expect(row).to_contain_text("3 : champ « nb_places » (capacity) manquant")
    expect(row).to_contain_text("2 : champ « nb_places » (capacity) n'est pas un nombre")
    expect(row).to_contain_text("10 au total")
    expect(row.locator(".source-state")).to_have_text("✓ à jour")
    expect(row.locator(".source-name")).to_have_text("parkings-test (opendatasoft)")
    expect(row.locator(".source-url")).to_have_text(f"{feed_server.url}{ODS_PATH}")
    headers = page.locator(".sources-table thead th")
    expect(headers.first).to_have_text("Couche")
    assert "Lignes rejetées (par motif)" in headers.all_inner_texts()

    # The feed now answers an XML document: the panel says so, and that the layer is degraded (symbol and word).
    xml = b'<?xml version="1.0"?><records/>'
    feed_server.route(f"{ODS_PATH}/records", Reply(200, xml, {"Content-Type": "application/xml"}))
    expect(row.locator(".source-error")).to_contain_text("document XML reçu au lieu de JSON", timeout=30000)
    expect(row.locator(".source-state")).to_have_text("! dégradé")
    expect(row).to_contain_text("5 : hors de la zone couverte")  # the last rows read are still explained

    # The layer's badge leads to its row.
    page.locator("#badge-parking a").click()
    assert page.url.endswith("#source-parking")
    expect(row).to_be_in_viewport()


def test_the_panel_speaks_english_on_the_english_page(live, page):
    sign_in(page, live.url)
    page.goto(f"{live.url}/?lang=en")
    row = page.locator("#source-parking")
    expect(row.locator(".source-state")).to_have_text("✓ up to date", timeout=30000)
    expect(row).to_contain_text("10 in all:")
    expect(page.locator(".sources-table thead th").first).to_have_text("Layer")
    expect(row.locator(".sources-reasons li").first).to_have_text("5: hors de la zone couverte")
    expect(row.locator(".sources-reasons li span").first).to_have_attribute("lang", "fr")
    expect(page.locator("#source-energy .source-state")).to_have_text(re.compile("waiting for data"))
