"""Citizen reports (Allô Toulouse): each request, its category and where it stands, and its status changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import numpy as np
import plotly.graph_objects as go
from pydantic import Field

from dashboard.alarm_rules import AlarmKind, Condition, HeldRule
from dashboard.details import Inputs, Panel, is_web_url, label, note, place_facts, translated, when
from dashboard.i18n import number, t
from dashboard.layers.base import PLACE_FIELDS, CityScale, Layer, PanelKind, Tile, TrendLine
from dashboard.map_style import OKABE_ITO, coords, grid_cells, packed
from dashboard.models import PERSONAL_FIELDS, ReportPersonal, ReportRecord, ReportStatus, Snapshot
from dashboard.rows import BBox, Rejected, Row, point, text, timestamp
from dashboard.sources.demo.reports import DemoReportsSource
from dashboard.summaries import LayerSummary


@dataclass(frozen=True, slots=True)
class ReportsSummary(LayerSummary):
    """Reports, the open ones, counts by status and of open reports by category, and the categories present."""

    total: int = 0
    open: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    open_by_category: dict[str, int] = field(default_factory=dict)
    # Every category present, open or not: the choices of the managers' category filter, read with the head.
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportsAreaSummary(LayerSummary):
    """The open reports of one area: how many (what shades the map), by status, by category and by age band."""

    open: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    open_by_category: dict[str, int] = field(default_factory=dict)
    open_by_age: dict[str, int] = field(default_factory=dict)


def summarise_reports(records: Sequence[ReportRecord]) -> ReportsSummary:
    """Counts of reports by status, of open reports by category, and the categories present."""
    open_records = [r for r in records if r.status.is_open]
    return ReportsSummary(
        total=len(records),
        open=len(open_records),
        by_status=dict(Counter(r.status.value for r in records)),
        open_by_category=dict(Counter(r.category for r in open_records)),
        categories=tuple(sorted({r.category for r in records if r.category})),
    )


def report_status_change(record: ReportRecord) -> tuple[str, datetime]:
    """A report's status and when it last changed, as its timeline keeps them."""
    return record.status.value, record.updated_at


# Age bands of open reports: (key, upper bound of the age); the last band is open-ended.
REPORT_AGE_BANDS = (("under_1_day", timedelta(days=1)), ("1_to_7_days", timedelta(days=7)), ("over_7_days", None))


def _age_band(age: timedelta) -> str:
    return next(key for key, bound in REPORT_AGE_BANDS if bound is None or age < bound)


def reports_in_area(records: Sequence[ReportRecord], now: datetime) -> ReportsAreaSummary:
    """Open reports in one area: how many, by status, by category and by age band as of `now`."""
    open_records = [r for r in records if r.status.is_open]
    by_age = dict.fromkeys((key for key, _bound in REPORT_AGE_BANDS), 0)
    by_age.update(Counter(_age_band(now - r.created_at) for r in open_records))
    return ReportsAreaSummary(
        open=len(open_records),
        by_status=dict(Counter(r.status.value for r in open_records)),
        open_by_category=dict(Counter(r.category for r in open_records)),
        open_by_age=by_age,
    )


def report_record(row: Row, now: datetime, bbox: BBox) -> ReportRecord:
    """A citizen report from mapped fields: id, category, status (already canonical), lon, lat, dates."""
    lon, lat = point(row, bbox)
    try:
        status = ReportStatus(text(row, "status"))
    except ValueError:
        known = ", ".join(ReportStatus)
        raise Rejected(
            f"statut « {row.get('status')} » inconnu : à traduire dans « statuses » de la source (vers {known})"
        ) from None
    created = timestamp(row, "created_at", now)
    updated = timestamp(row, "updated_at", now) if row.get("updated_at") not in (None, "") else created
    return ReportRecord(text(row, "id"), text(row, "category"), status, lon, lat, created, max(created, updated))


def free_text(row: Row, name: str) -> str:
    """An optional free-text field: stripped, or empty when absent or not a text (never a reason to reject)."""
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def report_personal(row: Row) -> ReportPersonal | None:
    """A report's personal and free-text fields from mapped fields, or None when the feed gives none."""
    personal = ReportPersonal(**{name: free_text(row, name) for name in PERSONAL_FIELDS})
    return personal if personal.to_dict() else None


REPORT_COLOURS = {
    ReportStatus.NEW: OKABE_ITO["vermillion"],
    ReportStatus.ACKNOWLEDGED: OKABE_ITO["orange"],
    ReportStatus.IN_PROGRESS: OKABE_ITO["blue"],
    ReportStatus.RESOLVED: OKABE_ITO["green"],
    ReportStatus.CLOSED: "#999999",
}

REPORT_SIZES = {
    ReportStatus.NEW: 7,
    ReportStatus.ACKNOWLEDGED: 6,
    ReportStatus.IN_PROGRESS: 6,
    ReportStatus.RESOLVED: 4,
    ReportStatus.CLOSED: 4,
}


