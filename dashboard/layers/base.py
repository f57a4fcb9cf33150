"""What a map layer is: one `Layer` object holding everything the rest of the code needs to know about it.

A layer module (dashboard/layers/<name>.py) builds one `Layer` named `LAYER`; the registry (dashboard.layers)
finds it. Feeds, the store, figures, tiles, tables, details, the public side and the wall read a layer only
through these fields and hooks, so none of them names a layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dashboard.alarm_rules import AlarmKind
from dashboard.summaries import LayerSummary

# What a layer's `summarise` returns: an instance of the layer's `summary_type`.
Summary = LayerSummary
# Where a record is, filled by the collector's spatial join: public for every layer that publishes its records.
PLACE_FIELDS = ("commune_code", "commune", "quartier", "quartier_name")
Row = Mapping[str, Any]
# Map traces of a layer's records, in a language: a fixed number of them (the layer's `trace_count`).
Renderer = Callable[[Sequence[Any], str], list[Any]]
# Entries of the map legend drawn by the page: (label, CSS colour or gradient).
Legend = Callable[[str], list[tuple[str, str]]]


# Where a viewer looks on the map: (west, south, east, north) in degrees.
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class MapScale:
    """How much of the city a map shows: the whole of it (the wall, a first draw), or the points of an area.

    `settled`: records that need nothing more (a closed report) are drawn too; they are left out otherwise.
    """

    points: Bounds | None = None
    settled: bool = False


@dataclass(frozen=True, slots=True)
class CityScale:
    """A layer with city-scale numbers of points (Layer.city_scale): counted per cell on the whole city, drawn
    point by point from `points_zoom` on, within the area looked at.

    `cells(records, lang, settled)` and `points(records, positions, lang, settled)` both draw the layer's
    `trace_count` traces; `positions` are the records' places in the version's order, which the points carry so
    that a click finds its record on the server (dashboard.figures.record_at). `is_settled` tells the records
    that are left out unless the viewer asks for them, with the check box labelled by the message `settled_key`.
    """

    points_zoom: float
    settled_key: str
    cells: Callable[[Sequence[Any], str, bool], list[Any]]
    points: Callable[[Sequence[Any], Sequence[int], str, bool], list[Any]]
    is_settled: Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Tile:
    """A layer's KPI tile: the message key of its label, and (headline value, line of detail) from the layer's
    summary (an instance of its `summary_type`)."""

    label_key: str
    compute: Callable[[Summary, str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PanelKind:
    """How a layer's details panel is built (dashboard.details), and what it reads: the layer's `history` over
    that span, the record's `timeline`, its `personal` fields (managers only)."""

    build: Callable[[str, Any, Any, str], Any]  # (layer, record, details.Inputs, lang) -> details.Panel
    history: timedelta = timedelta(0)
    timeline: bool = False
    personal: bool = False


