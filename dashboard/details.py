"""The details panel of one map record, as plain data: history turned into series, trails and timelines.

Pure code: the callers read the snapshot, the history and the record's timeline from the store and pass
them in; the panel comes back JSON-ready (texts, facts, timeline, figure) so it can be cached per version.
One builder per layer where a specific panel helps; any other layer gets the generic one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import pandas as pd

from dashboard.data_loss import history_note
from dashboard.detail_figures import series_figure
from dashboard.i18n import CITY_ZONE, MESSAGES, city_time, number, t, zone_label
from dashboard.layers import LAYERS, PanelKind
from dashboard.models import (
    PERSONAL_FIELDS,
    Record,
    ReportPersonal,
)
from dashboard.summaries import LayerSummary

# (source time, summary) of one history entry, oldest first.
Point = tuple[datetime, LayerSummary]
# (time, value) of one series.
Series = list[tuple[datetime, float]]

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
# Enough points to draw a day or a week smoothly, few enough to send to a phone.
DAY_BUCKET = timedelta(minutes=5)
WEEK_BUCKET = timedelta(hours=1)


class TimelineChange(Protocol):
    """One change of a record's value, as the store keeps it (dashboard.store.TimelineEntry)."""

    value: str
    previous: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a panel is built from, besides the record: the layer's history and the record's timeline."""

    points: Sequence[Point] = ()
    timeline: Sequence[TimelineChange] = ()
    as_of: datetime | None = None  # source time of the snapshot the record comes from
    personal: ReportPersonal | None = None  # read by id for the managers' panel only
    history_start: datetime | None = None  # the layer's oldest history entry still kept


@dataclass(frozen=True, slots=True)
class Panel:
    """What the details panel shows, JSON-ready: every text already in the viewer's language."""

    title: str
    subtitle: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    timeline_title: str = ""
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (time text, what happened)
    timeline_empty: str = ""
    figure: dict[str, Any] | None = None
    figure_label: str = ""  # what the chart shows, for screen readers
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (label, link text, http(s) URL)
    note: str = ""  # e.g. the data's time
    history_note: str = ""  # when history begins inside the chart's window (Redis lost its data, or just started)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------- history -> series


def site_series(points: Sequence[Point], name: str, record_id: str) -> Series:
    """The values of the record's site in the per-site field `name` of the summaries over time, where they have one.

    `name` must be one of the summary type's PER_SITE fields (ValueError otherwise).
    """
    out: Series = []
    for moment, summary in points:
        if name not in type(summary).PER_SITE:
            raise ValueError(f"{type(summary).__name__} has no per-site field {name!r}")
        value = getattr(summary, name).get(record_id)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((moment, float(value)))
    return out


def window(series: Series, end: datetime, span: timedelta) -> Series:
    """The part of a series within `span` before `end`."""
    start = end - span
    return [(moment, value) for moment, value in series if start <= moment <= end]


def bucketed(series: Series, width: timedelta) -> Series:
    """Means per bucket of `width` (aligned on the city's clock), each at its bucket's start; empty buckets left out."""
    if not series:
        return []
    index = pd.DatetimeIndex([moment for moment, _value in series]).tz_convert(CITY_ZONE)
    means = pd.Series([value for _moment, value in series], index=index).sort_index().resample(width).mean().dropna()
    return [(moment.to_pydatetime(), float(value)) for moment, value in means.items()]


