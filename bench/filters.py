"""What a filter costs: first viewer (cache miss) against every other viewer (cache hit), on the demo's reports.

Writes one demonstration reports snapshot (located in communes and quartiers when ../shared/data is there)
to an in-process Redis stand-in, then times the filtered KPI summaries, map traces and table rows, cold and
warm, and the size of the table's rows as JSON. A few seconds.

Usage: .venv/bin/python -m bench.filters
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import fakeredis
import orjson
from flask import Flask
from flask_caching import Cache

from dashboard.filters import Filters
from dashboard.layers import LAYERS
from dashboard.snapshots import SnapshotReader
from dashboard.sources.demo import DemoReportsSource, SimulatedClock
from dashboard.store import Store
from dashboard.tables import columns, csv_stream
from dashboard.view_cache import FigureCache

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    now = datetime.now(UTC)
    result = DemoReportsSource(31555, SimulatedClock(now)).fetch(now)
    communes, quartiers = SHARED / "toulouse-metropole-communes.geojson", SHARED / "toulouse-quartiers.geojson"
    if communes.exists() and quartiers.exists():
        from dashboard.geo import load_boundaries

        result = load_boundaries(str(communes), str(quartiers), Path(tempfile.mkdtemp())).assign(result)
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    store = Store(client)
    version = store.write_snapshot(
        "reports", result, source="bench", demo=True, summary=LAYERS["reports"].summarise(result.records)
    )
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": client})
    )
    print(f"{len(result.records)} reports")
    cases = {
        "status new": Filters(statuses=("new",)),
        "Toulouse, 7 days": Filters(commune="31555", window="7d"),
        "quartier 1, open": Filters(quartier="1", statuses=("new", "acknowledged", "in_progress")),
    }
    with app.app_context():
        for label, filters in cases.items():
            cold_summary, _ = _timed(lambda f=filters: figures.filtered_summaries(f, {"reports": version}))
            warm_summary, _ = _timed(lambda f=filters: figures.filtered_summaries(f, {"reports": version}))
            cold_traces, _ = _timed(lambda f=filters: figures.traces("reports", version, "fr", filters=f))
            warm_traces, _ = _timed(lambda f=filters: figures.traces("reports", version, "fr", filters=f))
            cold_table, table = _timed(lambda f=filters: figures.table("reports", version, "fr", f))
            warm_table, _ = _timed(lambda f=filters: figures.table("reports", version, "fr", f))
            size = len(orjson.dumps(table["rows"])) / 1024
            print(
                f"{label:18} rows {table['count']:5}  KPI {cold_summary:6.1f} / {warm_summary:4.1f} ms"
                f"  traces {cold_traces:6.1f} / {warm_traces:4.1f} ms  table {cold_table:6.1f} / {warm_table:4.1f} ms"
                f"  ({size:.0f} KiB of rows)"
            )
        snapshot = SnapshotReader(store).snapshot("reports", version)
        cols = columns(LAYERS["reports"].record_type, "fr")
        csv_ms, content = _timed(lambda: b"".join(csv_stream(snapshot.records, cols, "fr")))
        print(f"CSV of every report (as the API streams it): {csv_ms:.0f} ms, {len(content) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
