"""A layer fed by one live feed joined to reference feeds read less often (capacities, annual consumption).

Each live row is matched against the references in their configured order; the first reference holding
a match fills in the fields the live row lacks (live values win). A match is by identifier (`on = "id"`),
by name (`on = "name"` or any other canonical field, compared without accents, case, punctuation or words
like « parking »), or by position (`on = "nearest"`, the closest reference point within `max_distance_m`).
A live row that matches nothing is rejected with its reason when a reference is `required`, and passes on
unchanged otherwise. A reference is read again once its `refresh` has passed; while it cannot be read, the
copy read last is used, and with no copy at all the fetch fails so the last good snapshot stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pyproj import Transformer

from dashboard.models import FetchResult
from dashboard.sources.base import SourceError
from dashboard.sources.mapped import MappedFeed
from dashboard.sources.validate import name_key, validate_rows

_TO_LAMBERT93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)  # metres, for distances


@dataclass(frozen=True, slots=True)
class Reference:
    """A feed joined to the live one: how rows match, how often it is read, and whether a match is required."""

    source: MappedFeed
    on: str = "id"
    refresh: timedelta = timedelta(days=1)
    max_distance_m: float = 150.0
    required: bool = True


class _Index:
    """One reference's rows, ready to be matched by key or by position."""

    def __init__(self, reference: Reference, rows: list[dict[str, Any]]) -> None:
        self.reference = reference
        self.rows = rows
        self.by_key: dict[str, dict[str, Any]] = {}
        self.points: np.ndarray = np.empty((0, 2))
        self.point_rows: list[dict[str, Any]] = []
        if reference.on == "nearest":
            located = [(row, _metres(row)) for row in rows]
            self.point_rows = [row for row, xy in located if xy is not None]
            self.points = np.array([xy for _row, xy in located if xy is not None]).reshape(-1, 2)
        else:
            for row in rows:
                key = _key(row, reference.on)
                if key:
                    self.by_key.setdefault(key, row)  # the first row of a key wins: order the reference if needed

    def match(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if self.reference.on != "nearest":
            key = _key(row, self.reference.on)
            return self.by_key.get(key) if key else None
        xy = _metres(row)
        if xy is None or not len(self.points):
            return None
        distances = np.hypot(*(self.points - np.array(xy)).T)
        best = int(np.argmin(distances))
        return self.point_rows[best] if distances[best] <= self.reference.max_distance_m else None


def _key(row: dict[str, Any], on: str) -> str:
    value = row.get(on)
    if value in (None, ""):
        return ""
    return str(value).strip() if on == "id" else name_key(value)


def _metres(row: dict[str, Any]) -> tuple[float, float] | None:
    try:
        lon, lat = float(row["lon"]), float(row["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return None
    return _TO_LAMBERT93.transform(lon, lat)


def merge(live: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """The reference's values under the live row's: live values win, the reference fills what is missing."""
    return {
        **{k: v for k, v in reference.items() if v not in (None, "")},
        **{k: v for k, v in live.items() if v not in (None, "")},
    }


class JoinedSource:
    """The live feed `primary`, each row completed from `references`; validated as the layer's records."""

    demo = False

    def __init__(self, primary: MappedFeed, references: Sequence[Reference]) -> None:
        self.primary = primary
        self.name = primary.name
        self.layer = primary.layer
        self.references = tuple(references)
        self._read: dict[int, tuple[datetime, _Index]] = {}
        # Told about as the live feed: its format, address, parameters and field names.
        self.format = primary.format
        self.url = primary.url
        self.params = primary.params
        self.fields = primary.fields

    @property
    def bytes_received(self) -> int:
        """Bytes read so far from the live feed and every reference."""
        clients = {id(feed.client): feed.client for feed in (self.primary, *(r.source for r in self.references))}
        return sum(client.bytes_received for client in clients.values())

    def fetch(self, now: datetime) -> FetchResult:
        """The live rows joined to the references, validated; unmatched live rows counted as rejected."""
        live = self.primary.rows(now)
        indexes = [self._index(position, now) for position in range(len(self.references))]
        required = any(reference.required for reference in self.references)
        joined: list[dict[str, Any]] = []
        unmatched: list[str] = []
        for number, row in enumerate(live, 1):
            match = next((m for m in (index.match(row) for index in indexes) if m is not None), None)
            if match is not None:
                joined.append(merge(row, match))
            elif required:
                unmatched.append(f"{row.get('id') or f'n°{number}'} : {self._no_match(row)}")
            else:
                joined.append(row)
        result = validate_rows(self.layer, joined, now, bbox=self.primary.bbox)
        return replace(result, rejected=(*result.rejected, *unmatched))  # a bad value says more than a miss

    def _no_match(self, row: dict[str, Any]) -> str:
        tried = ", ".join(f"{r.source.name} par {_criterion(r, row)}" for r in self.references)
        return f"aucune correspondance dans les références ({tried})"

    def _index(self, position: int, now: datetime) -> _Index:
        reference = self.references[position]
        read = self._read.get(position)
        if read is not None and now - read[0] < reference.refresh:
            return read[1]
        try:
            index = _Index(reference, reference.source.rows(now))
        except SourceError as err:
            if read is not None:
                return read[1]  # capacities and annual figures keep: the copy read last still serves
            raise SourceError(f"référence {reference.source.name} illisible : {err}") from err
        self._read[position] = (now, index)
        return index


def _criterion(reference: Reference, row: dict[str, Any]) -> str:
    if reference.on == "nearest":
        return f"position à moins de {reference.max_distance_m:g} m"
    return f"{reference.on} « {row.get(reference.on) or ''} »"