# Drawn first, below: the closed reports, then the resolved ones; the new ones last, on top of everything.
DRAWING_ORDER = tuple(reversed(ReportStatus))
# Points from this zoom on (a few streets across); counts per cell of about 500 m below it.
POINTS_ZOOM = 14.0


def _trace_name(status: ReportStatus, count: int, lang: str) -> str:
    return f"{LAYER.title(lang)} — {t(f'report.{status.value}', lang)} ({number(count, lang)})"


def _settled_hidden(status: ReportStatus, settled: bool) -> dict[str, Any]:
    """A settled status left out: its legend entry greyed (the page's check box brings it back), nothing drawn."""
    return {} if settled or status.is_open else {"visible": "legendonly"}


def report_cells(records: Sequence[ReportRecord], lang: str, settled: bool = False) -> list[go.Scattermap]:
    """One trace per status (always all five, closed first): reports counted per cell, as discs sized by count.

    Resolved and closed reports are counted only when `settled`.
    """
    traces = []
    for status in DRAWING_ORDER:
        subset = [r for r in records if r.status is status]
        shown = settled or status.is_open
        lon, lat, counts = grid_cells(subset if shown else ())
        label = t(f"report.{status.value}", lang)
        traces.append(
            go.Scattermap(
                lon=packed(lon),
                lat=packed(lat),
                mode="markers",
                name=_trace_name(status, len(subset), lang),
                legendgroup="reports",
                marker={
                    "size": packed(np.clip(4 + 2.2 * np.sqrt(counts), 5, 40).round(), "u1"),
                    "color": REPORT_COLOURS[status],
                    "opacity": 0.75,
                },
                # The count of each cell as a short text, said in full by the template (once per trace).
                text=[number(int(c), lang) for c in counts],
                hovertemplate=t("report.cell_hover", lang, count="%{text}", status=label) + "<extra></extra>",
                **_settled_hidden(status, settled),
            )
        )
    return traces


def report_points(
    records: Sequence[ReportRecord], positions: Sequence[int], lang: str, settled: bool = False
) -> list[go.Scattermap]:
    """One trace per status (always all five, closed first), each report a point carrying only its position.

    12 bytes a point: longitude and latitude as float32, the record's place in the version's order as uint32
    (the details panel finds the report from it and shows its category and dates).
    """
    traces = []
    for status in DRAWING_ORDER:
        chosen = [(p, r) for p, r in zip(positions, records, strict=True) if r.status is status]
        shown = chosen if settled or status.is_open else []
        subset = [r for _p, r in shown]
        lon, lat = coords(subset)
        label = t(f"report.{status.value}", lang)
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                mode="markers",
                name=_trace_name(status, len(chosen), lang),
                legendgroup="reports",
                marker={"size": REPORT_SIZES[status], "color": REPORT_COLOURS[status], "opacity": 0.8},
                customdata=packed([p for p, _r in shown], "u4"),
                hovertemplate=t("report.point_hover", lang, status=label) + "<extra></extra>",
                **_settled_hidden(status, settled),
            )
        )
    return traces


def _legend(lang: str) -> list[tuple[str, str]]:
    return [(t(f"report.{s.value}", lang), REPORT_COLOURS[s]) for s in ReportStatus]


def _reports(summary: ReportsSummary, lang: str) -> tuple[str, str]:
    by_status = summary.by_status
    in_progress = by_status.get("in_progress", 0) + by_status.get("acknowledged", 0)
    return number(summary.open, lang), t(
        "kpi.open_reports_detail",
        lang,
        new=number(by_status.get("new", 0), lang),
        in_progress=number(in_progress, lang),
    )


def report_panel(record: ReportRecord, inputs: Inputs, lang: str) -> Panel:
    """A citizen report: where it stands, its dates, its description, and its status changes with their times.

    The description, handling notes, address, agency and photo link come from `inputs.personal` (managers
    only); a photo is linked only when its URL is http(s). The reporter's identity and contact are never kept.
    """
    status = t(f"report.{record.status.value}", lang)
    facts = [
        (t("details.status", lang), status),
        (t("details.created", lang), when(record.created_at, lang)),
        (t("details.updated", lang), when(record.updated_at, lang)),
        *place_facts(record, lang),
    ]
    personal = inputs.personal or ReportPersonal()
    facts.extend(
        (label(name, lang), getattr(personal, name))
        for name in ("description", "status_notes", "address", "agency_responsible")
        if getattr(personal, name)
    )
    photo = personal.photo_url
    links = [(label("photo_url", lang), t("details.photo_link", lang), photo)] if is_web_url(photo) else []
    changes = []
    for change in inputs.timeline:
        value = translated("report", change.value, lang)
        text = (
            t("details.change", lang, previous=translated("report", change.previous, lang), value=value)
            if change.previous
            else t("details.first_seen", lang, value=value)
        )
        changes.append((when(change.at, lang), text))
    return Panel(
        title=t("details.report_title", lang, category=record.category),
        subtitle=f"{LAYER.title(lang)} · {record.id}",
        facts=facts,
        timeline_title=t("details.timeline", lang),
        timeline=changes,
        timeline_empty="" if changes else t("details.no_timeline", lang),
        note=note(inputs, lang),
        links=links,
    )


