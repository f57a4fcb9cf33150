"""Figures per area (commune or quartier), from records already located by the collector (pure; no geopandas)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.i18n import t
from dashboard.layers import Layer
from dashboard.models import Record
from dashboard.summaries import LayerSummary

LEVELS = ("commune", "quartier")
# A layer's figures per level, per area code (each its `area_summary_type`), as the collector stores them.
AreaTotals = dict[str, dict[str, LayerSummary]]


@dataclass(frozen=True, slots=True)
class Geography:
    """What pages and the API know of the boundaries: (code, name) per level, map outlines, or why there are none."""

    areas: dict[str, tuple[tuple[str, str], ...]]
    outlines: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str = ""


def known_areas(geography: Geography) -> tuple[list[str], list[str]]:
    """The commune codes and quartier codes a filter may name (none of a level whose boundaries are not loaded)."""
    return (
        [code for code, _name in geography.areas.get("commune", ())],
        [code for code, _name in geography.areas.get("quartier", ())],
    )


def unavailable_note(geography: Geography, lang: str, level: str = "commune") -> str:
    """Why figures per area of `level` cannot be shown, in `lang`; '' when they can."""
    if level in geography.areas:
        return ""
    if geography.areas:
        reason = t("geo.level_not_configured", lang, level=level)
    else:
        reason = geography.problem or t("geo.not_configured", lang)
    return t("geo.unavailable", lang, reason=reason)


def area_code(record: Record, level: str) -> str:
    """The code of the area of `level` a located record lies in ('' when it lies in none)."""
    if level == "commune":
        return record.commune_code
    return str(record.quartier) if record.quartier else ""


def area_totals(
    layer: Layer, records: Sequence[Record], areas: dict[str, tuple[tuple[str, str], ...]], now: datetime
) -> AreaTotals:
    """Per level, per area code: the layer's figures for the records inside it (every area listed, empty ones too)."""
    out: AreaTotals = {}
    for level, known in areas.items():
        grouped: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            grouped[area_code(record, level)].append(record)
        out[level] = {code: layer.summarise_area(grouped.get(code, []), now) for code, _name in known}
    return out


def merge_areas(
    level: str, known: tuple[tuple[str, str], ...], per_layer: dict[str, AreaTotals | None]
) -> list[dict[str, Any]]:
    """One row per area: code, name and each layer's figures in their stored form, with their schema number (None
    for a layer with no figures for that area yet)."""
    rows = []
    for code, name in known:
        row: dict[str, Any] = {"code": code, "name": name}
        for layer, totals in per_layer.items():
            figures = (totals or {}).get(level, {}).get(code)
            row[layer] = figures.to_stored() if figures is not None else None
        rows.append(row)
    return rows
