"""Reading one field of a feed row: the pure readers every layer's record builder and every feed adapter share.

Each reader returns the field as the canonical type (text, number, count, time, point) or raises Rejected with
the reason, in French, that the row's rejection will carry. Nothing here knows a layer or a feed format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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


PARIS = ZoneInfo("Europe/Paris")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

# A clock a few minutes ahead at the publisher is normal; hours ahead is a broken feed.
FUTURE_TOLERANCE = timedelta(minutes=10)


class Rejected(Exception):
    """One row cannot become a record; the message says why, in French."""


class Missing(Rejected):
    """A required field is absent or empty."""

    def __init__(self, field: str) -> None:
        super().__init__(f"champ « {field} » manquant")
        self.field = field


# Spaces that group thousands in French: plain, no-break and narrow no-break.
GROUP_SPACES = " \u00a0\u202f"


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
    pattern = rf"(?P<sign>[+-]?)(?P<whole>\d{{1,3}}(?P<g>[{group}{GROUP_SPACES}])\d{{3}}(?:(?P=g)\d{{3}})*|\d+)"
    match = re.fullmatch(rf"{pattern}(?:{re.escape(decimal)}(?P<fraction>\d+))?", value)
    if match is None:
        raise ValueError(value)
    whole = re.sub(r"\D", "", match["whole"])
    return float(f"{match['sign']}{whole}.{match['fraction'] or 0}")


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
