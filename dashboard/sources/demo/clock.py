"""Simulated time for the demonstration feeds: real time, or faster so a benchmark can live an hour in a minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Opening hours, rush hours and daily rhythms are those of the city, whatever zone the server runs in.
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True, slots=True)
class SimulatedClock:
    """Maps real time to simulated time: `origin + (now - origin) * speed` (speed 1.0 is real time)."""

    origin: datetime
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.origin.tzinfo is None:
            raise ValueError("the simulated clock's origin must be timezone-aware")
        if not self.speed > 0:
            raise ValueError(f"the simulated clock's speed must be positive, got {self.speed}")

    def sim(self, now: datetime) -> datetime:
        """The simulated time (UTC) at real time `now`."""
        if now.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware `now`")
        return (self.origin + (now - self.origin) * self.speed).astimezone(UTC)
