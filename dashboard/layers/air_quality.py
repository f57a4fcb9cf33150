"""Air quality: the daily indice ATMO of each commune, today's and tomorrow's, from Atmo France / AASQA.

The indice ATMO (arrêté du 10 juillet 2020) rates a commune's air for a day from 1 (bon) to 6 (extrêmement
mauvais), with 0 when it is unavailable and 7 for an exceptional event; each of its sub-indices (NO2, O3,
PM10, PM2.5, SO2) uses the same scale, and the index is the worst of them. Atmo Occitanie publishes it for
every commune each day, with tomorrow's forecast, through Atmo France's Atmo Data API (GeoJSON, one feature
per commune and day, behind an API token: configure it as a secret header of the source). The data are
open under ODbL: every view that shows them says "Atmo France / AASQA".

It is an area layer: the communes are coloured with the official colours and carry their index as text,
so the level never rests on colour alone: a disc at each commune grows with its level. (Text on the map would
need glyphs from a font server, which the offline basemap and the pages' CSP rule out.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dashboard.detail_figures import series_figure
from dashboard.details import (
    WEEK,
    WEEK_BUCKET,
    Inputs,
    Panel,
    bucketed,
    history_ref,
    note,
    place_facts,
    site_series,
    when,
    window,
)
from dashboard.embed_plans import hover_template, points
from dashboard.i18n import CITY_ZONE, city_date, t, zone_label
from dashboard.layers.base import Layer, PanelKind, Tile, TrendLine
from dashboard.map_style import coords
from dashboard.models import FetchResult
from dashboard.rows import BBox, Rejected, Row, count, point, text, timestamp
from dashboard.sources.demo.clock import SimulatedClock
from dashboard.sources.validate import validate_rows
from dashboard.summaries import LayerSummary

NAME = "air_quality"
ATTRIBUTION = "Atmo France / AASQA"


class AtmoIndex(IntEnum):
    """A level of the indice ATMO or of one of its sub-indices."""

    UNAVAILABLE = 0
    GOOD = 1
    FAIR = 2
    DEGRADED = 3
    POOR = 4
    VERY_POOR = 5
    EXTREMELY_POOR = 6
    EVENT = 7


# The official colours of the levels (notice of the indice ATMO, 2021).
COLOURS = {
    AtmoIndex.UNAVAILABLE: "#DDDDDD",
    AtmoIndex.GOOD: "#50F0E6",
    AtmoIndex.FAIR: "#50CCAA",
    AtmoIndex.DEGRADED: "#F0E641",
    AtmoIndex.POOR: "#FF5050",
    AtmoIndex.VERY_POOR: "#960032",
    AtmoIndex.EXTREMELY_POOR: "#872181",
    AtmoIndex.EVENT: "#888888",
}
# The sub-indices, in the order panels and tables show them: (record field, how chemists write it).
POLLUTANTS = (("no2", "NO₂"), ("o3", "O₃"), ("pm10", "PM10"), ("pm25", "PM2.5"), ("so2", "SO₂"))
# The rated levels, worst last: what "the worst commune" compares (unavailable and event are not ratings).
RATED = tuple(level for level in AtmoIndex if AtmoIndex.GOOD <= level <= AtmoIndex.EXTREMELY_POOR)


@dataclass(frozen=True, slots=True)
class AirQualityRecord:
    """One commune's indice ATMO for a day, its sub-indices, and the forecast for the next day."""

    id: str  # the commune's INSEE code
    name: str
    lon: float
    lat: float
    index: AtmoIndex
    valid_on: datetime  # midnight (Europe/Paris) of the day the index is for
    no2: AtmoIndex
    o3: AtmoIndex
    pm10: AtmoIndex
    pm25: AtmoIndex
    so2: AtmoIndex
    tomorrow: AtmoIndex  # tomorrow's forecast; unavailable until it is published
    commune_code: str = ""
    commune: str = ""
    quartier: int | None = None
    quartier_name: str = ""


def level_word(level: int, lang: str) -> str:
    return t(f"air.level.{int(level)}", lang)


# ---------------------------------------------------------------- feeds


def _level(row: Row, name: str) -> AtmoIndex:
    if row.get(name) in (None, ""):
        return AtmoIndex.UNAVAILABLE
    value = count(row, name)
    if value not in AtmoIndex._value2member_map_:
        raise Rejected(f"« {name} » hors de l'échelle de l'indice ATMO (0 à 7) : {value}")
    return AtmoIndex(value)


