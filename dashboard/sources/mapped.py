"""What the feed adapters that map rows through a field table share: reading, mapping, CRS, statuses, checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dashboard.layers import LAYERS
from dashboard.models import FetchResult
from dashboard.rows import BBox
from dashboard.sources.crs import WGS84, to_wgs84
from dashboard.sources.http import FeedClient
from dashboard.sources.validate import METROPOLE, apply_mapping, read_numbers, validate_rows


class MappedFeed:
    """Base of an adapter whose rows become a layer's records through `fields` (the layer's, then configuration).

    A subclass reads the feed's own rows (`feed_rows`); this base maps them to canonical names, brings
    coordinates in `crs` to WGS84, fills fixed `values` the feed lacks (a dataset of park-and-ride sites
    gives site_type = "park_and_ride"), translates statuses, works out meter power, and validates.
    """

    demo = False
    format = ""  # the format's name in the settings (`format = "opendatasoft"`), shown in the sources panel
    # How the format writes numbers given as text (JSON specifications use the point).
    default_decimal_separator = "."

    def __init__(
        self,
        name: str,
        layer: str,
        url: str,
        *,
        fields: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        statuses: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
        crs: str = WGS84,
        client: FeedClient | None = None,
        bbox: BBox = METROPOLE,
        decimal_separator: str | None = None,
    ) -> None:
        self.name = name
        self.layer = layer
        self.url = url
        self.fields = {**self.layer_defaults(layer), **(fields or {})}
        self.params = dict(params or {})
        definition = LAYERS.get(layer)
        feed_statuses = definition.feed_statuses if definition else {}
        self.statuses = {k.lower(): v for k, v in {**feed_statuses, **(statuses or {})}.items()}
        self.values = dict(values or {})
        self.crs = crs
        self.client = client or FeedClient()
        self.bbox = bbox
        self.decimal_separator = decimal_separator or self.default_decimal_separator
        self._stage = definition.feed_stage() if definition and definition.feed_stage else None

    @property
    def bytes_received(self) -> int:
        """Bytes of every answer read so far (the collector tells one fetch's size by the difference)."""
        return self.client.bytes_received

    def layer_defaults(self, layer: str) -> Mapping[str, str]:
        """The format's field mapping for `layer` (the layer's `feed_fields`), before the configured fields."""
        definition = LAYERS.get(layer)
        return definition.feed_fields.get(self.format, {}) if definition else {}

    def feed_rows(self, now: datetime) -> Iterable[Any]:
        """The feed's rows as published (one per car park, meter, request...); SourceError when unreadable."""
        raise NotImplementedError

    def prepare(self, row: Any) -> Any:
        """A feed row made ready for the field mapping (NGSI-LD unwraps its attributes here)."""
        return row

    def rows(self, now: datetime) -> list[dict[str, Any]]:
        """The feed's rows in canonical names, WGS84 coordinates and canonical statuses, not yet validated."""
        return list(self.mapped_rows(now))

    def mapped_rows(self, now: datetime) -> Iterable[dict[str, Any]]:
        """The rows of `rows`, mapped one at a time as they are iterated; the feed is read before this returns.

        A large export is parsed as it is used, so that no stage holds every row of it at once.
        """
        with self.client.within_deadline():
            published = self.feed_rows(now)
        mapped = to_wgs84(map(self._canonical, published), self.crs)
        return self._stage(mapped, now) if self._stage else mapped

    def fetch(self, now: datetime) -> FetchResult:
        """Every row of the feed, mapped and validated."""
        return validate_rows(self.layer, self.mapped_rows(now), now, bbox=self.bbox)

    def _canonical(self, row: Any) -> dict[str, Any]:
        out = read_numbers(apply_mapping(self.prepare(row), self.fields), self.decimal_separator)
        for name, value in self.values.items():
            if out.get(name) in (None, ""):
                out[name] = value
        status = out.get("status")
        if isinstance(status, str) and self.statuses:
            out["status"] = self.statuses.get(status.strip().lower(), status)
        return out
