"""Demonstration citizen-report feed: Allô Toulouse-like requests arriving and moving through their lifecycle."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from dashboard.models import FetchResult, ReportRecord, ReportStatus
from dashboard.sources.demo.base import DemoSource
from dashboard.sources.demo.clock import PARIS
from dashboard.sources.demo.noise import Stream, keyed_rng
from dashboard.sources.demo.places import METROPOLE_BBOX, POPULATION_CENTRES, REPORT_CATEGORIES

_HOUR = 3600
_DAY = 86400
_WINDOW_SECONDS = 30 * _DAY  # reports created earlier than this are no longer in the feed, open or not
_RECENT_SECONDS = _DAY  # closed reports stay in the feed this long after closing
_DAILY_ARRIVALS = 1300.0  # Allô Toulouse had 468,713 requests in 2024, about 1,280 a day

# Arrivals by local hour (relative weights): almost none at night, a peak in the late morning.
# fmt: off
_HOURLY_SHAPE = (
    0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.40, 0.90, 1.50, 1.90, 2.10, 2.10,
    1.70, 1.50, 1.60, 1.60, 1.50, 1.40, 1.20, 1.00, 0.80, 0.60, 0.40, 0.25,
)
# fmt: on
# Fewer requests at weekends; 5 x 1.06 + 2 x 0.85 = 7, so the weekly average stays at the daily figure.
_WEEKDAY_FACTOR = 1.06
_WEEKEND_FACTOR = 0.85

# Ids give each hour a block of a thousand numbers; more than 999 requests in one hour never happens at
# these rates (the busiest hour averages about 120), the cap only makes the ids provably unique.
_IDS_PER_HOUR = 1000

# Lognormal delays (median seconds, sigma) of the lifecycle steps; resolution's median depends on the category.
_ACKNOWLEDGE = (40 * 60, 1.0)
_START_WORK = (5 * _HOUR, 1.0)
_RESOLVE_SIGMA = 0.9
_CLOSE = (_DAY, 0.35)
_MIN_STEP_SECONDS = 60

_STAGES = (
    ReportStatus.NEW,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.RESOLVED,
    ReportStatus.CLOSED,
)


@dataclass(frozen=True, slots=True)
class _Arrivals:
    """Every report created in a span of hours, one array entry per report."""

    hour: np.ndarray  # hour index since the epoch
    number: np.ndarray  # rank within its hour
    created: np.ndarray  # epoch seconds
    category: np.ndarray  # index into REPORT_CATEGORIES
    lon: np.ndarray
    lat: np.ndarray
    steps: np.ndarray  # (n, 4) standard normals driving the four lifecycle delays


def _arrival_rate(hour: int) -> float:
    """Expected arrivals in the hour starting at `hour` * 3600 epoch seconds."""
    local = datetime.fromtimestamp(hour * _HOUR, PARIS)
    shape = _HOURLY_SHAPE[local.hour] * 24 / sum(_HOURLY_SHAPE)
    day = _WEEKEND_FACTOR if local.weekday() >= 5 else _WEEKDAY_FACTOR
    return _DAILY_ARRIVALS / 24 * shape * day


def _cumulative(weights: list[float]) -> np.ndarray:
    cumulative = np.cumsum(weights)
    return cumulative / cumulative[-1]


def _pick(cumulative: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn with the probabilities behind `cumulative`, from uniforms in [0, 1)."""
    return np.minimum(np.searchsorted(cumulative, uniforms, side="right"), len(cumulative) - 1)