@dataclass(frozen=True, slots=True)
class TrendLine:
    """One line of a layer's trend sparkline: the summary field it draws, the message key naming it, its style."""

    attribute: str
    label_key: str
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Layer:
    """One map layer: names, timing, records, validation, summaries and how every page shows it."""

    name: str
    title_fr: str
    title_en: str
    # Where the layer comes in lists, tiles and legends (lower first), and on the map (lower drawn first, below).
    order: int
    draw_order: int
    record_type: type
    refresh_seconds: float
    freshness_seconds: float
    public_fields: tuple[str, ...]
    # The layer's summary of its records, an instance of `summary_type` (stored with each version, kept in
    # history), and its figures for the records of one area, an instance of `area_summary_type` (stored with the
    # current version only).
    summary_type: type[LayerSummary]
    summarise: Callable[[Sequence[Any]], LayerSummary]
    area_summary_type: type[LayerSummary]
    summarise_area: Callable[[Sequence[Any], datetime], LayerSummary]
    # Feeds: the formats that can fill the layer, the canonical names a field mapping may set, how a mapped
    # row becomes a record (row, now, bbox), and the statuses a source's `statuses` table may translate to.
    formats: frozenset[str]
    canonical_fields: frozenset[str]
    build: Callable[[Row, datetime, Any], Any]
    statuses: frozenset[str] = frozenset()
    # How each format's feeds name the layer's fields by default (format -> canonical name -> path in a row),
    # and the words feeds use for its statuses (lower case -> canonical); a source's configuration adds to both.
    feed_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    feed_statuses: Mapping[str, str] = field(default_factory=dict)
    # A stage every mapped row goes through before validation, made once per source (it may keep state).
    feed_stage: Callable[[], Callable[[Iterable[dict[str, Any]], datetime], Iterable[dict[str, Any]]]] | None = None
    # The field that dates a measurement: the newest one is the snapshot's time (None: the fetch's time).
    observed_field: str | None = None
    # Personal fields of a row, kept apart from the records (managers only), if the layer has any.
    build_personal: Callable[[Row], Any] | None = None
    # Map: `trace_count` traces drawn by `render`, named in `legend`; the trend's lines; the KPI tile.
    trace_count: int = 1
    render: Renderer | None = None
    # An area layer: its records are areas of this level (their `commune_code`), and `render` gets the level's
    # outlines (GeoJSON) as a third argument to colour them.
    area_level: str | None = None
    # Too many points to draw them all at once: how the map draws the layer instead (its `render` then draws the
    # whole city as `city_scale.cells` does, without the settled records).
    city_scale: CityScale | None = None
    legend: Legend | None = None
    trend: tuple[TrendLine, ...] = ()
    tile: Tile | None = None
    # The details panel (None: the generic one) and the message prefix naming each enumeration's values.
    panel: PanelKind | None = None
    value_labels: Mapping[type, str] = field(default_factory=dict)
    # The layer's demonstration feed: a source built from (seed, simulated clock), for `make run` and the tests.
    demo: Callable[[int, Any], Any] | None = None
    # The kinds of threshold alarm rule the layer offers (dashboard.alarm_rules), each with its default rule.
    alarm_kinds: tuple[AlarmKind, ...] = ()
    # Who publishes the data, said on every view that shows them (map legend, panels, embeds, public files).
    attribution: str = ""
    # The colour that marks the layer on the wall (its highlight's border).
    colour: str = "#888888"
    # May be embedded on the public site and served by /api/v1/public/ (through dashboard.public only).
    public: bool = False
    # Public locations snap to a grid of this many degrees (None: exact, for sites that are public places).
    public_grid_degrees: float | None = None
    # The managers' status, category and time-window filters describe this layer's records (one layer does), and
    # its per-area `open` count shades the communes or quartiers on the managers' map (one layer does).
    criteria: bool = False
    shades_areas: bool = False
    # The public sees counts per cell, open and closed apart, never points: whether a record counts as open.
    public_open: Callable[[Any], bool] | None = None
    # Which of the embed's traces a public point falls in (sent as its `category`), and the embed's traces
    # (dashboard.embed_plans) in a language; a layer counted per cell has the cells' trace instead.
    public_category: Callable[[Any], str] | None = None
    embed: Callable[[str], list[dict[str, Any]]] | None = None
    # Records whose changes are kept one by one (each record's timeline): (value, when it changed) of a record.
    timeline: Callable[[Any], tuple[str, datetime]] | None = None

    def __post_init__(self) -> None:
        """Refuse a layer whose trend lines, per-site series or area shading name fields its summaries lack."""
        self.summary_type.check_declarations()
        self.area_summary_type.check_declarations()
        fields = set(self.summary_type.field_names())
        unknown = [line.attribute for line in self.trend if line.attribute not in fields]
        if unknown:
            raise ValueError(f"layer {self.name!r}: trend lines of fields not in its summary: {', '.join(unknown)}")
        if self.shades_areas and "open" not in self.area_summary_type.field_names():
            raise ValueError(f"layer {self.name!r} shades areas by their `open` count, which its area summary lacks")

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr
