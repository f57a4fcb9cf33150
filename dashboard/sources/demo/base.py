"""What every demonstration feed shares: its seed, its simulated clock and the demo flag."""

from __future__ import annotations

from dashboard.sources.demo.clock import SimulatedClock


class DemoSource:
    """Base of the demonstration feeds; subclasses set `name` and `layer` and implement `fetch`."""

    name: str
    layer: str
    demo = True

    def __init__(self, seed: int, clock: SimulatedClock) -> None:
        self.seed = seed
        self.clock = clock
