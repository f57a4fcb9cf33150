"""VélôToulouse bike share: stations, bikes and free docks, and the empty, full and closed stations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import plotly.graph_objects as go

from dashboard.embed_plans import hover_template, points
from dashboard.i18n import city_time, number, t
from dashboard.layers.base import PLACE_FIELDS, Layer, Tile, TrendLine
from dashboard.map_style import OKABE_ITO, coords
from dashboard.models import BikeStationRecord, BikeStationStatus
from dashboard.rows import BBox, Rejected, Row, count, point, text, timestamp
from dashboard.sources.demo.bikes import DemoBikesSource
from dashboard.summaries import LayerSummary


@dataclass(frozen=True, slots=True)
class BikesAreaSummary(LayerSummary):
    """The stations of one area: how many, the open ones, their bikes and free docks, the empty and full ones."""

    stations: int = 0
    open: int = 0
    bikes: int = 0
    docks: int = 0
    empty: int = 0
    full: int = 0


@dataclass(frozen=True, slots=True)
class BikesSummary(BikesAreaSummary):
    """Stations (open ones), bikes and free docks, empty and full stations, and bikes per station (drawn over time)."""

    PER_SITE = ("bikes_by_site",)

    bikes_by_site: dict[str, int] = field(default_factory=dict)


def summarise_bikes(records: Sequence[BikeStationRecord]) -> BikesSummary:
    """Stations (open ones), bikes and free docks, empty and full stations, and bikes per station (for history)."""
    return BikesSummary(**_bike_counts(records), bikes_by_site={r.id: r.bikes_available for r in records})


def _bike_counts(records: Sequence[BikeStationRecord]) -> dict[str, int]:
    return {
        "stations": len(records),
        "open": sum(r.status is BikeStationStatus.OPEN for r in records),
        "bikes": sum(r.bikes_available for r in records),
        "docks": sum(r.docks_available for r in records),
        "empty": sum(r.is_empty for r in records),
        "full": sum(r.is_full for r in records),
    }


def bikes_in_area(records: Sequence[BikeStationRecord], _now: datetime) -> BikesAreaSummary:
    """Stations in one area, how many are open, their bikes and free docks, and the empty and full ones."""
    return BikesAreaSummary(**_bike_counts(records))


# How feeds spell yes and no: GBFS 1.x uses 1/0, GBFS 2+ true/false, some exports the words.
_TRUE = frozenset({"1", "true", "yes", "oui", "open", "ouvert"})

_FALSE = frozenset({"0", "false", "no", "non", "closed", "fermé", "ferme"})


def flag(row: Row, name: str) -> bool | None:
    """A yes/no field (1/0, true/false, the words), None when absent; any other value rejects the row."""
    value = row.get(name)
    if value is None or value == "":
        return None
    word = str(value).strip().lower()
    if isinstance(value, bool) or word in _TRUE | _FALSE:
        return value if isinstance(value, bool) else word in _TRUE
    raise Rejected(f"« {name} » n'est ni vrai ni faux ({str(value)[:30]!r})")


def bike_status(row: Row) -> BikeStationStatus:
    """Closed when not installed or said closed (Opendatasoft's OPEN/CLOSED), not renting when so flagged."""
    installed, is_open, renting = flag(row, "installed"), flag(row, "status"), flag(row, "renting")
    if installed is False or is_open is False:
        return BikeStationStatus.CLOSED
    if renting is False:
        return BikeStationStatus.NOT_RENTING
    return BikeStationStatus.OPEN


def bike_record(row: Row, now: datetime, bbox: BBox) -> BikeStationRecord:
    """A bike-share station from mapped fields: id, name, lon, lat, bikes and docks available, capacity, status."""
    lon, lat = point(row, bbox)
    bikes, docks = count(row, "bikes_available"), count(row, "docks_available")
    # Capacity counts broken docks too, so it is usually above bikes + docks; GBFS allows below (valet service,
    # virtual docks), and a feed may omit it: what is usable now is then the capacity shown.
    declared = count(row, "capacity") if row.get("capacity") not in (None, "") else 0
    capacity = max(declared, bikes + docks)
    status = bike_status(row)
    reported = timestamp(row, "last_reported", now) if row.get("last_reported") not in (None, "") else now
    name = text(row, "name")
    return BikeStationRecord(
        text(row, "id"), name, text(row, "address", ""), lon, lat, capacity, bikes, docks, status, reported
    )


# A bike station's state as the map tells it: one trace each, named in the legend, so not by colour alone.
BIKE_CATEGORIES = ("available", "empty", "full", "out_of_service")

BIKE_COLOURS = {
    "available": OKABE_ITO["sky"],
    "empty": OKABE_ITO["vermillion"],
    "full": OKABE_ITO["blue"],
    "out_of_service": "#999999",
}

BIKE_SIZES = {"available": 9, "empty": 12, "full": 12, "out_of_service": 8}


def bike_category(record: BikeStationRecord) -> str:
    """Which of BIKE_CATEGORIES a station falls in: out of service first, then empty, full or available."""
    if record.status is not BikeStationStatus.OPEN:
        return "out_of_service"
    return "empty" if record.is_empty else "full" if record.is_full else "available"


def bike_traces(records: Sequence[BikeStationRecord], lang: str) -> list[go.Scattermap]:
    """One trace per station state (always all four, so slots stay fixed), each named with its count."""
    traces = []
    for category in BIKE_CATEGORIES:
        subset = [r for r in records if bike_category(r) == category]
        lon, lat = coords(subset)
        label = t(f"bikes.{category}", lang)
        text = [
            t(
                "bikes.hover",
                lang,
                name=r.name,
                bikes=number(r.bikes_available, lang),
                docks=number(r.docks_available, lang),
                capacity=number(r.capacity, lang),
                status=t(f"bikes.status.{r.status.value}", lang),
                reported=city_time(r.last_reported, lang, with_date=True),
            )
            for r in subset
        ]
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="markers",
                name=f"{LAYER.title(lang)} — {label} ({number(len(subset), lang)})",
                legendgroup="bikes",
                marker={"size": BIKE_SIZES[category], "color": BIKE_COLOURS[category], "opacity": 0.9},
                hovertext=text,
                hoverinfo="text",
                customdata=[r.id for r in subset],
            )
        )
    return traces


