"""Deterministic demonstration feeds for the layers, grounded in real Toulouse places (see Layer.demo)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from dashboard.layers import LAYERS
from dashboard.sources.base import Source
from dashboard.sources.demo.bikes import DemoBikesSource
from dashboard.sources.demo.clock import SimulatedClock
from dashboard.sources.demo.energy import DemoEnergySource
from dashboard.sources.demo.faults import FaultAfterFirstFetch
from dashboard.sources.demo.nacelles import DemoNacellesSource
from dashboard.sources.demo.parking import DemoParkingSource
from dashboard.sources.demo.reports import DemoReportsSource

__all__ = [
    "DemoBikesSource",
    "DemoEnergySource",
    "DemoNacellesSource",
    "DemoParkingSource",
    "DemoReportsSource",
    "FaultAfterFirstFetch",
    "SimulatedClock",
    "build_demo_sources",
]


def build_demo_sources(
    seed: int, speed: float = 1.0, faults: Collection[str] = (), origin: datetime | None = None
) -> list[Source]:
    """Every layer's demonstration source on one simulated clock; those of the layers in `faults` fail after one
    fetch."""
    clock = SimulatedClock(origin or datetime.now(UTC), speed)
    sources: list[Source] = [layer.demo(seed, clock) for layer in LAYERS.values() if layer.demo is not None]
    unknown = set(faults) - {source.layer for source in sources}
    if unknown:
        raise ValueError(f"no demonstration feed for layer(s) {', '.join(sorted(unknown))}")
    return [FaultAfterFirstFetch(source) if source.layer in faults else source for source in sources]
