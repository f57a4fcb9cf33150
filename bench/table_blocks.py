"""What the managers' table costs at city scale: its blocks for the grid's infinite row model, at 120,000 reports.

Writes one reports snapshot of `--reports` records to an in-process Redis stand-in, then times, for a few grid
queries (no sort, a sort, a column filter, both): the first block (cold: the records sorted and filtered once),
the next blocks (warm: sliced from the kept ordering) and the bytes of a block's answer as JSON. For comparison,
the previous client-side model: the newest 20,000 rows built and sent at once as the grid's rowData.

Usage: .venv/bin/python -m bench.table_blocks [--reports 120000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import fakeredis
import orjson
from flask import Flask
from flask_caching import Cache

from dashboard.filters import Filters
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.snapshots import SnapshotReader
from dashboard.store import Store
from dashboard.tables import columns, rows
from dashboard.view_cache import FigureCache

BLOCK = 100  # the grid's block (layouts.tables.BLOCK_ROWS)
PREVIOUS_ROW_LIMIT = 20_000  # the client-side model's cap before the infinite row model
CATEGORIES = ("Voirie", "Propreté", "Éclairage public", "Espaces verts", "Mobilier urbain", "Graffitis")
COMMUNES = (("31555", "Toulouse"), ("31069", "Blagnac"), ("31149", "Colomiers"), ("31557", "Tournefeuille"))
QUERIES = {
    "newest first": {},
    "sorted by status": {"sortModel": [{"colId": "status", "sort": "asc"}]},
    "category contains": {"filterModel": {"category": {"filterType": "text", "type": "contains", "filter": "voi"}}},
    "filter + 2 sorts": {
        "sortModel": [{"colId": "commune", "sort": "desc"}, {"colId": "lon", "sort": "asc"}],
        "filterModel": {"lat": {"filterType": "number", "type": "inRange", "filter": 43.55, "filterTo": 43.65}},
    },
}


def city(count: int) -> tuple[ReportRecord, ...]:
    """`count` reports over a week, spread over four communes, statuses and categories at random."""
    rng = random.Random(31)
    now = datetime.now(UTC)
    statuses = list(ReportStatus)
    return tuple(
        ReportRecord(
            f"AT-{i}",
            rng.choice(CATEGORIES),
            rng.choice(statuses),
            round(1.30 + rng.random() * 0.28, 7),
            round(43.52 + rng.random() * 0.18, 7),
            now - timedelta(seconds=rng.randrange(7 * 86400)),
            now,
            *COMMUNES[i % len(COMMUNES)],
        )
        for i in range(count)
    )


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=120_000)
    args = parser.parse_args()
    records = city(args.reports)
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    store = Store(client)
    version = store.write_snapshot(
        "reports", FetchResult(records, datetime.now(UTC)), source="bench", demo=True, summary=None
    )
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": client})
    )
    print(f"{args.reports:,} reports, blocks of {BLOCK} rows, French")
    with app.app_context():
        setup_ms, table = _timed(lambda: figures.table("reports", version, "fr", Filters()))
        print(f"table set-up (snapshot decoded, rows counted): {setup_ms:.0f} ms, {table['count']:,} rows")
        for label, query in QUERIES.items():

            def ask(start: int, query: dict = query) -> dict:
                request = {"startRow": start, "endRow": start + BLOCK, **query}
                return figures.table_block("reports", version, "fr", Filters(), request)

            cold_ms, first = _timed(lambda ask=ask: ask(0))
            offsets = [BLOCK * step for step in range(1, 21)] + [max(0, first["rowCount"] - BLOCK)]
            warm = [_timed(lambda at=at, ask=ask: ask(at))[0] for at in offsets]
            size = len(orjson.dumps(first))
            print(
                f"{label:18} rows {first['rowCount']:7,}  first block {cold_ms:6.0f} ms"
                f"  next blocks median {statistics.median(warm):5.2f} ms, max {max(warm):5.2f} ms"
                f"  {size / 1024:5.1f} KiB per block"
            )

        snapshot = figures.snapshots.snapshot("reports", version)
        cols = columns(LAYERS["reports"].record_type, "fr")

        def previous() -> bytes:
            newest = sorted(snapshot.records, key=lambda record: record.created_at, reverse=True)
            return orjson.dumps(rows(newest[:PREVIOUS_ROW_LIMIT], cols, "fr"))

        previous_ms, previous_json = _timed(previous)
        print(
            f"previously (client-side model, newest {PREVIOUS_ROW_LIMIT:,} rows as rowData): built in"
            f" {previous_ms:.0f} ms, {len(previous_json) / 1024:,.0f} KiB sent at once"
        )


if __name__ == "__main__":
    main()
