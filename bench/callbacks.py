"""Callback throughput and p99 latency with 50 concurrent clients: unchanged tick, changed tick, trivial callback.

Starts its own redis-server, one collector process and gunicorn (2 workers x 8 threads) on free ports,
then drives the Dash callback endpoint directly with wrk (a Lua script posts each callback's body with a signed-in
manager's session cookie) on this machine.

Usage: .venv/bin/python -m bench.callbacks [--clients 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
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


# wrk posts the callback's body with the session cookie; `done` prints the figures as one JSON line.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = %(cookie)s
wrk.body = %(body)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"non_2xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(text: str) -> str:
    """`text` as a Lua long string literal (no escaping needed inside)."""
    level = "=" * (max((len(m) for m in re.findall(r"\](=*)\]", text)), default=-1) + 1)
    return f"[{level}[{text}]{level}]"


def drive(url: str, body: dict, clients: int, seconds: float, cookies: httpx.Cookies) -> dict:
    """wrk with `clients` connections posting `body` back to back for `seconds`; returns what its script printed."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    script = WRK_SCRIPT % {"cookie": _lua_string(cookie), "body": _lua_string(json.dumps(body))}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        command = [binary, "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "30s", "-s", lua.name]
        run = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"wrk failed on {url}: {run.stderr.strip()}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def report(label: str, result: dict) -> tuple[float, float]:
    """Print one scenario's line; returns its throughput (req/s) and p99 (ms)."""
    rate = result["requests"] / result["seconds"]
    p50, p99 = result["p50_us"] / 1000, result["p99_us"] / 1000
    print(
        f"{label:<38} {rate:8.0f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
        f"{result['bytes'] / max(result['requests'], 1) / 1024:8.1f} KiB/resp   "
        f"non-2xx {result['non_2xx']}   socket errors {result['socket_errors']}"
    )
    return rate, p99


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

        load = (args.clients, args.seconds, cookies)
        print(f"wrk, {args.clients} connections, {args.seconds:.0f} s per scenario, gunicorn 2 workers x 8 threads")
        trivial_rate, trivial_p99 = report(
            "trivial callback (baseline)",
            drive(base + "/trivial/_dash-update-component", TRIVIAL, *load),
        )
        unchanged_rate, unchanged_p99 = report(
            "poll, unchanged tick (clock only)",
            drive(endpoint, poll_body(dependencies, view), *load),
        )
        report("poll, changed tick (new view)", drive(endpoint, poll_body(dependencies, None), *load))
        for layer in ("parking", "reports"):
            shown = {**all_shown, layer: [all_shown[layer][0] - 1, ""]}
            report(f"map patch, {layer} changed", drive(endpoint, map_body(dependencies, view, shown), *load))
        print(f"unchanged tick throughput / trivial = {unchanged_rate / trivial_rate:.2f}")
        print(f"unchanged tick p99 / trivial p99 = {unchanged_p99 / trivial_p99:.2f}")


if __name__ == "__main__":
    main()
