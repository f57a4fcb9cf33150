"""Demonstration parking feed: occupancy of Toulouse car parks and park-and-ride sites through a plausible week."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import numpy as np

from dashboard.models import FetchResult, ParkingRecord
from dashboard.sources.demo.base import DemoSource
from dashboard.sources.demo.clock import PARIS, SimulatedClock
from dashboard.sources.demo.noise import Stream, keyed_rng, smooth_noise
from dashboard.sources.demo.places import CAR_PARKS

_NOISE_BUCKET_SECONDS = 900.0
_NOISE_SD = 0.03  # share of capacity

# A parking day runs from 04:00 to 04:00 the next morning, so Friday's and Saturday's late evenings belong to
# the day that started them; at 04:00 every curve of a site type is at the same overnight level, so the
# switch from one day's curve to the next is seamless.
_DAY_START_HOUR = 4

Curve = tuple[tuple[float, float], ...]  # (hour since midnight of the parking day, share of capacity)

# fmt: off
_CURVES: MappingProxyType[tuple[str, str], Curve] = MappingProxyType(
    {
        # Commuters fill park-and-ride sites before work and take their cars back from 16:30.
        ("park_and_ride", "weekday"): (
            (4, 0.04), (6, 0.10), (7, 0.30), (8, 0.62), (9, 0.85), (11, 0.90), (13, 0.86), (15, 0.80),
            (16.5, 0.68), (17.5, 0.48), (18.5, 0.30), (20, 0.15), (22, 0.08), (28, 0.04),
        ),
        ("park_and_ride", "saturday"): (
            (4, 0.04), (8, 0.08), (10, 0.28), (12, 0.40), (15, 0.42), (17, 0.35), (19, 0.20), (21, 0.10), (28, 0.04),
        ),
        ("park_and_ride", "sunday"): ((4, 0.04), (10, 0.06), (14, 0.14), (17, 0.12), (20, 0.06), (28, 0.04)),
        # Centre garages: residents overnight, shoppers and evening outings, Saturday afternoon fullest.
        ("garage", "weekday"): (
            (4, 0.15), (7, 0.18), (9, 0.35), (11, 0.55), (12.5, 0.62), (14, 0.60), (16, 0.68), (18, 0.80),
            (19.5, 0.75), (21, 0.55), (23, 0.40), (25, 0.25), (28, 0.15),
        ),
        ("garage", "saturday"): (
            (4, 0.15), (8, 0.18), (10, 0.40), (12, 0.65), (14, 0.82), (16, 0.95), (18, 0.97), (20, 0.85),
            (22, 0.70), (24, 0.55), (26, 0.35), (28, 0.15),
        ),
        ("garage", "sunday"): (
            (4, 0.15), (9, 0.15), (11, 0.22), (14, 0.35), (16, 0.42), (18, 0.38), (20, 0.28), (22, 0.20), (28, 0.15),
        ),
    }
)
# fmt: on


def _day_kind(weekday: int) -> str:
    return "saturday" if weekday == 5 else "sunday" if weekday == 6 else "weekday"


def expected_share(site_type: str, local: datetime) -> float:
    """Share of capacity a site of `site_type` usually has occupied at local (Europe/Paris) time `local`."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    weekday = local.weekday()
    if hour < _DAY_START_HOUR:
        hour += 24
        weekday = (weekday - 1) % 7
    hours, shares = zip(*_CURVES[(site_type, _day_kind(weekday))], strict=True)
    return float(np.interp(hour, hours, shares))


class DemoParkingSource(DemoSource):
    """Occupancy of ~25 real car parks, deterministic in (seed, simulated time)."""

    name = "demo-parking"
    layer = "parking"

    def __init__(self, seed: int, clock: SimulatedClock) -> None:
        super().__init__(seed, clock)
        # Some sites are busier than others, the same ones every day.
        self._demand = np.array(
            [keyed_rng(seed, Stream.PARKING_DEMAND, i).uniform(0.8, 1.08) for i in range(len(CAR_PARKS))]
        )

    def fetch(self, now: datetime) -> FetchResult:
        """Occupancy of every site at the simulated time matching real time `now`."""
        sim = self.clock.sim(now)
        local = sim.astimezone(PARIS)
        expected = np.array([expected_share(site.site_type, local) for site in CAR_PARKS])
        noise = smooth_noise((self.seed, Stream.PARKING_NOISE), len(CAR_PARKS), sim.timestamp(), _NOISE_BUCKET_SECONDS)
        shares = np.clip(expected * self._demand + _NOISE_SD * noise, 0.0, 1.0)
        records = tuple(
            ParkingRecord(
                id=site.id,
                name=site.name,
                lon=site.lon,
                lat=site.lat,
                capacity=site.capacity,
                occupied=round(float(share) * site.capacity),
                site_type=site.site_type,
            )
            for site, share in zip(CAR_PARKS, shares, strict=True)
        )
        return FetchResult(records=records, fetched_at=sim)
