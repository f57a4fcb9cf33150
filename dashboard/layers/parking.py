"""Parking: car parks and park-and-ride sites, their capacity and how full they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import plotly.graph_objects as go
from pydantic import Field

from dashboard.alarm_rules import AlarmKind, Condition, HeldRule
from dashboard.detail_figures import series_figure
from dashboard.details import (
    DAY,
    DAY_BUCKET,
    WEEK,
    WEEK_BUCKET,
    Inputs,
    Panel,
    bucketed,
    history_ref,
    note,
    place_facts,
    site_series,
    translated,
    window,
)
from dashboard.embed_plans import hover_template, points
from dashboard.i18n import number, percent, t, zone_label
from dashboard.layers.base import PLACE_FIELDS, Layer, PanelKind, Tile, TrendLine
from dashboard.map_style import CIVIDIS_GRADIENT, coords, packed
from dashboard.models import ParkingRecord, Snapshot
from dashboard.rows import BBox, Missing, Rejected, Row, count, point, text, timestamp
from dashboard.sources.demo.parking import DemoParkingSource
from dashboard.summaries import LayerSummary


@dataclass(frozen=True, slots=True)
class ParkingSummary(LayerSummary):
    """Car parks, their capacity, occupied and free spaces, and occupied spaces per site (drawn over time)."""

    PER_SITE = ("occupied_by_site",)

    sites: int = 0
    capacity: int = 0
    occupied: int = 0
    free: int = 0
    occupied_by_site: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParkingAreaSummary(LayerSummary):
    """The car parks of one area: how many, their capacity and free spaces."""

    sites: int = 0
    capacity: int = 0
    free: int = 0


def summarise_parking(records: Sequence[ParkingRecord]) -> ParkingSummary:
    """Capacity, occupied and free spaces overall and occupied per site."""
    capacity = sum(r.capacity for r in records)
    occupied = sum(min(r.occupied, r.capacity) for r in records)
    return ParkingSummary(
        sites=len(records),
        capacity=capacity,
        occupied=occupied,
        free=capacity - occupied,
        occupied_by_site={r.id: r.occupied for r in records},
    )


def parking_in_area(records: Sequence[ParkingRecord], _now: datetime) -> ParkingAreaSummary:
    """Sites, capacity and free spaces of the car parks in one area."""
    return ParkingAreaSummary(
        sites=len(records),
        capacity=sum(r.capacity for r in records),
        free=sum(r.free for r in records),
    )


def parking_record(row: Row, now: datetime, bbox: BBox) -> ParkingRecord:
    """A car park from mapped fields: id, name, lon, lat, capacity and occupied (or free)."""
    lon, lat = point(row, bbox)
    capacity = count(row, "capacity")
    if row.get("occupied") is not None:
        occupied = count(row, "occupied")
    elif row.get("free") is not None:
        occupied = capacity - count(row, "free")
    else:
        raise Missing("occupied")
    if not 0 <= occupied <= capacity:
        raise Rejected(f"occupation hors de la capacité ({occupied} sur {capacity})")
    if row.get("updated_at") is not None:
        timestamp(row, "updated_at", now)
    site_type = text(row, "site_type", "garage")
    return ParkingRecord(text(row, "id"), text(row, "name"), lon, lat, capacity, occupied, site_type)


# Cividis is perceptually uniform and readable with colour-vision deficiencies.
PARKING_SCALE = "Cividis"


def parking_traces(records: Sequence[ParkingRecord], lang: str) -> list[go.Scattermap]:
    """One trace: car parks sized by capacity and coloured by occupancy."""
    lon, lat = coords(records)
    occupancy = packed(np.array([r.occupancy for r in records], dtype=np.float32))
    text = [
        t(
            "parking.hover",
            lang,
            name=r.name,
            free=number(r.free, lang),
            capacity=number(r.capacity, lang),
            occupancy=percent(r.occupancy, lang),
        )
        for r in records
    ]
    sizes = packed(np.clip(np.sqrt([r.capacity for r in records]) * 0.9, 9, 30) if records else [])
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=LAYER.title(lang),
            marker={
                "size": sizes,
                "color": occupancy,
                "cmin": 0,
                "cmax": 1,
                "colorscale": PARKING_SCALE,
                "colorbar": {
                    "title": {"text": t("parking.occupancy", lang)},
                    "tickformat": ".0%",
                    "x": 1.0,
                    "len": 0.5,
                    "y": 0.75,
                },
                "opacity": 0.9,
            },
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def _legend(lang: str) -> list[tuple[str, str]]:
    return [(t("parking.occupancy", lang) + " 0 → 100 %", CIVIDIS_GRADIENT)]


def _parking(summary: ParkingSummary, lang: str) -> tuple[str, str]:
    return number(summary.free, lang), t(
        "kpi.free_spaces_detail", lang, capacity=number(summary.capacity, lang), sites=summary.sites
    )


def parking_panel(record: ParkingRecord, inputs: Inputs, lang: str) -> Panel:
    """A car park: its occupancy now, over the last 24 hours (5-minute means) and 7 days (hourly means)."""
    series = site_series(inputs.points, "occupied_by_site", record.id)
    end = history_ref(inputs)
    day = bucketed(window(series, end, DAY), DAY_BUCKET) if end else []
    week = bucketed(window(series, end, WEEK), WEEK_BUCKET) if end else []
    figure = (
        series_figure(
            [(t("details.last_24h", lang), day, DAY), (t("details.last_7d", lang), week, WEEK)],
            value_label=t("details.occupied", lang),
            ceiling=(t("details.capacity", lang), float(record.capacity)),
            lang=lang,
            zone=zone_label(end) if end else "",
            end=end,
        )
        if end
        else None
    )
    return Panel(
        title=record.name,
        subtitle=f"{LAYER.title(lang)} · {translated('site_type', record.site_type, lang)}",
        facts=[
            (t("details.free", lang), number(record.free, lang)),
            (t("details.occupied", lang), f"{number(record.occupied, lang)} ({percent(record.occupancy, lang)})"),
            (t("details.capacity", lang), number(record.capacity, lang)),
            *place_facts(record, lang),
        ],
        figure=figure.to_plotly_json() if figure and (day or week) else None,
        figure_label=t("details.parking_chart", lang, name=record.name),
        timeline_empty="" if day or week else t("details.no_history", lang),
        note=note(inputs, lang),
    )


# How each format's feeds name a car park's fields: Opendatasoft with the national car-park schema as published
# on data.toulouse-metropole.fr, NGSI-LD with FIWARE's OffStreetParking.
FEED_FIELDS = {
    "opendatasoft": {
        "id": "id",
        "name": "nom",
        "lon": "geo_point_2d.lon",
        "lat": "geo_point_2d.lat",
        "capacity": "nb_places",
        "free": "places_disponibles",
    },
    "ngsi-ld": {
        "id": "id",
        "name": "name",
        "lon": "location.coordinates.0",
        "lat": "location.coordinates.1",
        "capacity": "totalSpotNumber",
        "occupied": "occupiedSpotNumber",
        "free": "availableSpotNumber",
        "updated_at": "observationDateTime",
    },
}


def _embed(lang: str) -> list[dict]:
    hover = hover_template("parking.hover", lang, ("name", "free", "capacity", "occupancy"))
    marker = {"size_by": ["capacity", 0.9, 9, 30], "colorscale": PARKING_SCALE, "cmin": 0, "cmax": 1, "opacity": 0.9}
    fields = [["name", "text"], ["free", "number"], ["capacity", "number"], ["occupancy", "percent"]]
    return [points("all", LAYER.title(lang), marker, hover, fields)]


class ParkingFullRule(HeldRule):
    """A car park at least `threshold_percent` full, held for `hold_minutes`: one alarm per car park."""

    kind: Literal["parking_full"]
    threshold_percent: float = Field(95.0, gt=0, le=100)
    hold_minutes: float = Field(10.0, ge=0, le=7 * 24 * 60)


def parking_full(rule: ParkingFullRule, snapshot: Snapshot) -> list[Condition]:
    """The car parks at least the rule's share full."""
    out = []
    for record in snapshot.records:
        assert isinstance(record, ParkingRecord)
        percent = 100 * record.occupancy
        if record.capacity and percent >= rule.threshold_percent:
            out.append(
                Condition.found(
                    rule,
                    snapshot.layer,
                    record.id,
                    record.name,
                    round(percent, 1),
                    rule.threshold_percent,
                    commune=record.commune,
                )
            )
    return out


