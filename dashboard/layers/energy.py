"""Energy: metered public buildings, the power they draw now against what is typical for the hour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import plotly.graph_objects as go
from pydantic import Field

from dashboard.alarm_rules import AlarmKind, Condition, HeldRule
from dashboard.detail_figures import energy_day_figure
from dashboard.details import (
    DAY,
    DAY_BUCKET,
    Inputs,
    Panel,
    Series,
    bucketed,
    day_start,
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
from dashboard.map_style import OKABE_ITO, coords, packed
from dashboard.models import EnergyRecord, Snapshot
from dashboard.rows import BBox, Missing, Rejected, Row, point, text, timestamp
from dashboard.rows import number as row_number
from dashboard.sources.demo.energy import DemoEnergySource
from dashboard.sources.meters import MeterPower
from dashboard.summaries import LayerSummary

# Above typical by more than this share, a site is drawn as drawing more than usual.
HIGH_RATIO = 0.2


@dataclass(frozen=True, slots=True)
class EnergySummary(LayerSummary):
    """Metered sites, the power they draw and what is typical for the hour, overall and per site (kW)."""

    PER_SITE = ("power_by_site", "typical_by_site")

    sites: int = 0
    power_kw: float = 0.0
    typical_kw: float = 0.0
    power_by_site: dict[str, float] = field(default_factory=dict)
    typical_by_site: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EnergyAreaSummary(LayerSummary):
    """The metered sites of one area, the power they draw now and what is typical for this hour (kW)."""

    sites: int = 0
    power_kw: float = 0.0
    typical_kw: float = 0.0


def summarise_energy(records: Sequence[EnergyRecord]) -> EnergySummary:
    """Power drawn now against what is typical for this hour, overall and per site (history draws the day's curves)."""
    return EnergySummary(
        sites=len(records),
        power_kw=round(sum(r.power_kw for r in records), 1),
        typical_kw=round(sum(r.typical_kw for r in records), 1),
        power_by_site={r.id: round(r.power_kw, 1) for r in records},
        typical_by_site={r.id: round(r.typical_kw, 1) for r in records},
    )


def energy_in_area(records: Sequence[EnergyRecord], _now: datetime) -> EnergyAreaSummary:
    """Metered sites in one area, the power they draw now and what is typical for this hour."""
    return EnergyAreaSummary(
        sites=len(records),
        power_kw=round(sum(r.power_kw for r in records), 1),
        typical_kw=round(sum(r.typical_kw for r in records), 1),
    )


HOURS_PER_YEAR = 8760


def energy_record(row: Row, now: datetime, bbox: BBox) -> EnergyRecord:
    """A metered site from mapped fields: power in kW (`power_kw`) or W (`power_w`), and a typical load.

    The typical load is the site's own (`typical_kw`) or, failing that, an annual consumption spread evenly
    over the year (`typical_mwh_year`, e.g. a commune's average per site from the Agence ORE reference).
    """
    lon, lat = point(row, bbox)
    if row.get("power_kw") not in (None, ""):
        power = row_number(row, "power_kw")
    elif row.get("power_w") not in (None, ""):
        power = row_number(row, "power_w") / 1000
    elif row.get("first_reading"):
        raise Rejected("premier relevé de l'index : la puissance sera connue au relevé suivant")
    else:
        raise Missing("power_kw")
    if power < 0:
        raise Rejected(f"puissance négative ({power:g} kW)")
    if row.get("typical_kw") not in (None, ""):
        typical = row_number(row, "typical_kw")
    elif row.get("typical_mwh_year") not in (None, ""):
        typical = row_number(row, "typical_mwh_year") * 1000 / HOURS_PER_YEAR
    else:
        raise Rejected("aucune consommation typique (ni « typical_kw » ni référence annuelle)")
    if row.get("observed_at") not in (None, ""):
        timestamp(row, "observed_at", now)
    return EnergyRecord(
        text(row, "id"), text(row, "name", text(row, "id")), lon, lat, power, typical, text(row, "site_type", "autre")
    )


def energy_traces(records: Sequence[EnergyRecord], lang: str) -> list[go.Scattermap]:
    """One trace: metered sites sized by power, marked darker when above typical."""
    lon, lat = coords(records)
    ratio = [r.power_kw / r.typical_kw - 1 if r.typical_kw else 0.0 for r in records]
    text = [
        t(
            "energy.hover",
            lang,
            name=r.name,
            power=f"{number(r.power_kw, lang)} kW",
            typical=f"{number(r.typical_kw, lang)} kW",
            delta=percent(d, lang, signed=True),
        )
        for r, d in zip(records, ratio, strict=True)
    ]
    sizes = packed(np.clip(np.sqrt([r.power_kw for r in records]) * 1.2, 8, 34) if records else [])
    colours = [OKABE_ITO["vermillion"] if d > HIGH_RATIO else OKABE_ITO["purple"] for d in ratio]
    return [
        go.Scattermap(
            lon=lon,
            lat=lat,
            mode="markers",
            name=t("energy.legend", lang),
            marker={"size": sizes, "color": colours, "opacity": 0.75},
            hovertext=text,
            hoverinfo="text",
            customdata=[r.id for r in records],
        )
    ]


def _legend(lang: str) -> list[tuple[str, str]]:
    return [
        (t("legend.energy_usual", lang), OKABE_ITO["purple"]),
        (t("legend.energy_high", lang), OKABE_ITO["vermillion"]),
    ]


def _energy(summary: EnergySummary, lang: str) -> tuple[str, str]:
    power, typical = summary.power_kw, summary.typical_kw
    delta = power / typical - 1 if typical else 0.0
    return f"{number(power, lang)} kW", t(
        "kpi.energy_detail", lang, delta=percent(delta, lang, signed=True), typical=f"{number(typical, lang)} kW"
    )


def energy_panel(record: EnergyRecord, inputs: Inputs, lang: str) -> Panel:
    """A metered site: power now against typical, and today's load curve against the typical one."""
    delta = record.power_kw / record.typical_kw - 1 if record.typical_kw else 0.0
    end = history_ref(inputs)
    power: Series = []
    figure = None
    if end:
        start = day_start(end)
        power, typical = (
            bucketed(window(site_series(inputs.points, key, record.id), end, end - start), DAY_BUCKET)
            for key in ("power_by_site", "typical_by_site")
        )
        figure = energy_day_figure(
            power,
            typical,
            labels=(t("details.power", lang), t("details.typical", lang)),
            axis=t("details.kw", lang),
            zone=zone_label(end),
            lang=lang,
            day=(start, start + DAY),
        )
    return Panel(
        title=record.name,
        subtitle=f"{LAYER.title(lang)} · {translated('site_type', record.site_type, lang)}",
        facts=[
            (t("details.power", lang), f"{number(record.power_kw, lang, 1)} kW"),
            (t("details.typical", lang), f"{number(record.typical_kw, lang, 1)} kW"),
            (t("details.delta", lang), percent(delta, lang, signed=True)),
            *place_facts(record, lang),
        ],
        figure=figure.to_plotly_json() if figure and power else None,
        figure_label=t("details.energy_chart", lang, name=record.name),
        timeline_empty="" if power else t("details.no_history", lang),
        note=note(inputs, lang),
    )


# NGSI-LD: ACMeasurement gives power (W); SmartMeteringObservation an index (kWh) turned into power between reads.
FEED_FIELDS = {
    "ngsi-ld": {
        "id": "id",
        "name": "name",
        "lon": "location.coordinates.0",
        "lat": "location.coordinates.1",
        "power_w": "totalActivePower",
        "energy_kwh": "totalConsumption",
        "observed_at": "dateObserved",
    },
}


def _category(record: EnergyRecord) -> str:
    return "high" if record.typical_kw and record.power_kw / record.typical_kw - 1 > HIGH_RATIO else "usual"


def _embed(lang: str) -> list[dict]:
    hover = hover_template("energy.hover", lang, ("name", "power", "typical", "delta"))
    fields = [["name", "text"], ["power_kw", "kw"], ["typical_kw", "kw"], ["delta", "signed_percent"]]
    return [
        points(
            category,
            t(key, lang),
            {"size_by": ["power_kw", 1.2, 8, 34], "color": colour, "opacity": 0.75},
            hover,
            fields,
        )
        for category, key, colour in (
            ("usual", "legend.energy_usual", OKABE_ITO["purple"]),
            ("high", "legend.energy_high", OKABE_ITO["vermillion"]),
        )
    ]


class EnergyAboveTypicalRule(HeldRule):
    """A metered site drawing more than `above_percent` over its typical power, held: one alarm per site."""

    kind: Literal["energy_above_typical"]
    above_percent: float = Field(50.0, gt=0, le=10000)
    min_kw: float = Field(1.0, ge=0)  # below this, a site's excess is noise, not waste worth an alarm
    hold_minutes: float = Field(15.0, ge=0, le=7 * 24 * 60)


def energy_above_typical(rule: EnergyAboveTypicalRule, snapshot: Snapshot) -> list[Condition]:
    """The metered sites drawing more than the rule's share over their typical power."""
    out = []
    for record in snapshot.records:
        assert isinstance(record, EnergyRecord)
        if record.typical_kw <= 0 or record.power_kw - record.typical_kw < rule.min_kw:
            continue
        above = 100 * (record.power_kw / record.typical_kw - 1)
        if above > rule.above_percent:
            out.append(
                Condition.found(
                    rule,
                    snapshot.layer,
                    record.id,
                    record.name,
                    round(above),
                    rule.above_percent,
                    commune=record.commune,
                )
            )
    return out


ENERGY_ABOVE_TYPICAL = AlarmKind(
    EnergyAboveTypicalRule,
    energy_above_typical,
    EnergyAboveTypicalRule(id="energy-high", kind="energy_above_typical"),
)


LAYER = Layer(
    name="energy",
    title_fr="Énergie",
    title_en="Energy",
    order=20,
    draw_order=20,
    record_type=EnergyRecord,
    refresh_seconds=60,
    freshness_seconds=600,
    public_fields=(
        "id",
        "name",
        "power_kw",
        "typical_kw",
        "site_type",
        *PLACE_FIELDS,
    ),
    summary_type=EnergySummary,
    summarise=summarise_energy,
    area_summary_type=EnergyAreaSummary,
    summarise_area=energy_in_area,
    formats=frozenset({"opendatasoft", "ngsi-ld", "geojson"}),
    canonical_fields=frozenset(
        {
            "id",
            "name",
            "lon",
            "lat",
            "power_kw",
            "power_w",
            "energy_kwh",
            "typical_kw",
            "typical_mwh_year",
            "site_type",
            "observed_at",
            "commune",
        }
    ),
    feed_fields=FEED_FIELDS,
    # One row per meter, with power worked out from running indexes between two reads.
    feed_stage=MeterPower,
    build=energy_record,
    observed_field="observed_at",
    render=energy_traces,
    legend=_legend,
    trend=(TrendLine("power_kw", "kpi.energy"), TrendLine("typical_kw", "trend.typical", dashed=True)),
    tile=Tile("kpi.energy", _energy),
    panel=PanelKind(lambda _layer, record, inputs, lang: energy_panel(record, inputs, lang), history=DAY),
    demo=DemoEnergySource,
    alarm_kinds=(ENERGY_ABOVE_TYPICAL,),
    public_category=_category,
    embed=_embed,
    colour="#cc79a7",
    public=True,
)
