"""The managers' map at city scale in Chromium: 120,000 reports, what the page receives and how it draws and moves.

Writes 120,000 reports (59 % resolved or closed, 40 categories, spread over the Métropole, densest in the
centre) to its own redis-server, starts the web app (gunicorn, 1 worker x 8 threads, no collector so the data
stay as written), signs in as a manager in Chromium (1600x1000, software WebGL) and prints, for the first view
of the whole city and then zoomed in past the reports' points threshold:

- the bytes of the reports' traces the page received (JSON, and gzip level 6),
- the time from navigation (or from the zoom) until they are drawn,
- the long tasks (PerformanceObserver 'longtask') in that time: how many, the longest, their total,
- frames per second while the map is panned (four drags) and zoomed (four wheel turns) by the mouse, and the
  long tasks then.

    .venv/bin/python -m bench.city_map [--reports 120000]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis
from playwright.sync_api import sync_playwright

from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.store import Store
from tests.live_app import OUTSIDE_ALL_IN_ONE, demo_manager, sign_in
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ("31555", "31069", "31149", "31557", "31044", "31003", "31088", "31506")
CATEGORIES = tuple(f"Catégorie {n:02d}" for n in range(40))
# 59 % settled: 44 % closed, 15 % resolved; the open ones mostly in progress.
STATUS_WEIGHTS = {
    ReportStatus.CLOSED: 44,
    ReportStatus.RESOLVED: 15,
    ReportStatus.IN_PROGRESS: 25,
    ReportStatus.ACKNOWLEDGED: 10,
    ReportStatus.NEW: 6,
}
CENTRE = (1.444, 43.6045)
# Where the page is zoomed in: the city centre, past the reports' points threshold.
ZOOMED = 15.0

OBSERVE_JS = """() => {
    window.__longTasks = [];
    new PerformanceObserver(list => { for (const e of list.getEntries())
        window.__longTasks.push([e.startTime, e.duration]); }).observe({type: 'longtask', buffered: true});
}"""
REPORTS_DRAWN_JS = """([prefix, points]) => { const p = document.querySelector('#map .js-plotly-plot');
    return p && p._fullData && p._fullData.some(t => t.name && t.name.startsWith(prefix) && t.visible === true
        && t.lon && t.lon.length > 0 && (!points || !!t.marker && typeof t.marker.size === 'number')); }"""
# Two animation frames after the traces are in: MapLibre has painted them.
PAINTED_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
# Count animation frames from now until FRAMES_STOP_JS: frames per second over the whole scripted move.
FRAMES_START_JS = """() => { window.__frames = 0; window.__framesRun = true; window.__framesFrom = performance.now();
    const tick = () => { window.__frames++; if (window.__framesRun) requestAnimationFrame(tick); };
    requestAnimationFrame(tick); return window.__framesFrom; }"""
FRAMES_STOP_JS = """() => { window.__framesRun = false;
    return window.__frames / ((performance.now() - window.__framesFrom) / 1000); }"""
JUMP_JS = """([lon, lat, zoom]) => {
    const map = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;
    map.jumpTo({center: [lon, lat], zoom: zoom}, {originalEvent: {type: 'bench'}});
    return performance.now();
}"""


def city(count: int, seed: int = 7) -> tuple[ReportRecord, ...]:
    """`count` reports over the Métropole, densest in the centre, with realistic statuses, categories and dates."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    records = []
    for i in range(count):
        lon = min(max(rng.gauss(CENTRE[0], 0.06), 1.30), 1.58)
        lat = min(max(rng.gauss(CENTRE[1], 0.04), 43.52), 43.70)
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
        records.append(
            ReportRecord(
                f"AT{i:07d}",
                rng.choice(CATEGORIES),
                rng.choices(statuses, weights)[0],
                round(lon, 6),
                round(lat, 6),
                created,
                min(now, created + timedelta(days=rng.randrange(30))),
                COMMUNES[i % len(COMMUNES)],
            )
        )
    return tuple(records)


def gunicorn(redis_url: str, port: int) -> subprocess.Popen:
    """The web app alone (no collector: the reports stay as written)."""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CITYOPS_SECRET_KEY": "bench-secret-bench-secret",
        "CITYOPS_LOG_LEVEL": "WARNING",
        "CITYOPS_MANAGERS": demo_manager(),
        **OUTSIDE_ALL_IN_ONE,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "8", "--worker-class", "gthread"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120", "app:create_app()"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def reports_traces(body: bytes, prefix: str) -> list[dict[str, Any]]:
    """The reports' traces in a callback answer that patches the map (a Dash Patch or a whole figure)."""
    try:
        figure = json.loads(body)["response"]["map"]["figure"]
    except (ValueError, KeyError, TypeError):
        return []
    if "operations" in figure:
        values = [op.get("params", {}).get("value") for op in figure["operations"]]
    else:
        values = figure.get("data", [])
    return [v for v in values if isinstance(v, dict) and str(v.get("name", "")).startswith(prefix)]


