"""What a person sees, in a real Chromium: the managers' page live, in French and English, and a failing feed."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.live_app import FAST, LiveApp, sign_in
from tests.shared_data import boundary_settings

pytestmark = pytest.mark.browser

KPI_READY_JS = "() => { const el = document.querySelector('#kpi-value-parking'); return el && el.textContent !== '—'; }"
MAP_VIEW_JS = """() => { const m = document.querySelector('#map .js-plotly-plot')._fullLayout.map;
    return {zoom: m.zoom, lat: m.center.lat, lon: m.center.lon}; }"""
MAP_POINTS_JS = r"""() => {
    const plot = document.querySelector('#map .js-plotly-plot');
    if (!plot || !plot._fullData) return null;
    // As drawn: numbers travel as typed-array specs that gd._fullData holds decoded. `count`: the number a trace's
    // name ends with (the reports of a status, whether drawn as points or counted per cell).
    return plot._fullData.map(t => ({name: t.name, n: t.lon ? (t.lon.length ?? 0) : 0, visible: t.visible,
        count: (t.name || '').endsWith(')') ? parseInt(t.name.split(' (').pop().replace(/\D/g, '')) : null}));
}"""


@pytest.fixture(scope="module")
def live_app():
    app = LiveApp(**FAST)
    app.start()
    yield app
    app.stop()


def _map_traces(page):
    page.wait_for_function(
        "() => { const p = document.querySelector('#map .js-plotly-plot');"
        " return p && p._fullData && p._fullData.some(t => t.lon && t.lon.length > 0); }",
        timeout=20000,
    )
    page.wait_for_timeout(1500)  # let every layer's patch arrive
    return page.evaluate(MAP_POINTS_JS)


def test_managers_page_shows_six_live_layers_without_console_errors(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    page.wait_for_function(KPI_READY_JS, timeout=20000)
    traces = _map_traces(page)
    by_layer: dict[str, int] = {}
    for trace in traces:
        layer = trace["name"].split(" — ")[0].split(" (")[0]
        # The reports are counted per cell: their traces' names say how many there are.
        by_layer[layer] = by_layer.get(layer, 0) + (trace["count"] if layer == "Signalements" else trace["n"])
    assert by_layer["Stationnement"] >= 20
    assert by_layer["Nacelles"] == 3
    assert by_layer["Signalements"] >= 500
    assert by_layer["Énergie"] >= 5
    assert by_layer["VélôToulouse"] >= 50
    assert by_layer["Qualité de l'air"] == 37  # a disc per commune over its coloured outline
    for layer in ("parking", "energy", "reports", "nacelles", "bikes", "air_quality"):
        assert "badge-ok" in page.get_attribute(f"#badge-{layer}", "class")
    page.wait_for_function("() => document.querySelector('#kpi-value-bikes').textContent !== '—'", timeout=20000)
    assert "Vélos disponibles" in page.text_content(".kpis")
    assert "stations vides" in page.inner_text("#kpi-detail-bikes")
    assert page.is_visible("#demo-flag") and page.inner_text("#demo-flag") == "données de démonstration"
    assert "Heures de Paris" in page.inner_text("header")

    before = {key: page.inner_text(f"#kpi-value-{key}") for key in ("parking", "reports", "energy")}
    page.wait_for_function(
        "(before) => Object.keys(before)"
        ".some(k => document.querySelector('#kpi-value-' + k).textContent !== before[k])",
        arg=before,
        timeout=20000,
    )
    assert page.errors == []


# How many areas each outline layer holds, and how many line layers MapLibre actually has in its style.
OUTLINES_JS = """() => {
    const layout = document.querySelector('#map .js-plotly-plot')._fullLayout.map;
    const drawn = layout._subplot.map.getStyle().layers
        .filter(l => l.id.startsWith('plotly-layout-layer') && l.type === 'line').length;
    return {areas: layout.layers.filter(l => l.type === 'line').map(l => l.source.features.length), drawn};
}"""


def test_map_draws_area_outlines_offline_and_can_shade_open_reports_per_quartier(page, live_app):
    if not boundary_settings():
        pytest.skip("boundary files not found in ../shared/data")
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    _map_traces(page)
    assert page.evaluate(OUTLINES_JS) == {"areas": [20, 37], "drawn": 2}
    assert page.is_hidden(".boundaries-note")

    page.get_by_label("par quartier").check()
    page.wait_for_function(
        "() => { const t = document.querySelector('#map .js-plotly-plot').data[0];"
        " return t.visible !== false && t.z && t.z.length === 20; }",
        timeout=10000,
    )
    shaded = page.evaluate("() => document.querySelector('#map .js-plotly-plot').data[0].z.reduce((a, b) => a + b, 0)")
    assert shaded > 500
    page.get_by_label("aucune").check()
    page.wait_for_function("() => document.querySelector('#map .js-plotly-plot').data[0].visible === false")
    assert page.errors == []


def test_commune_filter_narrows_the_tiles_and_the_map(page, live_app):
    if not boundary_settings():
        pytest.skip("boundary files not found in ../shared/data")
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    page.wait_for_function(KPI_READY_JS, timeout=20000)
    whole = sum(trace["count"] or 0 for trace in _map_traces(page) if trace["name"].startswith("Signalements"))
    page.click("#commune-filter")
    page.get_by_role("option", name="Blagnac").click()
    page.wait_for_function(
        "() => document.querySelector('#kpi-detail-parking').textContent.includes('1 parkings')", timeout=10000
    )
    narrowed = f"""() => {{ const traces = ({MAP_POINTS_JS})() || [];
        const n = traces.filter(t => t.name.startsWith('Signalements')).reduce((a, t) => a + (t.count || 0), 0);
        return n > 0 && n < {whole / 5}; }}"""
    page.wait_for_function(narrowed, timeout=20000)  # the reports' patch follows the tiles (slower under load)
    assert page.errors == []


def test_layer_switch_hides_a_layer_and_keeps_the_rest(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    _map_traces(page)
    page.locator("#layer-toggle").get_by_label("Signalements", exact=True).uncheck()
    page.wait_for_function(
        "() => document.querySelector('#map .js-plotly-plot').data"
        ".filter(t => t.name.startsWith('Signalements')).every(t => t.visible === false)",
        timeout=10000,
    )
    visible = [t["name"] for t in page.evaluate(MAP_POINTS_JS) if t["visible"] is not False]
    assert any(name.startswith("Stationnement") for name in visible)
    assert not any(name.startswith("Signalements") for name in visible)


def test_sign_in_through_the_form_then_sign_out(page, live_app):
    page.goto(live_app.url + "/?lang=en")
    assert "/login?next=" in page.url  # not signed in: the login page, which remembers where to go
    page.get_by_label("User name").fill("demo")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Incorrect user name or password."
    page.get_by_label("Password").fill("demo")
    with page.expect_navigation(timeout=30000):
        page.get_by_role("button", name="Sign in").click()
    assert page.url == live_app.url + "/?lang=en"
    page.wait_for_function(KPI_READY_JS, timeout=20000)
    assert page.inner_text("#kpi-value-parking").strip() not in ("", "—")
    assert page.inner_text(".manager-name") == "Signed in: demo"
    page.context.clear_cookies()  # the sign-in ends (expired, or signed out in another tab)
    page.wait_for_url("**/login?next=*", timeout=20000)  # the next poll's 401 brings the login page
    assert "lang=en" in page.url and page.get_by_label("User name").is_visible()
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/?lang=en")
    copied = page.context.cookies()
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.evaluate("b => getComputedStyle(b).textDecorationLine") == "underline"  # looks like a link
    with page.expect_navigation(timeout=30000):
        sign_out.click()
    assert "/login" in page.url and "You are signed out." in page.inner_text("main")
    page.goto(live_app.url + "/")
    assert "/login?next=/" in page.url
    page.context.add_cookies(copied)  # a copy of the cookie taken before signing out is refused too
    page.goto(live_app.url + "/")
    assert "/login?next=/" in page.url
    assert [error for error in page.errors if "status of 401" not in error] == []  # 401s are the point here


def test_english_page(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/?lang=en")
    page.wait_for_function(KPI_READY_JS, timeout=20000)
    assert "operations dashboard" in page.inner_text("h1")
    assert page.inner_text("#demo-flag") == "demonstration data"
    assert "Free spaces" in page.text_content(".kpis")
    assert page.errors == []


def test_failing_feed_keeps_last_data_and_marks_the_layer_degraded(page):
    app = LiveApp(**FAST, CITYOPS_DEMO_FAULTS="parking")
    app.start()
    try:
        sign_in(page, app.url)
        page.goto(app.url + "/")
        page.wait_for_selector("#badge-parking.badge-degraded", timeout=20000)
        title = page.get_attribute("#badge-parking", "title")
        assert "Panne simulée" in title and "En échec depuis" in title
        assert page.is_visible("#banner") and "Stationnement" in page.inner_text("#banner")
        parking = [t for t in _map_traces(page) if t["name"].startswith("Stationnement")]
        assert parking[0]["n"] >= 20  # last good data still on the map
        assert "badge-ok" in page.get_attribute("#badge-reports", "class")
    finally:
        app.stop()


def test_zoom_and_pan_survive_live_updates(page, live_app):
    sign_in(page, live_app.url)
    page.goto(live_app.url + "/")
    _map_traces(page)
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):  # zoom in with the wheel, as a person would (a turn the map is not ready for does nothing)
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(300)
        if page.evaluate(MAP_VIEW_JS)["zoom"] > 11.5:
            break
    page.wait_for_timeout(800)
    zoomed = page.evaluate(MAP_VIEW_JS)
    assert zoomed["zoom"] > 11.5
    updated = page.inner_text("#updated")
    page.wait_for_function(
        "(before) => document.querySelector('#updated').textContent !== before", arg=updated, timeout=20000
    )
    page.wait_for_timeout(800)  # the map patch follows the view update
    assert page.evaluate(MAP_VIEW_JS) == pytest.approx(zoomed)


def _settled(page, script: str, timeout_seconds: float = 15) -> object:
    """What `script` reads once two readings one second apart agree (the last in-flight update has landed)."""
    deadline = time.monotonic() + timeout_seconds
    before = page.evaluate(script)
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        now = page.evaluate(script)
        if now == before:
            return now
        before = now
    raise AssertionError(f"the page kept changing for {timeout_seconds} s")


def test_redis_outage_keeps_the_page_and_recovers_without_restart(page):
    from tests.redis_server import RedisServer

    redis_server = RedisServer()
    redis_server.start()
    app = LiveApp(**FAST, REDIS_URL=redis_server.url, CITYOPS_REDIS_TIMEOUT_SECONDS="0.5")
    app.start()
    try:
        sign_in(page, app.url)
        page.goto(app.url + "/")
        _map_traces(page)
        redis_server.stop()
        assert httpx.get(app.url + "/healthz", timeout=5).status_code == 503
        page.wait_for_function(
            "() => document.querySelector('#banner').textContent.includes('Connexion au cache perdue depuis')",
            timeout=15000,
        )
        # A patch already in flight when Redis stopped may still land: read once the map has settled.
        traces = _settled(page, MAP_POINTS_JS)
        page.wait_for_timeout(2000)
        assert page.evaluate(MAP_POINTS_JS) == traces  # the last data stays on screen
        assert sum(trace["n"] for trace in traces) > 500

        redis_server.start()
        assert httpx.get(app.url + "/healthz", timeout=5).status_code == 200
        page.wait_for_function("() => document.querySelector('#banner').hidden", timeout=30000)
        page.wait_for_selector("#badge-parking.badge-ok", timeout=30000)
        assert page.errors == []
    finally:
        app.stop()
        redis_server.stop()
