"""Drive the wall in headless Chromium through many live updates; print JS heap, CPU time and DOM churn.

Starts `python app.py` (all-in-one) with a fast demo, opens /wall/ and counts updates (each change of the
"Mis à jour" time). At the start and every quarter it prints the JS heap after a forced garbage
collection, the live DOM node count, the renderer's cumulative script and task time, and how many DOM
nodes were added per update (a remount of component trees would show here, see README).

Usage: .venv/bin/python -m bench.wall_soak [--updates 1000]
"""

from __future__ import annotations

import argparse
import shutil
import time

from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.live_app import LiveApp

TOKEN = "wall-soak-token-000"

OBSERVE_JS = """() => {
    window.soak = {updates: 0, added: 0};
    new MutationObserver(() => { window.soak.updates += 1; })
        .observe(document.querySelector('#updated'), {childList: true, characterData: true, subtree: true});
    const count = (node) => node.nodeType === 1 ? 1 + node.querySelectorAll('*').length : 1;
    new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) window.soak.added += count(n);
    }).observe(document.body, {childList: true, subtree: true});
}"""


def metrics(cdp) -> dict[str, float]:
    cdp.send("HeapProfiler.collectGarbage")
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    args = parser.parse_args()
    app = LiveApp(
        CITYOPS_WALL_TOKEN=TOKEN,
        CITYOPS_REFRESH_SECONDS="0.4",
        CITYOPS_POLL_SECONDS="0.5",
        CITYOPS_DEMO_SPEED="60",
        CITYOPS_WALL_CYCLE_SECONDS="5",
    )
    app.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{app.url}/wall/?token={TOKEN}")
            page.wait_for_function("() => (document.querySelector('#updated') || {}).textContent", timeout=30000)
            page.wait_for_timeout(3000)  # warm up: first patches, trend, fonts
            page.evaluate(OBSERVE_JS)
            started = time.monotonic()
            first = metrics(cdp)
            print(
                f"{'updates':>8} {'wall s':>7} {'heap MB':>8} {'DOM nodes':>9} {'script s':>9} {'task s':>7} "
                f"{'nodes added/update':>19}"
            )

            def line(done: int, m: dict[str, float], added: int) -> None:
                per_update = added / done if done else 0.0
                print(
                    f"{done:>8} {time.monotonic() - started:>7.0f} {m['JSHeapUsedSize'] / 2**20:>8.1f} "
                    f"{m['Nodes']:>9.0f} {m['ScriptDuration'] - first['ScriptDuration']:>9.1f} "
                    f"{m['TaskDuration'] - first['TaskDuration']:>7.1f} {per_update:>19.2f}"
                )

            line(0, first, 0)
            for quarter in range(1, 5):
                target = args.updates * quarter // 4
                page.wait_for_function(f"() => window.soak.updates >= {target}", timeout=0, polling=1000)
                soak = page.evaluate("() => window.soak")
                line(soak["updates"], metrics(cdp), soak["added"])
            browser.close()
    finally:
        app.stop()


if __name__ == "__main__":
    main()
