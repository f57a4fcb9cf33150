"""Randomness of the demonstration feeds: every draw comes from a generator keyed by what it describes."""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """One random stream per use, so that no two feeds or aspects of a feed ever share draws."""

    PARKING_DEMAND = 1
    PARKING_NOISE = 2
    ENERGY_NOISE = 3
    ENERGY_ANOMALY = 4
    REPORT_ARRIVALS = 5
    REPORT_LIFECYCLES = 6
    NACELLE_MOVES = 7
    NACELLE_EVENTS = 8
    BIKE_DEMAND = 9
    BIKE_NOISE = 10
    BIKE_OUTAGES = 11


def keyed_rng(*key: int) -> np.random.Generator:
    """A generator that depends on `key` alone (seed, stream, entity, time bucket...), never on global state."""
    return np.random.default_rng(list(key))


def smooth_noise(key: tuple[int, ...], count: int, t: float, bucket_seconds: float) -> np.ndarray:
    """Standard-normal noise for `count` entities at epoch second `t`, drawn per bucket and interpolated between.

    Consecutive readings inside a bucket therefore differ only a little, while readings a few buckets
    apart are independent.
    """
    position = t / bucket_seconds
    bucket = math.floor(position)
    weight = position - bucket
    before = np.array([keyed_rng(*key, entity, bucket).standard_normal() for entity in range(count)])
    after = np.array([keyed_rng(*key, entity, bucket + 1).standard_normal() for entity in range(count)])
    return before + (after - before) * weight
