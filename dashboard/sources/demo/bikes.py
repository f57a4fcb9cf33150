"""Demonstration VélôToulouse feed: bikes leave homes for the centre and campuses by day and come back at night."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

import numpy as np

from dashboard.models import BikeStationRecord, BikeStationStatus, FetchResult
from dashboard.sources.demo.base import DemoSource
from dashboard.sources.demo.clock import PARIS, SimulatedClock
from dashboard.sources.demo.noise import Stream, keyed_rng, smooth_noise
from dashboard.sources.demo.places import BIKE_STATIONS

_NOISE_BUCKET_SECONDS = 1200.0
# Large enough that a few stations are empty or full at any moment, as on the real network.
_NOISE_SD = 0.16

Curve = tuple[tuple[float, float], ...]  # (local hour, share of the docks holding a bike)

# fmt: off
_CURVES: MappingProxyType[tuple[str, bool], Curve] = MappingProxyType(
    {
        # (role, weekend): weekday commutes empty homes and fill the centre and campuses, the evening reverses it.
        ("centre", False): ((0, 0.35), (7, 0.30), (9, 0.70), (12, 0.60), (14, 0.65), (18, 0.55), (20, 0.70),
                            (24, 0.35)),
        ("residential", False): ((0, 0.70), (7, 0.65), (9, 0.25), (12, 0.35), (17, 0.30), (19.5, 0.60),
                                 (24, 0.70)),
        ("campus", False): ((0, 0.25), (8, 0.30), (10, 0.80), (14, 0.75), (17, 0.50), (19, 0.25), (24, 0.25)),
        ("hub", False): ((0, 0.45), (7, 0.35), (9, 0.60), (17, 0.55), (19, 0.35), (24, 0.45)),
        # Weekends: later starts, outings to the centre in the afternoon.
        ("centre", True): ((0, 0.50), (10, 0.40), (15, 0.75), (19, 0.70), (24, 0.50)),
        ("residential", True): ((0, 0.60), (10, 0.60), (15, 0.35), (19, 0.45), (24, 0.60)),
        ("campus", True): ((0, 0.30), (24, 0.30)),
        ("hub", True): ((0, 0.45), (12, 0.40), (18, 0.55), (24, 0.45)),
    }
)
# fmt: on

# Hours (local) during which the day's "not renting" station is out of use, as for a terminal repair.
_REPAIR_HOURS = (9.0, 12.0)


def expected_fill(role: str, local: datetime) -> float:
    """Share of its docks a station of `role` usually has a bike in at local (Europe/Paris) time `local`."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    hours, shares = zip(*_CURVES[(role, local.weekday() >= 5)], strict=True)
    return float(np.interp(hour, hours, shares))


class DemoBikesSource(DemoSource):
    """Bikes and free docks at ~60 VélôToulouse stations, deterministic in (seed, simulated time).

    Every day one station is closed for maintenance and another stops renting for the morning; a dock or
    two per station may be out of order, so bikes plus free docks can be below the station's capacity.
    """

    name = "demo-bikes"
    layer = "bikes"

    def __init__(self, seed: int, clock: SimulatedClock) -> None:
        super().__init__(seed, clock)
        # Some stations are more popular than others, the same ones every day.
        self._demand = np.array(
            [keyed_rng(seed, Stream.BIKE_DEMAND, i).uniform(0.75, 1.2) for i in range(len(BIKE_STATIONS))]
        )

    def _outages(self, local: datetime) -> tuple[int, int, np.ndarray]:
        """(closed station, not-renting station, broken docks per station) of the local day."""
        rng = keyed_rng(self.seed, Stream.BIKE_OUTAGES, local.toordinal())
        closed, not_renting = rng.choice(len(BIKE_STATIONS), size=2, replace=False)
        broken = rng.choice(3, size=len(BIKE_STATIONS), p=[0.75, 0.2, 0.05])
        return int(closed), int(not_renting), broken

    def fetch(self, now: datetime) -> FetchResult:
        """Every station at the simulated time matching real time `now`."""
        sim = self.clock.sim(now)
        local = sim.astimezone(PARIS)
        hour = local.hour + local.minute / 60
        expected = np.array([expected_fill(station.role, local) for station in BIKE_STATIONS])
        noise = smooth_noise((self.seed, Stream.BIKE_NOISE), len(BIKE_STATIONS), sim.timestamp(), _NOISE_BUCKET_SECONDS)
        shares = np.clip(expected * self._demand + _NOISE_SD * noise, 0.0, 1.0)
        closed, not_renting, broken = self._outages(local)
        records = []
        for i, (station, share) in enumerate(zip(BIKE_STATIONS, shares, strict=True)):
            usable = station.capacity - int(broken[i])
            bikes = round(float(share) * usable)
            status = BikeStationStatus.OPEN
            if i == closed:
                status, bikes, usable = BikeStationStatus.CLOSED, 0, 0
            elif i == not_renting and _REPAIR_HOURS[0] <= hour < _REPAIR_HOURS[1]:
                status = BikeStationStatus.NOT_RENTING
            records.append(
                BikeStationRecord(
                    id=str(station.number),
                    name=f"{station.number:05d} - {station.name.upper()}",
                    address=station.address,
                    lon=station.lon,
                    lat=station.lat,
                    capacity=station.capacity,
                    bikes_available=bikes,
                    docks_available=usable - bikes,
                    status=status,
                    # Terminals report one after another within the feed's minute.
                    last_reported=sim - timedelta(seconds=(station.number * 37) % 60),
                )
            )
        return FetchResult(records=tuple(records), fetched_at=sim)