PARKING_FULL = AlarmKind(ParkingFullRule, parking_full, ParkingFullRule(id="parking-full", kind="parking_full"))


LAYER = Layer(
    name="parking",
    title_fr="Stationnement",
    title_en="Parking",
    order=10,
    draw_order=30,
    record_type=ParkingRecord,
    refresh_seconds=30,
    freshness_seconds=300,
    public_fields=(
        "id",
        "name",
        "capacity",
        "occupied",
        "site_type",
        *PLACE_FIELDS,
    ),
    summary_type=ParkingSummary,
    summarise=summarise_parking,
    area_summary_type=ParkingAreaSummary,
    summarise_area=parking_in_area,
    formats=frozenset({"opendatasoft", "ngsi-ld", "geojson"}),
    canonical_fields=frozenset({"id", "name", "lon", "lat", "capacity", "occupied", "free", "updated_at", "site_type"}),
    feed_fields=FEED_FIELDS,
    build=parking_record,
    observed_field="updated_at",
    render=parking_traces,
    legend=_legend,
    trend=(TrendLine("free", "kpi.free_spaces"),),
    tile=Tile("kpi.free_spaces", _parking),
    panel=PanelKind(lambda _layer, record, inputs, lang: parking_panel(record, inputs, lang), history=WEEK),
    demo=DemoParkingSource,
    alarm_kinds=(PARKING_FULL,),
    public_category=lambda _record: "all",
    embed=_embed,
    colour="#d9c55b",
    public=True,
)
