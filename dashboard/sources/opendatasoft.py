"""Opendatasoft portals: Explore API v2.1 `records` pages, the `exports/json` export past 10,000 rows, and v1."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from dashboard.sources.base import SourceError
from dashboard.sources.http import NotAList
from dashboard.sources.mapped import MappedFeed

PAGE_SIZE = 100  # the API's maximum `limit`
OFFSET_LIMIT = 10_000  # offset + limit past this answers 400: use the export instead

# API v1 gives `geo_point_2d` as [lat, lon] where v2.1 gives {"lon", "lat"}.
V1_POINT = {"geo_point_2d.lon": "geo_point_2d.1", "geo_point_2d.lat": "geo_point_2d.0"}


class OpendatasoftSource(MappedFeed):
    """One Opendatasoft dataset, given by its v2.1 dataset URL (…/catalog/datasets/{id}) or a v1 search URL."""

    format = "opendatasoft"
    # French portals, Opendatasoft's home ground, write decimals in text fields with a comma.
    default_decimal_separator = ","

    @property
    def is_v1(self) -> bool:
        return "/api/records/1.0/" in self.url

    def layer_defaults(self, layer: str) -> dict[str, str]:
        """The layer's default fields, with v1's [lat, lon] points read in that order."""
        defaults = super().layer_defaults(layer)
        return {name: V1_POINT.get(path, path) if self.is_v1 else path for name, path in defaults.items()}

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def feed_rows(self, now: datetime) -> Iterable[Any]:
        """Every row of the dataset (an export's as they are parsed)."""
        return self._v1_rows() if self.is_v1 else self._v2_rows()

    def _v2_rows(self) -> Iterable[Any]:
        rows: list[Any] = []
        offset = 0
        while True:
            page = self.client.get_json(f"{self.base}/records", {**self.params, "limit": PAGE_SIZE, "offset": offset})
            results, total = _field(page, "results", list), _field(page, "total_count", int)
            if total > OFFSET_LIMIT:
                return self._export_rows()  # one unpaginated read rather than pages that would stop at 10,000
            rows.extend(results)
            offset += len(results)
            # A short page is the last one even if total_count says otherwise (rows deleted while paging).
            if offset >= total or len(results) < PAGE_SIZE:
                return rows
            if offset + PAGE_SIZE > OFFSET_LIMIT:
                return self._export_rows()

    def _export_rows(self) -> Iterator[Any]:
        """The export's rows, parsed one at a time as they are used: an export can weigh hundreds of MB."""
        try:
            return self.client.get_json_items(f"{self.base}/exports/json", self.params)
        except NotAList as err:
            raise SourceError("export Opendatasoft inattendu : une liste d'enregistrements était attendue") from err

    def _v1_rows(self) -> list[Any]:
        rows: list[Any] = []
        while True:
            page = self.client.get_json(self.url, {**self.params, "rows": PAGE_SIZE, "start": len(rows)})
            records, total = _field(page, "records", list), _field(page, "nhits", int)
            rows.extend(record.get("fields") if isinstance(record, dict) else None for record in records)
            if len(rows) >= total or len(records) < PAGE_SIZE:
                return rows


def _field(page: Any, name: str, kind: type) -> Any:
    value = page.get(name) if isinstance(page, dict) else None
    if not isinstance(value, kind):
        raise SourceError(f"réponse Opendatasoft inattendue : « {name} » absent ou invalide")
    return value
