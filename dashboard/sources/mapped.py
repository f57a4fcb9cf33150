"""What the feed adapters that map rows through a field table share: name, layer, URL, mapping, client, area."""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.sources.http import FeedClient
from dashboard.sources.validate import METROPOLE, BBox


class MappedFeed:
    """Base of an adapter whose rows become a layer's records through `fields` (layer defaults, then configuration)."""

    demo = False
    default_fields: Mapping[str, Mapping[str, str]] = {}

    def __init__(
        self,
        name: str,
        layer: str,
        url: str,
        *,
        fields: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        client: FeedClient | None = None,
        bbox: BBox = METROPOLE,
    ) -> None:
        self.name = name
        self.layer = layer
        self.url = url
        self.fields = {**self.default_fields.get(layer, {}), **(fields or {})}
        self.params = dict(params or {})
        self.client = client or FeedClient()
        self.bbox = bbox