def _fold_into(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Mirror values that fall past an edge back inside (no pile-up on the edge), then clip the rare far ones."""
    values = np.where(values < low, 2 * low - values, values)
    values = np.where(values > high, 2 * high - values, values)
    return np.clip(values, low, high)


def _arrivals(seed: int, first_hour: int, last_hour: int) -> _Arrivals:
    """The reports created from hour `first_hour` to `last_hour` included.

    Each hour's reports come from a generator keyed by (seed, hour) and their lifecycles from another, so a
    report has the same id, place, category, creation time and lifecycle on every fetch.
    """
    hours, numbers, offsets, picks, scatters, steps = [], [], [], [], [], []
    for hour in range(first_hour, last_hour + 1):
        rng = keyed_rng(seed, Stream.REPORT_ARRIVALS, hour)
        count = min(int(rng.poisson(_arrival_rate(hour))), _IDS_PER_HOUR - 1)
        hours.append(np.full(count, hour, dtype=np.int64))
        numbers.append(np.arange(count, dtype=np.int64))
        offsets.append(np.sort(rng.integers(0, _HOUR, count)))
        picks.append(rng.random((count, 2)))
        scatters.append(rng.standard_normal((count, 2)))
        steps.append(keyed_rng(seed, Stream.REPORT_LIFECYCLES, hour).standard_normal((count, 4)))
    hour_array = np.concatenate(hours)
    pick = np.concatenate(picks)
    scatter = np.concatenate(scatters)

    centre = _pick(_cumulative([c.weight for c in POPULATION_CENTRES]), pick[:, 0])
    centre_lon = np.array([c.lon for c in POPULATION_CENTRES])[centre]
    centre_lat = np.array([c.lat for c in POPULATION_CENTRES])[centre]
    spread = np.array([c.spread for c in POPULATION_CENTRES])[centre]
    # A degree of longitude is shorter than one of latitude here; widen it so the scatter is round on the ground.
    lon = centre_lon + scatter[:, 0] * spread / np.cos(np.radians(centre_lat))
    lat = centre_lat + scatter[:, 1] * spread
    lon_min, lat_min, lon_max, lat_max = METROPOLE_BBOX
    return _Arrivals(
        hour=hour_array,
        number=np.concatenate(numbers),
        created=hour_array * _HOUR + np.concatenate(offsets),
        category=_pick(_cumulative([c.share for c in REPORT_CATEGORIES]), pick[:, 1]),
        lon=np.round(_fold_into(lon, lon_min, lon_max), 5),
        lat=np.round(_fold_into(lat, lat_min, lat_max), 5),
        steps=np.concatenate(steps),
    )


def _transitions(arrivals: _Arrivals) -> np.ndarray:
    """Epoch seconds at which each report is acknowledged, in progress, resolved and closed, shape (n, 4)."""
    resolve_median = np.array([c.resolve_days * _DAY for c in REPORT_CATEGORIES])[arrivals.category]
    medians = np.column_stack(
        [
            np.full(len(resolve_median), _ACKNOWLEDGE[0]),
            np.full(len(resolve_median), _START_WORK[0]),
            resolve_median,
            np.full(len(resolve_median), _CLOSE[0]),
        ]
    )
    sigmas = np.array([_ACKNOWLEDGE[1], _START_WORK[1], _RESOLVE_SIGMA, _CLOSE[1]])
    delays = np.maximum(np.rint(medians * np.exp(sigmas * arrivals.steps)), _MIN_STEP_SECONDS).astype(np.int64)
    return arrivals.created[:, None] + np.cumsum(delays, axis=1)


def _utc(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)


class DemoReportsSource(DemoSource):
    """About 1,300 reports a day over the Métropole and where each one stands, deterministic in (seed, time)."""

    name = "demo-reports"
    layer = "reports"

    def fetch(self, now: datetime) -> FetchResult:
        """Open reports of the last 30 days, resolved ones not yet closed, and those closed in the last day."""
        sim = self.clock.sim(now)
        t = sim.timestamp()
        arrivals = _arrivals(self.seed, math.floor((t - _WINDOW_SECONDS) / _HOUR), math.floor(t / _HOUR))
        transitions = _transitions(arrivals)
        stage = (transitions <= t).sum(axis=1)
        keep = (
            (arrivals.created <= t)
            & (arrivals.created > t - _WINDOW_SECONDS)
            & ((stage < len(_STAGES) - 1) | (transitions[:, -1] > t - _RECENT_SECONDS))
        )
        updated = np.column_stack([arrivals.created, transitions])[np.arange(len(stage)), stage]
        ids = arrivals.hour * _IDS_PER_HOUR + arrivals.number
        columns = (ids, arrivals.category, stage, arrivals.lon, arrivals.lat, arrivals.created, updated)
        records = tuple(
            ReportRecord(
                id=f"R{number:010d}",
                category=REPORT_CATEGORIES[category].label,
                status=_STAGES[step],
                lon=lon,
                lat=lat,
                created_at=_utc(created),
                updated_at=_utc(last_change),
            )
            for number, category, step, lon, lat, created, last_change in zip(
                *(column[keep].tolist() for column in columns), strict=True
            )
        )
        return FetchResult(records=records, fetched_at=sim)
