"""Canonical records per layer, the snapshot that carries them, and the status of a source."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

from dashboard.summaries import LayerSummary


class ReportStatus(StrEnum):
    """Lifecycle of a citizen report."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in OPEN_REPORT_STATUSES


OPEN_REPORT_STATUSES = frozenset({ReportStatus.NEW, ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS})


class NacelleStatus(StrEnum):
    """What a Nacelle pod is doing now."""

    OPEN = "open"
    CLOSED = "closed"
    IN_TRANSIT = "in_transit"


class BikeStationStatus(StrEnum):
    """Whether a bike-share station can be used now."""

    OPEN = "open"
    CLOSED = "closed"  # not installed, or closed by the operator
    NOT_RENTING = "not_renting"  # installed, but bikes cannot be taken out


class SourceState(StrEnum):
    """Health of a source as shown on screen: ok, degraded (failing, data still fresh) or down."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class ParkingRecord:
    """A car park or park-and-ride site and its current occupancy."""

    id: str
    name: str
    lon: float
    lat: float
    capacity: int
    occupied: int
    site_type: str  # "garage" or "park_and_ride"
    # Filled in by the collector's spatial join (dashboard.geo); empty until boundaries are configured.
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def occupancy(self) -> float:
        return self.occupied / self.capacity if self.capacity else 0.0


@dataclass(frozen=True, slots=True)
class EnergyRecord:
    """A metered site: power drawn now and what is typical for this hour."""

    id: str
    name: str
    lon: float
    lat: float
    power_kw: float
    typical_kw: float
    site_type: str
    # Filled in by the collector's spatial join (dashboard.geo); empty until boundaries are configured.
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A citizen report (Allô Toulouse request) and where it stands."""

    id: str
    category: str
    status: ReportStatus
    lon: float
    lat: float
    created_at: datetime
    updated_at: datetime
    # Filled in by the collector's spatial join (dashboard.geo); empty until boundaries are configured.
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""


@dataclass(frozen=True, slots=True)
class ReportPersonal:
    """A report's free text, address and photo: stored apart from the snapshot, read by id for managers only.

    Kept out of ReportRecord so that nothing reading a snapshot (maps, tables, CSV, the public side) can reach
    it. The reporter's identity and contact are not kept at all: handling a report here does not need them.
    """

    description: str = ""
    status_notes: str = ""
    address: str = ""
    agency_responsible: str = ""
    photo_url: str = ""

    def to_dict(self) -> dict[str, str]:
        """The fields that are set (stored as JSON: at city scale the empty ones would cost bytes for nothing)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportPersonal:
        """Rebuild from `to_dict` output (unknown keys ignored)."""
        return cls(**{f.name: str(data[f.name]) for f in dataclasses.fields(cls) if data.get(f.name)})


# The report fields that identify or quote a person: shown to signed-in managers only, never columns or properties.
PERSONAL_FIELDS = frozenset(f.name for f in dataclasses.fields(ReportPersonal))


@dataclass(frozen=True, slots=True)
class NacelleRecord:
    """A movable citizen-consultation pod, where it is and what it hosts."""

    id: str
    name: str
    lon: float
    lat: float
    status: NacelleStatus
    place: str
    event: str
    # Filled in by the collector's spatial join (dashboard.geo); empty until boundaries are configured.
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""


@dataclass(frozen=True, slots=True)
class BikeStationRecord:
    """A VélôToulouse (bike-share) station: its docks, the bikes and free docks now, and whether it works."""

    id: str
    name: str
    address: str
    lon: float
    lat: float
    capacity: int
    bikes_available: int
    docks_available: int
    status: BikeStationStatus
    last_reported: datetime
    # Filled in by the collector's spatial join (dashboard.geo); empty until boundaries are configured.
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""

    @property
    def is_empty(self) -> bool:
        """Open, and no bike to take."""
        return self.status is BikeStationStatus.OPEN and self.bikes_available == 0

    @property
    def is_full(self) -> bool:
        """Open, and no dock to leave a bike in."""
        return self.status is BikeStationStatus.OPEN and self.docks_available == 0


Record = ParkingRecord | EnergyRecord | ReportRecord | NacelleRecord | BikeStationRecord


def record_to_dict(record: Record) -> dict[str, Any]:
    """Plain JSON-ready dict of a record (datetimes as ISO 8601 UTC)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        out[f.name] = value
    return out


@functools.cache
def _converters(record_type: type) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """(field, converter) of the fields of `record_type` that JSON does not carry as themselves."""
    hints = typing.get_type_hints(record_type)
    out: list[tuple[str, Callable[[Any], Any]]] = []
    for f in dataclasses.fields(record_type):
        hint = hints[f.name]
        if hint is datetime:
            out.append((f.name, datetime.fromisoformat))
        elif isinstance(hint, type) and issubclass(hint, Enum):
            out.append((f.name, hint))
    return tuple(out)


def record_from_dict(record_type: type, data: dict[str, Any]) -> Any:
    """Rebuild a record of `record_type` (a layer's) from `record_to_dict` output: times and enumerations typed."""
    values = dict(data)
    for name, convert in _converters(record_type):
        if values.get(name) is not None:
            values[name] = convert(values[name])
    return record_type(**values)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a source adapter returns: valid records, rejection reasons, and the source's own time."""

    records: tuple[Record, ...]
    fetched_at: datetime
    rejected: tuple[str, ...] = ()
    # Per record id, what a feed gives that is personal (reports): written beside the snapshot, never in it.
    personal: dict[str, ReportPersonal] = field(default_factory=dict)


# Weak references let a test see that a replaced version is released (dashboard.snapshots).
@dataclass(frozen=True, slots=True, weakref_slot=True)
class Snapshot:
    """The full current state of one layer as stored, with its version and provenance."""

    layer: str
    version: int
    fetched_at: datetime
    source: str
    demo: bool
    records: tuple[Record, ...]
    summary: LayerSummary | None = None  # None when the stored summary could not be read


@dataclass(frozen=True, slots=True)
class LayerHead:
    """The cheap part of a snapshot: everything but the records (read on every poll)."""

    layer: str
    version: int
    fetched_at: datetime | None
    source: str
    demo: bool
    summary: LayerSummary | None  # None when the stored summary could not be read


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Health of the source feeding a layer, as written by its collector."""

    layer: str
    source: str
    state: SourceState
    writer: str = ""
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str = ""
    failing_since: datetime | None = None
    consecutive_failures: int = 0
    records_rejected: int = 0
    sample_rejection: str = ""
    # The most common reasons rows were rejected, with their counts (dashboard.rejections), most common first.
    rejections: tuple[tuple[str, int], ...] = ()
    # What the last fetch cost and when the next one is due, where the feed comes from (its URL redacted).
    fetch_seconds: float | None = None
    fetch_bytes: int | None = None
    next_attempt: datetime | None = None
    format: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class LayerOverview:
    """What one poll needs about a layer: head of its snapshot and its source status."""

    head: LayerHead | None
    status: SourceStatus | None
