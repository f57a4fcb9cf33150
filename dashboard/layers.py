"""The layer registry: every map layer, the five shipped ones included, is one entry here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dashboard.models import (
    BikeStationRecord,
    BikeStationStatus,
    EnergyRecord,
    NacelleRecord,
    NacelleStatus,
    ParkingRecord,
    Record,
    ReportRecord,
)

Summary = dict[str, Any]


def summarise_parking(records: Sequence[ParkingRecord]) -> Summary:
    """Capacity, occupied and free spaces overall and occupied per site."""
    capacity = sum(r.capacity for r in records)
    occupied = sum(min(r.occupied, r.capacity) for r in records)
    return {
        "sites": len(records),
        "capacity": capacity,
        "occupied": occupied,
        "free": capacity - occupied,
        "occupied_by_site": {r.id: r.occupied for r in records},
    }


def summarise_energy(records: Sequence[EnergyRecord]) -> Summary:
    """Power drawn now against what is typical for this hour, overall and per site (history draws the day's curves)."""
    return {
        "sites": len(records),
        "power_kw": round(sum(r.power_kw for r in records), 1),
        "typical_kw": round(sum(r.typical_kw for r in records), 1),
        "power_by_site": {r.id: round(r.power_kw, 1) for r in records},
        "typical_by_site": {r.id: round(r.typical_kw, 1) for r in records},
    }


def summarise_reports(records: Sequence[ReportRecord]) -> Summary:
    """Counts of reports by status, of open reports by category, and the categories present."""
    open_records = [r for r in records if r.status.is_open]
    return {
        "total": len(records),
        "open": len(open_records),
        "by_status": dict(Counter(r.status.value for r in records)),
        "open_by_category": dict(Counter(r.category for r in open_records)),
        # Every category present, open or not: the choices of the managers' category filter, read with the head.
        "categories": sorted({r.category for r in records if r.category}),
    }


def summarise_nacelles(records: Sequence[NacelleRecord]) -> Summary:
    """How many pods are open, and where each one is (kept in history as the trail of moves)."""
    return {
        "count": len(records),
        "open": sum(r.status is NacelleStatus.OPEN for r in records),
        "positions": {r.id: [r.lon, r.lat, r.status.value, r.place] for r in records},
    }


def summarise_bikes(records: Sequence[BikeStationRecord]) -> Summary:
    """Stations (open ones), bikes and free docks, empty and full stations, and bikes per station (for history)."""
    return {**_bike_counts(records), "bikes_by_site": {r.id: r.bikes_available for r in records}}


def report_status_change(record: ReportRecord) -> tuple[str, datetime]:
    """A report's status and when it last changed, as its timeline keeps them."""
    return record.status.value, record.updated_at


def parking_in_area(records: Sequence[ParkingRecord], _now: datetime) -> Summary:
    """Sites, capacity and free spaces of the car parks in one area."""
    return {
        "sites": len(records),
        "capacity": sum(r.capacity for r in records),
        "free": sum(r.free for r in records),
    }


def energy_in_area(records: Sequence[EnergyRecord], _now: datetime) -> Summary:
    """Metered sites in one area, the power they draw now and what is typical for this hour."""
    return {
        "sites": len(records),
        "power_kw": round(sum(r.power_kw for r in records), 1),
        "typical_kw": round(sum(r.typical_kw for r in records), 1),
    }


# Age bands of open reports: (key, upper bound of the age); the last band is open-ended.
REPORT_AGE_BANDS = (("under_1_day", timedelta(days=1)), ("1_to_7_days", timedelta(days=7)), ("over_7_days", None))


def _age_band(age: timedelta) -> str:
    return next(key for key, bound in REPORT_AGE_BANDS if bound is None or age < bound)


def reports_in_area(records: Sequence[ReportRecord], now: datetime) -> Summary:
    """Open reports in one area: how many, by status, by category and by age band as of `now`."""
    open_records = [r for r in records if r.status.is_open]
    by_age = dict.fromkeys((key for key, _bound in REPORT_AGE_BANDS), 0)
    by_age.update(Counter(_age_band(now - r.created_at) for r in open_records))
    return {
        "open": len(open_records),
        "by_status": dict(Counter(r.status.value for r in open_records)),
        "open_by_category": dict(Counter(r.category for r in open_records)),
        "open_by_age": by_age,
    }


def nacelles_in_area(records: Sequence[NacelleRecord], _now: datetime) -> Summary:
    """The pods present in one area (count), how many of them are open or moving, and which they are."""
    return {
        "count": len(records),
        "open": sum(r.status is NacelleStatus.OPEN for r in records),
        "in_transit": sum(r.status is NacelleStatus.IN_TRANSIT for r in records),
        "ids": sorted(r.id for r in records),
    }


def _bike_counts(records: Sequence[BikeStationRecord]) -> Summary:
    return {
        "stations": len(records),
        "open": sum(r.status is BikeStationStatus.OPEN for r in records),
        "bikes": sum(r.bikes_available for r in records),
        "docks": sum(r.docks_available for r in records),
        "empty": sum(r.is_empty for r in records),
        "full": sum(r.is_full for r in records),
    }


def bikes_in_area(records: Sequence[BikeStationRecord], _now: datetime) -> Summary:
    """Stations in one area, how many are open, their bikes and free docks, and the empty and full ones."""
    return _bike_counts(records)


@dataclass(frozen=True, slots=True)
class Layer:
    """One map layer: its name, titles, timing budgets, public fields and how to summarise it."""

    name: str
    title_fr: str
    title_en: str
    record_type: type
    refresh_seconds: float
    freshness_seconds: float
    public_fields: tuple[str, ...]
    summarise: Callable[[Sequence[Record]], Summary]
    summarise_area: Callable[[Sequence[Record], datetime], Summary]
    # May be embedded on the public site and served by /api/v1/public/ (through dashboard.public only).
    public: bool = False
    # Public locations snap to a grid of this many degrees (None: exact, for sites that are public places).
    public_grid_degrees: float | None = None
    # Records whose changes are kept one by one (each record's timeline): (value, when it changed) of a record.
    timeline: Callable[[Any], tuple[str, datetime]] | None = None

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            name="parking",
            title_fr="Stationnement",
            title_en="Parking",
            record_type=ParkingRecord,
            refresh_seconds=30,
            freshness_seconds=300,
            public_fields=(
                "id",
                "name",
                "capacity",
                "occupied",
                "site_type",
                "commune_code",
                "commune",
                "quartier",
                "quartier_name",
            ),
            summarise=summarise_parking,
            summarise_area=parking_in_area,
            public=True,
        ),
        Layer(
            name="energy",
            title_fr="Énergie",
            title_en="Energy",
            record_type=EnergyRecord,
            refresh_seconds=60,
            freshness_seconds=600,
            public_fields=(
                "id",
                "name",
                "power_kw",
                "typical_kw",
                "site_type",
                "commune_code",
                "commune",
                "quartier",
                "quartier_name",
            ),
            summarise=summarise_energy,
            summarise_area=energy_in_area,
            public=True,
        ),
        Layer(
            name="reports",
            title_fr="Signalements",
            title_en="Citizen reports",
            record_type=ReportRecord,
            refresh_seconds=30,
            freshness_seconds=900,
            public_fields=(
                "id",
                "category",
                "status",
                "created_at",
                "updated_at",
                "commune_code",
                "commune",
                "quartier",
                "quartier_name",
            ),
            summarise=summarise_reports,
            summarise_area=reports_in_area,
            public=True,
            # A report's point is where someone lives or walks: about 100 m is enough for the public map.
            public_grid_degrees=0.001,
            timeline=report_status_change,
        ),
        Layer(
            name="nacelles",
            title_fr="Nacelles",
            title_en="Nacelles",
            record_type=NacelleRecord,
            refresh_seconds=60,
            freshness_seconds=900,
            public_fields=(
                "id",
                "name",
                "status",
                "place",
                "event",
                "commune_code",
                "commune",
                "quartier",
                "quartier_name",
            ),
            summarise=summarise_nacelles,
            summarise_area=nacelles_in_area,
            public=True,
        ),
        Layer(
            name="bikes",
            title_fr="VélôToulouse",
            title_en="VélôToulouse bike share",
            record_type=BikeStationRecord,
            # The operator's feed changes every minute or so; a station map older than 10 minutes misleads.
            refresh_seconds=60,
            freshness_seconds=600,
            # Stations are public places, shown exactly; the feed carries nothing personal.
            public_fields=(
                "id",
                "name",
                "address",
                "capacity",
                "bikes_available",
                "docks_available",
                "status",
                "last_reported",
                "commune_code",
                "commune",
                "quartier",
                "quartier_name",
            ),
            summarise=summarise_bikes,
            summarise_area=bikes_in_area,
            public=True,
        ),
    )
}
