"""Turning mapped feed rows into canonical records: one set of checks shared by every adapter.

A bad row is rejected with a reason and counted; a feed whose rows mostly lack a required field has
changed its schema, and that fails the whole fetch so the last good snapshot stays on screen.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.layers import LAYERS, Layer
from dashboard.models import FetchResult, Record, ReportPersonal
from dashboard.sources.base import SourceError

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat rectangle that every valid point of a feed falls in."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


METROPOLE = BBox(1.2038, 43.5167, 1.6318, 43.7672)

PARIS = ZoneInfo("Europe/Paris")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

# A clock a few minutes ahead at the publisher is normal; hours ahead is a broken feed.
FUTURE_TOLERANCE = timedelta(minutes=10)

# Above this share of rows missing the same required field, the feed's schema has drifted.
DRIFT_RATIO = 0.5


class Rejected(Exception):
    """One row cannot become a record; the message says why, in French."""


class Missing(Rejected):
    """A required field is absent or empty."""

    def __init__(self, field: str) -> None:
        super().__init__(f"champ « {field} » manquant")
        self.field = field


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
# Spaces that group thousands in French: plain, no-break and narrow no-break.
_SPACES = " \u00a0\u202f"
_LOOKS_NUMERIC = re.compile(rf"[+-]?[\d.,{_SPACES}]*\d[\d.,{_SPACES}]*")


class AmbiguousNumber(ValueError):
    """A number whose only mark could be a decimal comma or a thousands separator ("1,234")."""


@dataclass(frozen=True, slots=True)
class Illegible:
    """A number the feed wrote in a way its source's decimal separator does not read (validation rejects it)."""

    text: str
    decimal: str


def read_number(text: str, decimal: str | None = None) -> float:
    """A number written as text with `decimal` as its decimal mark; the other mark or a space may group thousands.

    Without a `decimal` (a row from no configured source) the last mark is the decimal one, and a lone comma
    before exactly three digits, which could be either, raises AmbiguousNumber. Any other misfit: ValueError.
    """
    value = text.strip()
    if decimal is None:
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", value):
            raise AmbiguousNumber(value)
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
    group = re.escape("," if decimal == "." else ".")
    pattern = rf"(?P<sign>[+-]?)(?P<whole>\d{{1,3}}(?P<g>[{group}{_SPACES}])\d{{3}}(?:(?P=g)\d{{3}})*|\d+)"
    match = re.fullmatch(rf"{pattern}(?:{re.escape(decimal)}(?P<fraction>\d+))?", value)
    if match is None:
        raise ValueError(value)
    whole = re.sub(r"\D", "", match["whole"])
    return float(f"{match['sign']}{whole}.{match['fraction'] or 0}")


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


def required(row: Row, name: str) -> Any:
    value = row.get(name)
    if value is None or value == "":
        raise Missing(name)
    return value


def text(row: Row, name: str, default: str | None = None) -> str:
    value = row.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise Missing(name)
    if isinstance(value, (dict, list, bool)):
        raise Rejected(f"« {name} » n'est pas un texte")
    return str(value).strip()


def number(row: Row, name: str) -> float:
    value = required(row, name)
    if isinstance(value, Illegible):
        raise Rejected(
            f"« {name} » illisible avec le séparateur décimal « {value.decimal} », à préciser par decimal_separator "
            f"(« {value.text[:30]} »)"
        )
    if isinstance(value, bool):
        raise Rejected(f"« {name} » n'est pas un nombre ({value!r})")
    try:
        result = read_number(value) if isinstance(value, str) else float(value)
    except AmbiguousNumber:
        raise Rejected(
            f"« {name} » ambigu (« {value} » : virgule décimale ou séparateur de milliers ?), "
            "à préciser par decimal_separator"
        ) from None
    except (TypeError, ValueError):
        raise Rejected(f"« {name} » n'est pas un nombre ({str(value)[:30]!r})") from None
    if not math.isfinite(result):
        raise Rejected(f"« {name} » n'est pas un nombre fini")
    return result


def count(row: Row, name: str) -> int:
    value = number(row, name)
    if value < 0 or value != int(value):
        raise Rejected(f"« {name} » n'est pas un entier positif ({value:g})")
    return int(value)


def timestamp(row: Row, name: str, now: datetime) -> datetime:
    value = required(row, name)
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
            # A day without a time (a dataset's « date_maj »): its start, in the Métropole's time zone.
            when = datetime.combine(date.fromisoformat(value.strip()), time(), PARIS)
        else:
            when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError):
        raise Rejected(f"« {name} » n'est pas une date ({str(value)[:30]!r})") from None
    if when.tzinfo is None:
        raise Rejected(f"« {name} » sans fuseau horaire ({value})")
    if when > now + FUTURE_TOLERANCE:
        raise Rejected(f"« {name} » dans le futur ({value})")
    return when.astimezone(UTC)


def point(row: Row, bbox: BBox) -> tuple[float, float]:
    """The row's (lon, lat), checked to be inside `bbox`; swapped coordinates get their own reason."""
    lon, lat = number(row, "lon"), number(row, "lat")
    if bbox.contains(lon, lat):
        return lon, lat
    if bbox.contains(lat, lon):
        raise Rejected(f"latitude et longitude inversées ({lon:.4f}, {lat:.4f})")
    raise Rejected(f"hors de la zone couverte ({lon:.4f}, {lat:.4f})")


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
