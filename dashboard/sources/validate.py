"""Turning mapped feed rows into canonical records: one set of checks shared by every adapter (the readers of
one field, which the layers' record builders use too, are in dashboard.rows).

A bad row is rejected with a reason and counted; a feed whose rows mostly lack a required field has
changed its schema, and that fails the whole fetch so the last good snapshot stays on screen.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dashboard.layers import LAYERS, Layer
from dashboard.models import FetchResult, Record, ReportPersonal
from dashboard.rows import (
    GROUP_SPACES,
    BBox,
    Illegible,
    Missing,
    Rejected,
    Row,
    read_number,
    timestamp,
)
from dashboard.sources.base import SourceError

METROPOLE = BBox(1.2038, 43.5167, 1.6318, 43.7672)

# Above this share of rows missing the same required field, the feed's schema has drifted.
DRIFT_RATIO = 0.5


def pick(row: Any, path: str) -> Any:
    """The value at a dotted `path` in nested dicts and lists; a JSON string on the way is decoded."""
    value = row
    for part in path.split("."):
        if isinstance(value, str) and value[:1] in "{[":
            try:
                value = json.loads(value)  # some portals re-encode nested objects as JSON text
            except ValueError:
                return None
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def apply_mapping(row: Any, fields: Mapping[str, str]) -> dict[str, Any]:
    """The canonical fields of one feed row, read through a {canonical name: feed path} mapping."""
    return {name: pick(row, path) for name, path in fields.items()}


# Canonical fields read as numbers: a feed's text in them is read with the source's decimal separator.
NUMERIC_FIELDS = frozenset(
    {
        "lon",
        "lat",
        "capacity",
        "occupied",
        "free",
        "power_kw",
        "power_w",
        "energy_kwh",
        "typical_kw",
        "typical_mwh_year",
        "bikes_available",
        "docks_available",
    }
)
_LOOKS_NUMERIC = re.compile(rf"[+-]?[\d.,{GROUP_SPACES}]*\d[\d.,{GROUP_SPACES}]*")


def read_numbers(row: dict[str, Any], decimal: str) -> dict[str, Any]:
    """`row` with the text of its numeric fields read as numbers with `decimal`, or marked Illegible."""
    out = dict(row)
    for name in NUMERIC_FIELDS & out.keys():
        value = out[name]
        if isinstance(value, str) and _LOOKS_NUMERIC.fullmatch(value.strip()):
            try:
                out[name] = read_number(value, decimal)
            except ValueError:
                out[name] = Illegible(value.strip(), decimal)
    return out


def _newer(layer: Layer, row: Row, now: datetime, newest: datetime | None) -> datetime | None:
    """`newest`, or the row's observation time if it is later (see Layer.observed_field)."""
    name = layer.observed_field
    if name is None or row.get(name) in (None, ""):
        return newest
    try:
        when = timestamp(row, name, now)
    except Rejected:
        return newest
    return when if newest is None else max(newest, when)


_NAME_NOISE = frozenset({"parking", "parc", "relais", "p", "r", "de", "du", "des", "la", "le", "les", "l", "d"})


def name_key(value: Any) -> str:
    """A name reduced for matching two feeds: no accents, case, punctuation or words like « parking »."""
    letters = (c for c in unicodedata.normalize("NFKD", str(value or "")) if not unicodedata.combining(c))
    plain = "".join(c if c.isalnum() else " " for c in letters).lower()  # d’Arc and d'Arc both give d arc
    words = [w for w in re.split(r"[^a-z0-9]+", plain) if w and w not in _NAME_NOISE]
    return " ".join(words)


def validate_rows(
    layer: str, rows: Iterable[Row], now: datetime, *, bbox: BBox = METROPOLE, fetched_at: datetime | None = None
) -> FetchResult:
    """Valid records of `layer` from mapped rows, with a reason per rejected row; SourceError on schema drift.

    The result's time is `fetched_at` when the feed dates itself as a whole (GBFS `last_updated`), else the
    newest observation time of the valid rows (see Layer.observed_field), else `now`.
    """
    definition = LAYERS[layer]
    build, build_personal = definition.build, definition.build_personal
    personal: dict[str, ReportPersonal] = {}
    records: list[Record] = []
    rejected: list[str] = []
    missing: Counter[str] = Counter()
    seen: set[str] = set()
    newest: datetime | None = None  # kept as rows go by: a large feed's accepted rows are not all held
    total = 0
    for row in rows:
        total += 1
        label = str(row.get("id") or f"n°{total}")
        try:
            record = build(row, now, bbox)
        except Missing as err:
            missing[err.field] += 1
            rejected.append(f"{label} : {err}")
            continue
        except Rejected as err:
            rejected.append(f"{label} : {err}")
            continue
        if record.id in seen:
            rejected.append(f"{label} : identifiant en double")
            continue
        seen.add(record.id)
        records.append(record)
        newest = _newer(definition, row, now, newest)
        if build_personal and (details := build_personal(row)):
            personal[record.id] = details
    if missing:
        field, absent = missing.most_common(1)[0]
        if absent > total * DRIFT_RATIO:
            raise SourceError(f"format du flux modifié : champ « {field} » absent de {absent} lignes sur {total}")
    when = fetched_at or (min(newest, now) if newest is not None else now)
    return FetchResult(records=tuple(records), fetched_at=when, rejected=tuple(rejected), personal=personal)
