"""Nacelles: the movable citizen-consultation pods, where each stands, whether it is open, and its moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from dashboard.details import WEEK, Inputs, Panel, note, place_facts, trail, translated, when
from dashboard.embed_plans import hover_template, points
from dashboard.i18n import t
from dashboard.layers.base import PLACE_FIELDS, Layer, PanelKind, Tile, TrendLine
from dashboard.map_style import OKABE_ITO, coords
from dashboard.models import NacelleRecord, NacelleStatus
from dashboard.rows import BBox, Rejected, Row, point, text, timestamp
from dashboard.sources.demo.nacelles import DemoNacellesSource
from dashboard.summaries import LayerSummary


@dataclass(frozen=True, slots=True)
class NacellesSummary(LayerSummary):
    """How many pods there are and are open, and where each one is: [lon, lat, status, place] by id."""

    POSITIONS = "positions"

    count: int = 0
    open: int = 0
    positions: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NacellesAreaSummary(LayerSummary):
    """The pods present in one area: how many, how many open or moving, and their ids."""

    count: int = 0
    open: int = 0
    in_transit: int = 0
    ids: tuple[str, ...] = ()


def summarise_nacelles(records: Sequence[NacelleRecord]) -> NacellesSummary:
    """How many pods are open, and where each one is (kept in history as the trail of moves)."""
    return NacellesSummary(
        count=len(records),
        open=sum(r.status is NacelleStatus.OPEN for r in records),
        positions={r.id: [r.lon, r.lat, r.status.value, r.place] for r in records},
    )


def nacelles_in_area(records: Sequence[NacelleRecord], _now: datetime) -> NacellesAreaSummary:
    """The pods present in one area (count), how many of them are open or moving, and which they are."""
    return NacellesAreaSummary(
        count=len(records),
        open=sum(r.status is NacelleStatus.OPEN for r in records),
        in_transit=sum(r.status is NacelleStatus.IN_TRANSIT for r in records),
        ids=tuple(sorted(r.id for r in records)),
    )


def nacelle_record(row: Row, now: datetime, bbox: BBox) -> NacelleRecord:
    """A Nacelle pod from mapped fields: id, name, lon, lat, status (already canonical), place, event."""
    lon, lat = point(row, bbox)
    try:
        status = NacelleStatus(text(row, "status"))
    except ValueError:
        raise Rejected(f"statut inconnu ({row.get('status')!r})") from None
    if row.get("updated_at") not in (None, ""):
        timestamp(row, "updated_at", now)
    return NacelleRecord(
        text(row, "id"),
        text(row, "name", text(row, "id")),
        lon,
        lat,
        status,
        text(row, "place", ""),
        text(row, "event", ""),
    )


NACELLE_COLOURS = {
    NacelleStatus.OPEN: OKABE_ITO["green"],
    NacelleStatus.CLOSED: "#666666",
    NacelleStatus.IN_TRANSIT: OKABE_ITO["yellow"],
}


def nacelle_traces(records: Sequence[NacelleRecord], lang: str) -> list[go.Scattermap]:
    """One trace: the pods, large, coloured and labelled (in hover) by status."""
    lon, lat = coords(records)
    text = [
        t("nacelle.hover", lang, name=r.name, status=t(f"nacelle.{r.status.value}", lang), place=r.place, event=r.event)
        for r in records
    ]
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=LAYER.title(lang),
            marker={"size": 22, "color": [NACELLE_COLOURS[r.status] for r in records], "opacity": 0.95},
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def _legend(lang: str) -> list[tuple[str, str]]:
    return [(t(f"nacelle.{s.value}", lang), NACELLE_COLOURS[s]) for s in NacelleStatus]


def _nacelles(summary: NacellesSummary, lang: str) -> tuple[str, str]:
    in_transit = sum(1 for position in summary.positions.values() if position[2:3] == [NacelleStatus.IN_TRANSIT.value])
    return str(summary.open), t("kpi.nacelles_detail", lang, count=summary.count, in_transit=in_transit)


def nacelle_panel(record: NacelleRecord, inputs: Inputs, lang: str) -> Panel:
    """A Nacelle: its status, place and event now, and the places it moved through with arrival times."""
    stays = trail(inputs.points, record.id)
    moves = [
        (
            when(stay.arrived, lang),
            t("details.stay", lang, place=stay.place, status=translated("nacelle", stay.status, lang)),
        )
        for stay in reversed(stays)  # the latest first: where it is now, then where it was
    ]
    facts = [
        (t("details.status", lang), t(f"nacelle.{record.status.value}", lang)),
        (t("details.place", lang), record.place),
    ]
    if record.event:
        facts.append((t("details.event", lang), record.event))
    return Panel(
        title=record.name,
        subtitle=LAYER.title(lang),
        facts=facts + place_facts(record, lang),
        timeline_title=t("details.moves", lang),
        timeline=moves,
        timeline_empty="" if moves else t("details.no_history", lang),
        note=note(inputs, lang),
    )


# The GeoJSON registry's properties as the Nacelles team keeps them; a feature's point gives lon/lat.
FEED_FIELDS = {
    "geojson": {
        "id": "properties.id",
        "name": "properties.name",
        "status": "properties.status",
        "place": "properties.place",
        "event": "properties.event",
        "updated_at": "properties.updated_at",
        "lon": "geometry.coordinates.0",
        "lat": "geometry.coordinates.1",
    },
}

# Nacelles registries are kept by hand: French and English words for the three states.
FEED_STATUSES = {
    "open": "open",
    "ouvert": "open",
    "ouverte": "open",
    "closed": "closed",
    "ferme": "closed",
    "fermé": "closed",
    "fermée": "closed",
    "in_transit": "in_transit",
    "in transit": "in_transit",
    "en transit": "in_transit",
    "en déplacement": "in_transit",
}


def _embed(lang: str) -> list[dict]:
    return [
        points(
            status.value,
            t(f"nacelle.{status.value}", lang),
            {"size": 22, "color": NACELLE_COLOURS[status], "opacity": 0.95},
            hover_template(
                "nacelle.hover", lang, ("name", "place", "event"), status=t(f"nacelle.{status.value}", lang)
            ),
            [["name", "text"], ["place", "text"], ["event", "text"]],
        )
        for status in NacelleStatus
    ]


LAYER = Layer(
    name="nacelles",
    title_fr="Nacelles",
    title_en="Nacelles",
    order=40,
    draw_order=50,
    record_type=NacelleRecord,
    refresh_seconds=60,
    freshness_seconds=900,
    public_fields=(
        "id",
        "name",
        "status",
        "place",
        "event",
        *PLACE_FIELDS,
    ),
    summary_type=NacellesSummary,
    summarise=summarise_nacelles,
    area_summary_type=NacellesAreaSummary,
    summarise_area=nacelles_in_area,
    formats=frozenset({"geojson"}),
    canonical_fields=frozenset({"id", "name", "lon", "lat", "status", "place", "event", "updated_at"}),
    feed_fields=FEED_FIELDS,
    feed_statuses=FEED_STATUSES,
    build=nacelle_record,
    statuses=frozenset(s.value for s in NacelleStatus),
    observed_field="updated_at",
    render=nacelle_traces,
    legend=_legend,
    trend=(TrendLine("open", "kpi.nacelles"),),
    tile=Tile("kpi.nacelles", _nacelles),
    panel=PanelKind(lambda _layer, record, inputs, lang: nacelle_panel(record, inputs, lang), history=WEEK),
    value_labels={NacelleStatus: "nacelle"},
    demo=DemoNacellesSource,
    public_category=lambda record: record.status.value,
    embed=_embed,
    colour="#009e73",
    public=True,
)
