"""Spatial join of 120,000 report points (90 days of Allô Toulouse) to the communes and quartiers.

Prints the time of the vectorised join alone (Boundaries.locate) and of what the collector does per fetch
(Boundaries.assign: join, then the located records and the rejections), best of a few runs. Target: < 2 s.

Usage: .venv/bin/python -m bench.geo_join [--points 120000] [--communes PATH] [--quartiers PATH]
(defaults: the configured CITYOPS_COMMUNES_PATH / CITYOPS_QUARTIERS_PATH, else ../shared/data/)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from dashboard.geo import load_boundaries
from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
# Bounding box of the Métropole's communes: some points fall outside it, as some reports would.
LON_MIN, LAT_MIN, LON_MAX, LAT_MAX = 1.2038, 43.5167, 1.6318, 43.7672


def _best(runs: int, action) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=120_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--communes", default=settings.communes_path or str(SHARED / "toulouse-metropole-communes.geojson")
    )
    parser.add_argument("--quartiers", default=settings.quartiers_path or str(SHARED / "toulouse-quartiers.geojson"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        boundaries = load_boundaries(args.communes, args.quartiers, Path(cache))
        loaded = time.perf_counter() - start

    rng = np.random.default_rng(31555)
    lon = rng.uniform(LON_MIN, LON_MAX, args.points)
    lat = rng.uniform(LAT_MIN, LAT_MAX, args.points)
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    records = tuple(
        ReportRecord(f"R{i}", "Propreté", ReportStatus.NEW, float(x), float(y), now - timedelta(hours=i % 2000), now)
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    )
    result = FetchResult(records=records, fetched_at=now)

    join_seconds, where = _best(args.runs, lambda: boundaries.locate(lon, lat))
    assign_seconds, located = _best(args.runs, lambda: boundaries.assign(result))
    in_toulouse = int((where["quartier"] > 0).sum())
    print(f"boundaries read (geopandas import included): {loaded:.2f} s")
    print(f"points: {args.points:,}; in a commune: {len(located.records):,}; in a Toulouse quartier: {in_toulouse:,}")
    print(f"join to communes and quartiers (locate): {join_seconds:.2f} s (best of {args.runs})")
    print(f"collector step (assign: join + located records + rejections): {assign_seconds:.2f} s")


if __name__ == "__main__":
    main()