def day_start(moment: datetime) -> datetime:
    """Midnight of `moment`'s day in the city's zone."""
    local = moment.astimezone(CITY_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Stay:
    """One place a Nacelle stood at (or went to), since when, and its status on arrival."""

    place: str
    arrived: datetime
    status: str
    lon: float
    lat: float


def positions(summary: LayerSummary) -> dict[str, Any] | None:
    """Each record's [lon, lat, status, place] in a summary, if its type keeps positions (its POSITIONS field)."""
    name = type(summary).POSITIONS
    return getattr(summary, name) if name else None


def trail(points: Sequence[Point], record_id: str) -> list[Stay]:
    """A Nacelle's places in order, each with its arrival time, from the positions kept in history."""
    stays: list[Stay] = []
    for moment, summary in points:
        position = (positions(summary) or {}).get(record_id)
        if not position or len(position) < 4:
            continue
        lon, lat, status, place = position[:4]
        if stays and stays[-1].place == place and (stays[-1].lon, stays[-1].lat) == (lon, lat):
            continue
        stays.append(Stay(place=str(place), arrived=moment, status=str(status), lon=float(lon), lat=float(lat)))
    return stays


def per_site_fields(points: Sequence[Point], record_id: str) -> list[str]:
    """The summary's per-site fields (its type's PER_SITE) that mention the record in the newest point, in order."""
    if not points:
        return []
    summary = points[-1][1]
    return [name for name in type(summary).PER_SITE if record_id in getattr(summary, name)]


# ---------------------------------------------------------------- digests of history

# History is read for the panels as digests of this many minutes: a digest of a window that is over never
# changes, so it is computed once and shared, and a panel only reads the entries of the window in progress.
DIGEST_WIDTH = timedelta(minutes=5)


def digest(points: Sequence[Point]) -> dict[str, Any]:
    """What the panels need of a window of history: each per-site number's mean, and each change of positions.

    A JSON-ready dict: `schema` (of the summaries), `at` (mean source time), `means` {per-site field: {site: mean}},
    `moves` [[time, positions]] with the positions at the window's first entry and at every entry where they
    changed. Empty without points.
    """
    if not points:
        return {}
    sums: dict[str, dict[str, list[float]]] = {}
    moves: list[list[Any]] = []
    for moment, summary in points:
        for name in type(summary).PER_SITE:
            per_site = sums.setdefault(name, {})
            for site, value in getattr(summary, name).items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    per_site.setdefault(site, []).append(float(value))
        where = positions(summary)
        if where is not None and (not moves or moves[-1][1] != where):
            moves.append([moment.isoformat(), where])
    mean_time = datetime.fromtimestamp(sum(m.timestamp() for m, _s in points) / len(points), points[0][0].tzinfo)
    return {
        "schema": points[-1][1].SCHEMA,
        "at": mean_time.isoformat(),
        "means": {
            key: {site: round(sum(values) / len(values), 2) for site, values in per_site.items()}
            for key, per_site in sums.items()
        },
        "moves": moves,
    }


def undigest(digests: Sequence[dict[str, Any]], summary_type: type[LayerSummary]) -> list[Point]:
    """Points to build panels from, out of digests in time order: one point of means per digest, and the moves.

    Each point is a summary of `summary_type` holding only what the digest kept (its other fields at their
    defaults), read like a stored summary: a digest made under an older schema goes through its migrations.
    """
    points: list[Point] = []
    for item in digests:
        if not item:
            continue
        schema = item.get("schema", 1)
        moved = summary_type.POSITIONS
        if moved:
            points.extend(
                (datetime.fromisoformat(moment), summary_type.from_stored({"schema": schema, moved: where}))
                for moment, where in item["moves"]
            )
        means = summary_type.from_stored({"schema": schema, **item["means"]})
        points.append((datetime.fromisoformat(item["at"]), means))
    points.sort(key=lambda point: point[0])
    return points


# ---------------------------------------------------------------- panels


def when(moment: datetime, lang: str) -> str:
    return f"{city_time(moment, lang, with_date=True)} ({zone_label(moment)})"


def note(inputs: Inputs, lang: str) -> str:
    return t("details.as_of", lang, time=when(inputs.as_of, lang)) if inputs.as_of else ""


def label(key: str, lang: str) -> str:
    """A field's label: translated when the catalogue has it, the field's own name otherwise."""
    entry = MESSAGES.get(f"field.{key}")
    return t(f"field.{key}", lang) if entry else key.replace("_", " ")


def translated(prefix: str, value: str, lang: str) -> str:
    return t(f"{prefix}.{value}", lang) if f"{prefix}.{value}" in MESSAGES else value


def place_facts(record: Record, lang: str) -> list[tuple[str, str]]:
    facts = []
    if record.commune:
        facts.append((label("commune", lang), record.commune))
    if record.quartier_name:
        facts.append((label("quartier_name", lang), record.quartier_name))
    return facts


def subtitle(layer: str, lang: str) -> str:
    return LAYERS[layer].title(lang) if layer in LAYERS else layer


def history_ref(inputs: Inputs) -> datetime | None:
    """The data clock: the snapshot's time, or the newest history entry's."""
    if inputs.as_of:
        return inputs.as_of
    return inputs.points[-1][0] if inputs.points else None


def is_web_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) URL: the only kind of link the panel opens."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


