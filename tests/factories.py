"""Small builders of records and fetch results for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.models import FetchResult, ParkingRecord


def parking_result(occupied: int = 100, when: datetime | None = None, rejected: tuple[str, ...] = ()) -> FetchResult:
    """A two-car-park fetch result."""
    records = (
        ParkingRecord("capitole", "Capitole", 1.4440, 43.6045, 748, occupied, "garage"),
        ParkingRecord("arenes", "Arènes", 1.4180, 43.5930, 300, 10, "park_and_ride"),
    )
    return FetchResult(records=records, fetched_at=when or datetime.now(UTC), rejected=rejected)