def point_count(traces: list[dict[str, Any]]) -> int:
    """How many points (or cells) the traces hold: a typed array's bytes / 4, or a list's length."""
    total = 0
    for trace in traces:
        lon = trace.get("lon") or []
        total += len(base64.b64decode(lon["bdata"])) // 4 if isinstance(lon, dict) else len(lon)
    return total


def long_tasks(page, since: float) -> str:
    """'n, longest, total' of the long tasks that started after `since` (ms since navigation)."""
    tasks = [duration for start, duration in page.evaluate("() => window.__longTasks") if start >= since]
    if not tasks:
        return "0"
    return f"{len(tasks)}, longest {max(tasks) / 1000:.2f} s, total {sum(tasks) / 1000:.2f} s"


def pan_and_zoom(page) -> tuple[float, str]:
    """(frames per second, long tasks) while the mouse drags the map around and zooms out and in again."""
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start = page.evaluate(FRAMES_START_JS)
    for dx, dy in ((160, 0), (0, 120), (-160, 0), (0, -120)):
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(x + dx * step / 8, y + dy * step / 8)
        page.mouse.up()
    page.mouse.move(x, y)
    for delta in (240, 240, -240, -240):
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(150)
    page.wait_for_timeout(500)
    fps = page.evaluate(FRAMES_STOP_JS)
    return fps, long_tasks(page, start)


def measure(base: str, prefix: str) -> None:
    """Open the managers' page, print the whole-city figures, zoom in past the points threshold, print again."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        sign_in(page, base)
        answers: list[bytes] = []

        def keep(response) -> None:
            if "_dash-update-component" in response.url:
                try:
                    body = response.body()
                except Exception:  # noqa: BLE001 - a response the page dropped: nothing to count
                    return
                if reports_traces(body, prefix):
                    answers.append(body)

        page.on("response", keep)
        page.add_init_script(f"({OBSERVE_JS})()")
        page.goto(base + "/")
        page.wait_for_function(REPORTS_DRAWN_JS, arg=[prefix, False], timeout=180_000, polling=50)
        drawn = page.evaluate(PAINTED_JS)
        report("whole city (first view)", answers, prefix, f"{drawn / 1000:.2f} s after navigation", page, 0)
        fps, tasks = pan_and_zoom(page)
        print(f"  pan/zoom: {fps:.1f} frames/s; long tasks: {tasks}")

        answers.clear()
        moved = page.evaluate(JUMP_JS, [CENTRE[0], CENTRE[1], ZOOMED])
        try:
            page.wait_for_function(REPORTS_DRAWN_JS, arg=[prefix, True], timeout=60_000, polling=50)
            page.wait_for_timeout(500)  # the answer that drew them, if any, is in
            drawn = page.evaluate(PAINTED_JS)
            when = f"{(drawn - moved) / 1000:.2f} s after the zoom"
        except Exception:  # noqa: BLE001 - a page that never draws points when zoomed in says so
            when = "no points drawn"
        report(f"zoomed in (zoom {ZOOMED:g} on the centre)", answers, prefix, when, page, moved)
        fps, tasks = pan_and_zoom(page)
        print(f"  pan/zoom: {fps:.1f} frames/s; long tasks: {tasks}")
        browser.close()


def report(title: str, answers: list[bytes], prefix: str, when: str, page, since: float) -> None:
    """Print one view's figures."""
    traces = [trace for body in answers for trace in reports_traces(body, prefix)]
    raw = json.dumps(traces, separators=(",", ":")).encode()
    points = point_count(traces)
    print(f"{title}:")
    if traces:
        print(
            f"  reports' traces: {len(raw):,} bytes JSON, {len(gzip.compress(raw, 6)):,} gzip; "
            f"{points:,} markers, {len(raw) / max(points, 1):.1f} bytes each"
        )
    else:
        print("  reports' traces: none sent (the page kept what it had)")
    print(f"  drawn: {when}; long tasks: {long_tasks(page, since)}")


def main() -> None:
    """Build the city, start the app, measure in Chromium, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=120_000)
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    records = city(args.reports)
    result = FetchResult(records=records, fetched_at=datetime.now(UTC))
    store = Store(redis.Redis.from_url(server.url))
    store.write_snapshot("reports", result, source="bench", demo=True, summary=LAYERS["reports"].summarise(records))
    settled = sum(not r.status.is_open for r in records) / len(records)
    print(f"{len(records):,} reports, {settled:.0%} resolved or closed, {len(CATEGORIES)} categories")
    port = free_port()
    web = gunicorn(server.url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.3)
        measure(base, LAYERS["reports"].title("fr"))
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
        server.stop()


if __name__ == "__main__":
    main()
