"""Demonstration energy feed: power drawn by municipal buildings, with now and then one running far too high."""

from __future__ import annotations

import math
from datetime import datetime
from types import MappingProxyType

import numpy as np

from dashboard.models import EnergyRecord, FetchResult
from dashboard.sources.demo.base import DemoSource
from dashboard.sources.demo.clock import PARIS
from dashboard.sources.demo.noise import Stream, keyed_rng, smooth_noise
from dashboard.sources.demo.places import ENERGY_SITES

_NOISE_BUCKET_SECONDS = 900.0
_NOISE_SD = 0.04  # relative to the typical load

# Anomalies (heating stuck on, lights left on after a match...): each site has a small chance, per six-hour
# block, of one episode of 1-3 hours at 1.5-2.3 times its typical load. That is about 3 % of a site's time,
# so with a dozen sites one is often misbehaving somewhere, which is what the screen must make visible.
_ANOMALY_BLOCK_SECONDS = 6 * 3600
_ANOMALY_CHANCE = 0.1
_ANOMALY_HOURS = (1.0, 3.0)
_ANOMALY_FACTOR = (1.5, 2.3)

Curve = tuple[tuple[float, float], ...]  # (local hour, multiple of the site's base load)

# Weekday and weekend curves of a site type share their overnight level, so midnight never jumps.
# fmt: off
_CURVES: MappingProxyType[tuple[str, str], Curve] = MappingProxyType(
    {
        ("administration", "weekday"): (
            (0, 0.35), (6, 0.35), (7.5, 0.6), (9, 1.0), (12, 0.95), (13.5, 0.9), (15, 1.0), (17.5, 0.85),
            (19, 0.55), (21, 0.4), (24, 0.35),
        ),
        ("administration", "weekend"): ((0, 0.35), (10, 0.42), (17, 0.42), (19, 0.35), (24, 0.35)),
        # Pools keep pumps and water heating running all night.
        ("piscine", "weekday"): (
            (0, 0.7), (6, 0.75), (7, 1.0), (12, 1.1), (14, 1.0), (18, 1.15), (21, 1.0), (22, 0.75), (24, 0.7),
        ),
        ("piscine", "weekend"): ((0, 0.7), (8, 0.75), (9, 1.05), (13, 1.15), (19, 1.0), (20, 0.75), (24, 0.7)),
        ("culture", "weekday"): (
            (0, 0.3), (8, 0.35), (10, 0.9), (13, 1.0), (18, 1.0), (19.5, 0.75), (22.5, 0.7), (23.5, 0.35), (24, 0.3),
        ),
        ("culture", "weekend"): ((0, 0.3), (9, 0.35), (11, 0.95), (18, 1.0), (20, 0.7), (23, 0.6), (24, 0.3)),
        # Training under floodlights on weekday evenings, matches on weekend afternoons.
        ("sport", "weekday"): ((0, 0.2), (8, 0.25), (12, 0.35), (17, 0.4), (18, 0.9), (22, 1.0), (23, 0.3), (24, 0.2)),
        ("sport", "weekend"): (
            (0, 0.2), (9, 0.3), (13, 0.6), (15, 1.2), (18, 1.25), (21, 1.0), (23, 0.35), (24, 0.2),
        ),
        ("ecole", "weekday"): (
            (0, 0.25), (6.5, 0.3), (8, 0.9), (11.5, 1.0), (13.5, 1.05), (16.5, 0.95), (18.5, 0.5), (20, 0.3),
            (24, 0.25),
        ),
        ("ecole", "weekend"): ((0, 0.25), (24, 0.25)),
    }
)
# fmt: on


def typical_factor(site_type: str, local: datetime) -> float:
    """Multiple of its base load a site of `site_type` usually draws at local (Europe/Paris) time `local`."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    kind = "weekend" if local.weekday() >= 5 else "weekday"
    hours, factors = zip(*_CURVES[(site_type, kind)], strict=True)
    return float(np.interp(hour, hours, factors))


def _anomaly_factor(seed: int, site: int, t: float) -> float:
    """How many times its typical load site `site` draws because of an anomaly at epoch second `t` (1.0: none)."""
    block = math.floor(t / _ANOMALY_BLOCK_SECONDS)
    rng = keyed_rng(seed, Stream.ENERGY_ANOMALY, site, block)
    happens = rng.random()
    start_share = rng.random()
    hours = rng.uniform(*_ANOMALY_HOURS)
    factor = rng.uniform(*_ANOMALY_FACTOR)
    start = block * _ANOMALY_BLOCK_SECONDS + start_share * (_ANOMALY_BLOCK_SECONDS - hours * 3600)
    active = happens < _ANOMALY_CHANCE and start <= t < start + hours * 3600
    return factor if active else 1.0


class DemoEnergySource(DemoSource):
    """Power of a dozen municipal sites against their typical load, deterministic in (seed, simulated time)."""

    name = "demo-energy"
    layer = "energy"

    def fetch(self, now: datetime) -> FetchResult:
        """Power and typical power of every site at the simulated time matching real time `now`."""
        sim = self.clock.sim(now)
        t = sim.timestamp()
        local = sim.astimezone(PARIS)
        noise = smooth_noise((self.seed, Stream.ENERGY_NOISE), len(ENERGY_SITES), t, _NOISE_BUCKET_SECONDS)
        records = []
        for index, site in enumerate(ENERGY_SITES):
            typical = site.base_kw * typical_factor(site.site_type, local)
            power = typical * _anomaly_factor(self.seed, index, t) * (1 + _NOISE_SD * float(noise[index]))
            records.append(
                EnergyRecord(
                    id=site.id,
                    name=site.name,
                    lon=site.lon,
                    lat=site.lat,
                    power_kw=round(max(power, 0.0), 1),
                    typical_kw=round(typical, 1),
                    site_type=site.site_type,
                )
            )
        return FetchResult(records=tuple(records), fetched_at=sim)
