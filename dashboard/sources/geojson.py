"""A GeoJSON registry (FeatureCollection of Point features), read from a file or over HTTP: the Nacelles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from dashboard.sources.base import SourceError
from dashboard.sources.http import decode_json
from dashboard.sources.mapped import MappedFeed


def is_web_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


class GeoJsonSource(MappedFeed):
    """The Point features of a GeoJSON FeatureCollection, each a row (`properties.x`, `geometry.coordinates.0`)."""

    format = "geojson"

    def feed_rows(self, now: datetime) -> list[Any]:
        """Every feature of the collection; a feature that is not a Point is kept for validation to reject."""
        document = self.client.get_json(self.url, self.params) if is_web_url(self.url) else self._read_file()
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise SourceError("GeoJSON inattendu : une FeatureCollection était attendue")
        features = document.get("features")
        if not isinstance(features, list):
            raise SourceError("GeoJSON inattendu : « features » absent ou invalide")
        return [_point_only(feature) for feature in features]

    def _read_file(self) -> Any:
        path = Path(self.url)
        try:
            body = path.read_bytes()
        except OSError as err:
            raise SourceError(f"fichier illisible ({err.strerror}) : {path}") from err
        return decode_json(body, "application/geo+json", str(path))


def _point_only(feature: Any) -> Any:
    """The feature, with its coordinates hidden when its geometry is not a Point (a line has no one position)."""
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if isinstance(geometry, dict) and geometry.get("type") != "Point":
        return {**feature, "geometry": None}
    return feature