def air_quality_record(row: Row, now: datetime, bbox: BBox) -> AirQualityRecord:
    """A commune's day from mapped fields: INSEE code, name, point, index, day, sub-indices, tomorrow's index."""
    lon, lat = point(row, bbox)
    if row.get("updated_at") not in (None, ""):
        timestamp(row, "updated_at", now)
    return AirQualityRecord(
        text(row, "id"),
        text(row, "name", text(row, "id")),
        lon,
        lat,
        _level(row, "index"),
        timestamp(row, "valid_on", now),
        *(_level(row, field) for field, _formula in POLLUTANTS),
        _level(row, "tomorrow"),
    )


def _day(value: Any) -> str:
    return str(value or "")[:10]


class TodayAndTomorrow:
    """A feed stage: of each commune's rows (one per day), today's, with tomorrow's index as `tomorrow`.

    The API answers a commune's index for yesterday, today and tomorrow alike; the layer shows today's,
    the latest day that has begun in Toulouse, and keeps the forecast of the day after it.
    """

    def __call__(self, rows: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        today = now.astimezone(CITY_ZONE).date().isoformat()
        by_commune: dict[Any, dict[str, dict[str, Any]]] = {}
        for row in rows:
            by_commune.setdefault(row.get("id"), {})[_day(row.get("valid_on"))] = row
        out = []
        for days in by_commune.values():
            begun = sorted(day for day in days if day <= today)
            if not begun:
                out.extend(days.values())  # validation says why (a day in the future)
                continue
            chosen = dict(days[begun[-1]])
            following = (date.fromisoformat(begun[-1]) + timedelta(days=1)).isoformat() if begun[-1] else ""
            if following in days and chosen.get("tomorrow") in (None, ""):
                chosen["tomorrow"] = days[following].get("index")
            out.append(chosen)
        return out


# The Atmo Data API's GeoJSON (indices ATMO per commune; one feature per commune and day).
FEED_FIELDS = {
    "geojson": {
        "id": "properties.code_zone",
        "name": "properties.lib_zone",
        "index": "properties.code_qual",
        "valid_on": "properties.date_ech",
        "updated_at": "properties.date_maj",
        "no2": "properties.code_no2",
        "o3": "properties.code_o3",
        "pm10": "properties.code_pm10",
        "pm25": "properties.code_pm25",
        "so2": "properties.code_so2",
        "lon": "geometry.coordinates.0",
        "lat": "geometry.coordinates.1",
    },
}


# ---------------------------------------------------------------- summaries


def _worst(levels: Iterable[int]) -> int:
    rated = [int(level) for level in levels if level in RATED]
    return max(rated, default=int(AtmoIndex.UNAVAILABLE))


@dataclass(frozen=True, slots=True)
class AirQualitySummary(LayerSummary):
    """The worst index today and tomorrow (and up to three communes at it), communes per level (by the level's
    number), and each commune's index and sub-indices (drawn over time)."""

    PER_SITE = ("index_by_site", *(f"{pollutant}_by_site" for pollutant, _formula in POLLUTANTS))

    communes: int = 0
    worst: int = 0
    worst_in: tuple[str, ...] = ()
    worst_tomorrow: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    index_by_site: dict[str, int] = field(default_factory=dict)
    no2_by_site: dict[str, int] = field(default_factory=dict)
    o3_by_site: dict[str, int] = field(default_factory=dict)
    pm10_by_site: dict[str, int] = field(default_factory=dict)
    pm25_by_site: dict[str, int] = field(default_factory=dict)
    so2_by_site: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AirQualityAreaSummary(LayerSummary):
    """The communes of one area, their worst index today and tomorrow, and up to three communes at it."""

    communes: int = 0
    worst: int = 0
    worst_in: tuple[str, ...] = ()
    worst_tomorrow: int = 0


def summarise_air_quality(records: Sequence[AirQualityRecord]) -> AirQualitySummary:
    """The worst index today and tomorrow (and where), communes per level, and each commune's (sub-)indices."""
    worst = _worst(r.index for r in records)
    where = sorted(r.name for r in records if r.index == worst and worst)
    return AirQualitySummary(
        communes=len(records),
        worst=worst,
        worst_in=tuple(where[:3]),
        worst_tomorrow=_worst(r.tomorrow for r in records),
        by_level={str(int(level)): sum(r.index == level for r in records) for level in AtmoIndex},
        index_by_site={r.id: int(r.index) for r in records},
        **{
            f"{pollutant}_by_site": {r.id: int(getattr(r, pollutant)) for r in records}
            for pollutant, _formula in POLLUTANTS
        },
    )


def air_quality_in_area(records: Sequence[AirQualityRecord], _now: datetime) -> AirQualityAreaSummary:
    """The communes of one area, their worst index today and tomorrow."""
    worst = _worst(r.index for r in records)
    return AirQualityAreaSummary(
        communes=len(records),
        worst=worst,
        worst_in=tuple(sorted(r.name for r in records if r.index == worst and worst)[:3]),
        worst_tomorrow=_worst(r.tomorrow for r in records),
    )


def _tile(summary: AirQualitySummary, lang: str) -> tuple[str, str]:
    detail = t(
        "air.kpi_detail",
        lang,
        where=", ".join(summary.worst_in) or "—",
        tomorrow=level_word(summary.worst_tomorrow, lang),
    )
    return level_word(summary.worst, lang), detail


# ---------------------------------------------------------------- map


def _colour_scale() -> list[list[Any]]:
    """A stepped colour scale over -0.5 … 7.5: each level exactly its official colour."""
    steps = len(AtmoIndex)
    scale = []
    for level in AtmoIndex:
        scale += [[level / steps, COLOURS[level]], [(level + 1) / steps, COLOURS[level]]]
    return scale


def _hover(record: AirQualityRecord, lang: str) -> str:
    return t(
        "air.hover",
        lang,
        name=record.name,
        level=level_word(record.index, lang),
        index=int(record.index),
        tomorrow=level_word(record.tomorrow, lang),
    )


def disc_size(level: int) -> float:
    """The diameter of a commune's disc: larger for a worse level (a cue besides colour), small when unrated."""
    return 8 + 3 * int(level) if level in RATED else 8


def air_quality_traces(
    records: Sequence[AirQualityRecord], lang: str, outlines: dict[str, Any] | None = None
) -> list[Any]:
    """Two traces: the communes coloured by today's level over their outlines, and a disc on each commune whose
    size grows with the level (the cue that does not rest on colour), in the level's colour.

    Without the communes' outlines (boundaries not configured) the discs alone show the layer.
    """
    title = f"{LAYER.title(lang)} ({ATTRIBUTION})"
    hover = [_hover(r, lang) for r in records]
    ids = [r.id for r in records]
    areas = go.Choroplethmap(
        name=title,
        geojson=outlines if outlines and records else None,
        featureidkey="properties.code",
        locations=[r.commune_code or r.id for r in records],
        z=[int(r.index) for r in records],
        zmin=-0.5,
        zmax=len(AtmoIndex) - 0.5,
        colorscale=_colour_scale(),
        showscale=False,
        marker={"opacity": 0.55, "line": {"width": 0.6, "color": "#5b5b5b"}},
        customdata=ids,
        hovertext=hover,
        hoverinfo="text",
        showlegend=True,
    )
    lon, lat = coords(records)
    discs = go.Scattermap(
        lon=lon,
        lat=lat,
        mode="markers",
        marker={
            "size": [disc_size(r.index) for r in records],
            "color": [COLOURS[r.index] for r in records],
            "opacity": 0.95,
        },
        name=title,
        showlegend=False,
        customdata=ids,
        hovertext=hover,
        hoverinfo="text",
    )
    return [areas, discs]


def _legend(lang: str) -> list[tuple[str, str]]:
    return [(f"{int(level)} — {level_word(level, lang)}", COLOURS[level]) for level in RATED] + [
        (level_word(AtmoIndex.UNAVAILABLE, lang), COLOURS[AtmoIndex.UNAVAILABLE])
    ]


def _embed(lang: str) -> list[dict[str, Any]]:
    hover = hover_template("air.hover", lang, ("name", "level", "index", "tomorrow"))
    fields = [["name", "text"], ["index", "label"], ["index", "text"], ["tomorrow", "label"]]
    levels = {str(int(level)): level_word(level, lang) for level in AtmoIndex}
    return [
        {
            **points(
                str(int(level)),
                f"{int(level)} — {level_word(level, lang)}",
                {"size": 2 * disc_size(level), "color": COLOURS[level], "opacity": 0.9},
                hover,
                fields,
            ),
            "labels": levels,
        }
        for level in AtmoIndex
    ]


# ---------------------------------------------------------------- details


def air_quality_panel(record: AirQualityRecord, inputs: Inputs, lang: str) -> Panel:
    """A commune: today's index and sub-indices, tomorrow's forecast, and the sub-indices over 7 days."""
    facts = [
        (t("air.today", lang), f"{level_word(record.index, lang)} ({int(record.index)})"),
        (t("air.tomorrow", lang), f"{level_word(record.tomorrow, lang)} ({int(record.tomorrow)})"),
        (t("air.valid_on", lang), city_date(record.valid_on, lang)),
        *(
            (formula, f"{level_word(getattr(record, field), lang)} ({int(getattr(record, field))})")
            for field, formula in POLLUTANTS
        ),
        *place_facts(record, lang),
    ]
    end = history_ref(inputs)
    lines = []
    if end:
        for field, formula in (("index", t("air.index", lang)), *POLLUTANTS):
            series = bucketed(window(site_series(inputs.points, f"{field}_by_site", record.id), end, WEEK), WEEK_BUCKET)
            if series:
                lines.append((formula, series, WEEK))
    figure = (
        series_figure(lines, value_label="", ceiling=None, lang=lang, zone=zone_label(end), end=end, overlay=True)
        if lines
        else None
    )
    source = t("air.source", lang, source=ATTRIBUTION)
    return Panel(
        title=record.name,
        subtitle=f"{LAYER.title(lang)} · {when(record.valid_on, lang)}",
        facts=facts,
        figure=figure.to_plotly_json() if figure else None,
        figure_label=t("air.chart", lang, name=record.name),
        timeline_empty="" if lines else t("details.no_history", lang),
        note=f"{note(inputs, lang)} · {source}" if note(inputs, lang) else source,
    )


# ---------------------------------------------------------------- demonstration feed

# The 37 communes of the Métropole: INSEE code, name, a point inside each (from the official boundaries).
COMMUNES = (
    ("31003", "Aigrefeuille", 1.5833, 43.5686),
    ("31022", "Aucamville", 1.4251, 43.6706),
    ("31032", "Aussonne", 1.3248, 43.6836),
    ("31044", "Balma", 1.5035, 43.6102),
    ("31053", "Beaupuy", 1.5556, 43.6521),
    ("31056", "Beauzelle", 1.3707, 43.6681),
    ("31069", "Blagnac", 1.3770, 43.6407),
    ("31088", "Brax", 1.2389, 43.6153),
    ("31091", "Bruguières", 1.4126, 43.7272),
    ("31116", "Castelginest", 1.4347, 43.6985),
    ("31149", "Colomiers", 1.3242, 43.6102),
    ("31150", "Cornebarrieu", 1.3186, 43.6498),
    ("31157", "Cugnaux", 1.3393, 43.5447),
    ("31163", "Drémil-Lafage", 1.6040, 43.5920),
    ("31182", "Fenouillet", 1.3867, 43.6869),
    ("31184", "Flourens", 1.5555, 43.5968),
    ("31186", "Fonbeauzard", 1.4303, 43.6791),
    ("31205", "Gagnac-sur-Garonne", 1.3640, 43.7082),
    ("31230", "Gratentour", 1.4355, 43.7207),
    ("31282", "Launaguet", 1.4569, 43.6679),
    ("31293", "Lespinasse", 1.3819, 43.7179),
    ("31351", "Mondonville", 1.2893, 43.6701),
    ("31352", "Mondouzil", 1.5636, 43.6308),
    ("31355", "Mons", 1.5757, 43.6088),
    ("31389", "Montrabé", 1.5286, 43.6438),
    ("31417", "Pibrac", 1.2581, 43.6241),
    ("31418", "Pin-Balma", 1.5371, 43.6223),
    ("31445", "Quint-Fonsegrives", 1.5364, 43.5808),
    ("31467", "Saint-Alban", 1.4114, 43.6948),
    ("31488", "Saint-Jean", 1.4995, 43.6651),
    ("31490", "Saint-Jory", 1.3547, 43.7398),
    ("31506", "Saint-Orens-de-Gameville", 1.5313, 43.5548),
    ("31541", "Seilh", 1.3582, 43.6917),
    ("31555", "Toulouse", 1.4233, 43.6012),
    ("31557", "Tournefeuille", 1.3348, 43.5739),
    ("31561", "L'Union", 1.4853, 43.6511),
    ("31588", "Villeneuve-Tolosane", 1.3385, 43.5277),
)
# Where traffic keeps nitrogen dioxide up: Toulouse and the communes along the ring road and the airport.
_BUSY = frozenset({"31555", "31069", "31149", "31557", "31044", "31022"})
_OZONE_MONTHS = (6, 7, 8)
_OZONE_HOURS = (13, 20)  # local hours when ozone builds up under a summer sun
_OZONE_PEAK = (15, 16, 17)
_DOWNWIND_OF = 1.45  # longitude east of which the city's plume peaks
_EPISODE_SHARE = 0.3  # summer days with an ozone episode


def _daily(seed: int, day: date, commune: int) -> dict[str, int]:
    """A commune's sub-indices for `day` (their daily base, before the afternoon's ozone)."""
    rng = np.random.default_rng([seed, day.toordinal(), commune])
    winter = day.month in (11, 12, 1, 2)  # wood heating and still air: particles
    code = COMMUNES[commune][0]
    return {
        "no2": int(np.clip(rng.integers(1, 3) + (code in _BUSY) + winter, 1, 4)),
        "o3": int(rng.integers(1, 3)),
        "pm10": int(np.clip(rng.integers(1, 3) + winter, 1, 4)),
        "pm25": int(np.clip(rng.integers(1, 3) + winter * rng.integers(0, 2), 1, 4)),
        "so2": 1,
    }


def _ozone(seed: int, day: date, hour: int, base: int, lon: float) -> int:
    """O3 sub-index at `hour` (local): mauvais on a summer episode's afternoon, très mauvais at its peak
    downwind of the city (the east, under the usual westerly), the base otherwise."""
    episode = day.month in _OZONE_MONTHS and np.random.default_rng([seed, day.toordinal()]).random() < _EPISODE_SHARE
    if not episode or not _OZONE_HOURS[0] <= hour < _OZONE_HOURS[1]:
        return base
    return max(base, 4 + (hour in _OZONE_PEAK and lon > _DOWNWIND_OF))


class DemoAirQualitySource:
    """Plausible indices ATMO for the 37 communes, deterministic in (seed, time), with summer ozone episodes."""

    name = "demo-air-quality"
    layer = NAME
    demo = True

    def __init__(self, seed: int, clock: SimulatedClock) -> None:
        self.seed = seed
        self.clock = clock

    def rows(self, now: datetime) -> list[dict[str, Any]]:
        local = self.clock.sim(now).astimezone(CITY_ZONE)
        today, tomorrow = local.date(), local.date() + timedelta(days=1)
        rows = []
        for number, (code, name, lon, lat) in enumerate(COMMUNES):
            subs = _daily(self.seed, today, number)
            subs["o3"] = _ozone(self.seed, today, local.hour, subs["o3"], lon)
            ahead = _daily(self.seed, tomorrow, number)
            ahead["o3"] = _ozone(self.seed, tomorrow, 16, ahead["o3"], lon)  # a forecast rates the day's worst hour
            rows.append(
                {
                    "id": code,
                    "name": name,
                    "lon": lon,
                    "lat": lat,
                    "index": max(subs.values()),
                    "valid_on": datetime.combine(today, time(), CITY_ZONE).isoformat(),
                    "tomorrow": max(ahead.values()),
                    **subs,
                }
            )
        return rows

    def fetch(self, now: datetime) -> FetchResult:
        return validate_rows(NAME, self.rows(now), self.clock.sim(now))


LAYER = Layer(
    name=NAME,
    title_fr="Qualité de l'air",
    title_en="Air quality",
    order=60,
    draw_order=5,
    record_type=AirQualityRecord,
    # Indices are daily, revised a few times a day; an index older than a day says nothing about today.
    refresh_seconds=900,
    freshness_seconds=6 * 3600,
    public_fields=(
        "id",
        "name",
        "index",
        "valid_on",
        "no2",
        "o3",
        "pm10",
        "pm25",
        "so2",
        "tomorrow",
        "commune_code",
        "commune",
    ),
    summary_type=AirQualitySummary,
    summarise=summarise_air_quality,
    area_summary_type=AirQualityAreaSummary,
    summarise_area=air_quality_in_area,
    formats=frozenset({"geojson"}),
    canonical_fields=frozenset({"id", "name", "lon", "lat", "index", "valid_on", "updated_at", "tomorrow"})
    | {field for field, _formula in POLLUTANTS},
    build=air_quality_record,
    observed_field="updated_at",
    feed_fields=FEED_FIELDS,
    feed_stage=TodayAndTomorrow,
    trace_count=2,
    render=air_quality_traces,
    area_level="commune",
    legend=_legend,
    trend=(TrendLine("worst", "air.worst"),),
    tile=Tile("air.kpi", _tile),
    panel=PanelKind(lambda _layer, record, inputs, lang: air_quality_panel(record, inputs, lang), history=WEEK),
    value_labels={AtmoIndex: "air.level"},
    attribution=ATTRIBUTION,
    public=True,
    public_category=lambda record: str(int(record.index)),
    embed=_embed,
    demo=DemoAirQualitySource,
    colour="#50CCAA",
)