def _legend(lang: str) -> list[tuple[str, str]]:
    return [(t(f"bikes.{c}", lang), BIKE_COLOURS[c]) for c in BIKE_CATEGORIES]


def _bikes(summary: BikesSummary, lang: str) -> tuple[str, str]:
    return number(summary.bikes, lang), t(
        "kpi.bikes_detail",
        lang,
        docks=number(summary.docks, lang),
        empty=summary.empty,
        full=summary.full,
    )


FEED_FIELDS = {
    # VélôToulouse stations as data.toulouse-metropole.fr publishes them (dataset api-velo-toulouse-temps-reel,
    # the operator's real-time API copied every minute): `status` is OPEN or CLOSED, `last_update` ISO 8601.
    "opendatasoft": {
        "id": "number",
        "name": "name",
        "address": "address",
        "lon": "position.lon",
        "lat": "position.lat",
        "capacity": "bike_stands",
        "bikes_available": "available_bikes",
        "docks_available": "available_bike_stands",
        "status": "status",
        "last_reported": "last_update",
    },
    # GBFS: the joined row carries station_information's fields, then station_status's (which win on a clash).
    "gbfs": {
        "id": "station_id",
        "name": "name",
        "address": "address",
        "lon": "lon",
        "lat": "lat",
        "capacity": "capacity",
        "bikes_available": "num_bikes_available",
        "docks_available": "num_docks_available",
        "installed": "is_installed",
        "renting": "is_renting",
        "last_reported": "last_reported",
    },
}


def _embed(lang: str) -> list[dict]:
    hover = hover_template("bikes.hover", lang, ("name", "bikes", "docks", "capacity", "status", "reported"))
    statuses = {s.value: t(f"bikes.status.{s.value}", lang) for s in BikeStationStatus}
    fields = [
        ["name", "text"],
        ["bikes_available", "number"],
        ["docks_available", "number"],
        ["capacity", "number"],
        ["status", "label"],
        ["last_reported", "time"],
    ]
    return [
        {
            **points(
                c,
                t(f"bikes.{c}", lang),
                {"size": BIKE_SIZES[c], "color": BIKE_COLOURS[c], "opacity": 0.9},
                hover,
                fields,
            ),
            "labels": statuses,
        }
        for c in BIKE_CATEGORIES
    ]


LAYER = Layer(
    name="bikes",
    title_fr="VélôToulouse",
    title_en="VélôToulouse bike share",
    order=50,
    draw_order=40,
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
        *PLACE_FIELDS,
    ),
    summary_type=BikesSummary,
    summarise=summarise_bikes,
    area_summary_type=BikesAreaSummary,
    summarise_area=bikes_in_area,
    formats=frozenset({"opendatasoft", "gbfs"}),
    canonical_fields=frozenset(
        {
            "id",
            "name",
            "address",
            "lon",
            "lat",
            "capacity",
            "bikes_available",
            "docks_available",
            "status",
            "installed",
            "renting",
            "last_reported",
        }
    ),
    feed_fields=FEED_FIELDS,
    build=bike_record,
    # A station's feed status is read as open or closed (renting and installation are fields of their own).
    statuses=frozenset({"open", "closed"}),
    observed_field="last_reported",
    trace_count=len(BIKE_CATEGORIES),
    render=bike_traces,
    legend=_legend,
    trend=(TrendLine("bikes", "kpi.bikes"),),
    tile=Tile("kpi.bikes", _bikes),
    value_labels={BikeStationStatus: "bikes.status"},
    demo=DemoBikesSource,
    public_category=bike_category,
    embed=_embed,
    colour="#0072b2",
    public=True,
)
