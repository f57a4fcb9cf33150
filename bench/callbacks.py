"""Callback throughput and p99 latency with 50 concurrent clients: unchanged tick, changed tick, trivial callback.

Starts its own redis-server, one collector process and gunicorn (2 workers x 8 threads) on free ports,
then drives the Dash callback endpoint directly with concurrent HTTP clients on this machine.

Usage: .venv/bin/python -m bench.callbacks [--clients 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import httpx

from bench.stack import running_stack
from tests.live_app import session_cookies

ROOT = Path(__file__).resolve().parents[1]


def _spec(dependencies: list[dict], input_id: str) -> dict:
    for dep in dependencies:
        if any(i["id"] == input_id for i in dep["inputs"]) and dep.get("clientside_function") is None:
            return dep
    raise LookupError(input_id)


def _outputs(output: str) -> list[dict]:
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def poll_body(dependencies: list[dict], seen: dict | None) -> dict:
    spec = _spec(dependencies, "poll")
    return {
        "output": spec["output"],
        "outputs": _outputs(spec["output"]),
        "inputs": [
            {"id": "poll", "property": "n_intervals", "value": 1},
            {"id": "filters", "property": "data", "value": None},
        ],
        "state": [
            {"id": "view", "property": "data", "value": seen},
            {"id": "store-down-since", "property": "data", "value": None},
            {"id": "lang", "property": "data", "value": "fr"},
        ],
        "changedPropIds": ["poll.n_intervals"],
    }


def map_body(dependencies: list[dict], view: dict, shown: dict) -> dict:
    spec = _spec(dependencies, "layer-toggle")
    return {
        "output": spec["output"],
        "outputs": _outputs(spec["output"]),
        "inputs": [
            {"id": "view", "property": "data", "value": view},
            {"id": "layer-toggle", "property": "value", "value": list(view["versions"])},
        ],
        "state": [
            {"id": "map-versions", "property": "data", "value": shown},
            {"id": "lang", "property": "data", "value": "fr"},
        ],
        "changedPropIds": ["view.data"],
    }


TRIVIAL = {
    "output": "out.children",
    "outputs": {"id": "out", "property": "children"},
    "inputs": [{"id": "in", "property": "value", "value": "x"}],
    "changedPropIds": ["in.value"],
}


async def drive(
    url: str, body: dict, clients: int, seconds: float, cookies: httpx.Cookies
) -> tuple[list[float], dict[int, int], int]:
    """Each client posts `body` back to back for `seconds`; returns latencies, status counts, bytes received."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    received = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30, cookies=cookies) as client:
        stop_at = time.monotonic() + seconds

        async def one_client():
            nonlocal received
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                response = await client.post(url, json=body)
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                received += len(response.content)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, statuses, received


def report(label: str, seconds: float, result: tuple[list[float], dict[int, int], int]) -> float:
    latencies, statuses, received = result
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rate = len(latencies) / seconds
    print(
        f"{label:<38} {rate:8.0f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
        f"{received / max(len(latencies), 1) / 1024:8.1f} KiB/resp   statuses {statuses}"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    with running_stack("bench.trivial_app:create()", 2, {"CITYOPS_REFRESH_SECONDS": "3600"}) as stack:
        base = stack.base
        cookies = session_cookies(base)  # the managers' app needs a signed-in manager
        dependencies = httpx.get(base + "/_dash-dependencies", cookies=cookies).json()
        endpoint = base + "/_dash-update-component"
        first = httpx.post(endpoint, json=poll_body(dependencies, None), cookies=cookies)
        view = first.json()["response"]["view"]["data"]
        # What a browser showing every layer of the whole Métropole holds: [version, commune] per layer.
        all_shown = {name: [version, ""] for name, version in view["versions"].items()}
        httpx.post(endpoint, json=map_body(dependencies, view, {}), cookies=cookies)  # warm the shared trace cache

        print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per scenario, gunicorn 2 workers x 8 threads")
        trivial = report(
            "trivial callback (baseline)",
            args.seconds,
            asyncio.run(drive(base + "/trivial/_dash-update-component", TRIVIAL, args.clients, args.seconds, cookies)),
        )
        unchanged = report(
            "poll, unchanged tick (204)",
            args.seconds,
            asyncio.run(drive(endpoint, poll_body(dependencies, view), args.clients, args.seconds, cookies)),
        )
        report(
            "poll, changed tick (new view)",
            args.seconds,
            asyncio.run(drive(endpoint, poll_body(dependencies, None), args.clients, args.seconds, cookies)),
        )
        for layer in ("parking", "reports"):
            shown = {**all_shown, layer: [all_shown[layer][0] - 1, ""]}
            report(
                f"map patch, {layer} changed",
                args.seconds,
                asyncio.run(drive(endpoint, map_body(dependencies, view, shown), args.clients, args.seconds, cookies)),
            )
        print(f"unchanged tick p99 / trivial p99 = {unchanged / trivial:.2f}")


if __name__ == "__main__":
    main()