# Open311 GeoReport v2 names. Free text, address and photo are kept apart from the records, for the managers'
# details panel only (dashboard.models.ReportPersonal); the reporter's name, e-mail and phone are never read.
FEED_FIELDS = {
    "open311": {
        "id": "service_request_id",
        "category": "service_name",
        "status": "status",
        "lon": "long",
        "lat": "lat",
        "created_at": "requested_datetime",
        "updated_at": "updated_datetime",
        "description": "description",
        "status_notes": "status_notes",
        "address": "address",
        "agency_responsible": "agency_responsible",
        "photo_url": "media_url",
    },
}

# GeoReport v2 knows open and closed; servers such as FixMyStreet report finer states.
FEED_STATUSES = {
    "open": "new",
    "confirmed": "new",
    "acknowledged": "acknowledged",
    "investigating": "acknowledged",
    "action scheduled": "in_progress",
    "planned": "in_progress",  # FixMyStreet's earlier name for « action scheduled »
    "in_progress": "in_progress",
    "in progress": "in_progress",
    "fixed": "resolved",
    "resolved": "resolved",
    "closed": "closed",
}


class ReportsOverdueRule(HeldRule):
    """Open reports older than `max_age_days` (or the category's own limit): one alarm per category."""

    kind: Literal["reports_overdue"]
    max_age_days: float = Field(14.0, gt=0, le=3660)
    per_category: dict[str, Annotated[float, Field(gt=0, le=3660)]] = Field(default_factory=dict)
    min_count: int = Field(1, ge=1)

    def limit_days(self, category: str) -> float:
        """How many days a report of `category` may stay open before it counts."""
        return self.per_category.get(category, self.max_age_days)


def reports_overdue(rule: ReportsOverdueRule, snapshot: Snapshot) -> list[Condition]:
    """The categories with at least the rule's count of reports open past their limit."""
    # Ages are taken at the snapshot's own time: the feed's clock, not the collector's.
    as_of = snapshot.fetched_at
    overdue: Counter[str] = Counter()
    for record in snapshot.records:
        assert isinstance(record, ReportRecord)
        if record.status.is_open and as_of - record.created_at > timedelta(days=rule.limit_days(record.category)):
            overdue[record.category] += 1
    return [
        Condition.found(rule, snapshot.layer, category, category, count, rule.limit_days(category))
        for category, count in sorted(overdue.items())
        if count >= rule.min_count
    ]


REPORTS_OVERDUE = AlarmKind(
    ReportsOverdueRule,
    reports_overdue,
    ReportsOverdueRule(id="reports-overdue", kind="reports_overdue"),
    where_key="alarms.where_category",  # one alarm per category, not per place
)


LAYER = Layer(
    name="reports",
    title_fr="Signalements",
    title_en="Citizen reports",
    order=30,
    draw_order=10,
    record_type=ReportRecord,
    refresh_seconds=30,
    freshness_seconds=900,
    public_fields=(
        "id",
        "category",
        "status",
        "created_at",
        "updated_at",
        *PLACE_FIELDS,
    ),
    summary_type=ReportsSummary,
    summarise=summarise_reports,
    area_summary_type=ReportsAreaSummary,
    summarise_area=reports_in_area,
    formats=frozenset({"open311"}),
    canonical_fields=frozenset(
        {"id", "category", "status", "lon", "lat", "created_at", "updated_at", *PERSONAL_FIELDS}
    ),
    feed_fields=FEED_FIELDS,
    feed_statuses=FEED_STATUSES,
    build=report_record,
    statuses=frozenset(s.value for s in ReportStatus),
    # None: an old last update is a quiet night, not a stale feed.
    build_personal=report_personal,
    trace_count=len(ReportStatus),
    render=report_cells,
    city_scale=CityScale(
        points_zoom=POINTS_ZOOM,
        settled_key="report.show_settled",
        cells=report_cells,
        points=report_points,
        is_settled=lambda record: not record.status.is_open,
    ),
    legend=_legend,
    trend=(TrendLine("open", "kpi.open_reports"),),
    tile=Tile("kpi.open_reports", _reports),
    panel=PanelKind(
        lambda _layer, record, inputs, lang: report_panel(record, inputs, lang), timeline=True, personal=True
    ),
    value_labels={ReportStatus: "report"},
    demo=DemoReportsSource,
    alarm_kinds=(REPORTS_OVERDUE,),
    criteria=True,
    shades_areas=True,
    # Reports are published as counts per cell, open and closed apart, never one by one.
    public_open=lambda record: record.status.is_open,
    colour="#56b4e9",
    public=True,
    # A report's point is where someone lives or walks: about 100 m is enough for the public map.
    public_grid_degrees=0.001,
    timeline=report_status_change,
)