_GENERIC_HIDDEN = PERSONAL_FIELDS | {"id", "lon", "lat", "commune_code", "quartier"}


def _shown_value(value: Any, lang: str) -> str:
    if isinstance(value, datetime):
        return when(value, lang)
    if isinstance(value, bool):
        return t("details.yes" if value else "details.no", lang)
    if isinstance(value, int | float):
        return number(value, lang, 0 if isinstance(value, int) or float(value).is_integer() else 1)
    return str(getattr(value, "value", value))


def generic_panel(layer: str, record: Any, inputs: Inputs, lang: str) -> Panel:
    """Any other layer: the record's fields as a list, and its per-site numbers over the last 24 hours."""
    facts = [
        (label(f.name, lang), _shown_value(getattr(record, f.name), lang))
        for f in dataclasses.fields(record)
        if f.name not in _GENERIC_HIDDEN and getattr(record, f.name) not in ("", None)
    ]
    end = history_ref(inputs)
    lines = []
    if end:
        for name in per_site_fields(inputs.points, record.id):
            day = bucketed(window(site_series(inputs.points, name, record.id), end, DAY), DAY_BUCKET)
            if day:
                lines.append((label(name.removesuffix("_by_site"), lang), day, DAY))
    name = getattr(record, "name", "") or record.id
    figure = (
        series_figure(lines, value_label="", ceiling=None, lang=lang, zone=zone_label(end), end=end, overlay=True)
        if lines
        else None
    )
    return Panel(
        title=str(name),
        subtitle=subtitle(layer, lang),
        facts=facts,
        figure=figure.to_plotly_json() if figure else None,
        figure_label=t("details.generic_chart", lang, name=name),
        note=note(inputs, lang),
    )


GENERIC = PanelKind(generic_panel, history=DAY)


def panel_kind(layer: str) -> PanelKind:
    """How the panel of a record of `layer` is built (the generic panel for layers without their own)."""
    kind = LAYERS[layer].panel if layer in LAYERS else None
    return kind or GENERIC


def records_by_id(records: Sequence[Record]) -> dict[str, Record]:
    """The records by id: a click names one record among thousands (kept per version by dashboard.snapshots)."""
    return {record.id: record for record in records}


def build_panel(layer: str, record: Any, inputs: Inputs, lang: str) -> Panel:
    """The panel of one record of `layer`, saying so when its history begins inside the chart's window."""
    kind = panel_kind(layer)
    panel = kind.build(layer, record, inputs, lang)
    end = history_ref(inputs)
    if not kind.history or end is None:
        return panel
    return dataclasses.replace(panel, history_note=history_note(inputs.history_start, end, kind.history, lang))


def gone_panel(layer: str, lang: str) -> Panel:
    """What the panel says when the clicked record is no longer in the data (or never was)."""
    return Panel(title=t("details.gone_title", lang), subtitle=subtitle(layer, lang), note=t("details.gone", lang))


def unavailable_panel(lang: str) -> Panel:
    """What the panel says when the data cannot be read right now."""
    return Panel(title=t("details.region", lang), subtitle="", note=t("details.unavailable", lang))


MAX_ID_LENGTH = 200


def clicked_record(click: Any, layer_of_trace: dict[int, str]) -> dict[str, str] | None:
    """{'layer', 'id'} of the point clicked on the map (Plotly's clickData), or None when it is not a record.

    Every layer's traces carry the record id as `customdata` (alone, or first of a list); the trace's index
    tells the layer. Anything else (an area of the shading, malformed data) is not a record.
    """
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    point = points[0]
    layer = layer_of_trace.get(point.get("curveNumber")) if isinstance(point.get("curveNumber"), int) else None
    custom = point.get("customdata")
    record_id = custom[0] if isinstance(custom, list) and custom else custom
    if layer is None or not isinstance(record_id, str) or not 0 < len(record_id) <= MAX_ID_LENGTH:
        return None
    return {"layer": layer, "id": record_id}
