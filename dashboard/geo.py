"""Boundaries of the Métropole's communes and Toulouse's quartiers: loading, reprojection and spatial joins.

geopandas takes about a second to import, so it is imported inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from dashboard.areas import Geography
from dashboard.models import FetchResult, Record
from dashboard.redact import URLS_ONLY
from dashboard.settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
LAMBERT_93 = "EPSG:2154"
TOULOUSE_CODE = "31555"  # the quartiers divide Toulouse only
DOWNLOAD_TIMEOUT_SECONDS = 20
# About 10 m: outlines stay faithful at city zoom levels and weigh a fraction of the source files.
OUTLINE_TOLERANCE_DEGREES = 0.0001


class BoundariesUnavailable(Exception):
    """The boundaries could not be read; the message says which file or URL and why."""


def is_url(location: str) -> bool:
    """Whether a configured boundary location is an http(s) URL rather than a file path."""
    return urlparse(location).scheme in {"http", "https"}


def _local_copy(location: str, cache_dir: Path) -> Path:
    """The file to read for `location`: the path itself, or the URL's cached download (fetched once)."""
    if not is_url(location):
        return Path(location)
    cached = cache_dir / (hashlib.sha256(location.encode()).hexdigest()[:16] + ".geojson")
    if cached.exists():
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".part")
    try:
        with urllib.request.urlopen(location, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            partial.write_bytes(response.read())
    except OSError as err:
        raise BoundariesUnavailable(f"{location} : téléchargement impossible ({err})") from err
    # Renamed only once complete, so an interrupted download is never mistaken for a good copy.
    partial.replace(cached)
    return cached


def read_boundary(location: str, columns: dict[str, str], cache_dir: Path) -> gpd.GeoDataFrame:
    """The polygons at `location` (path or URL) in WGS84, keeping `columns` renamed as given."""
    import geopandas as gpd

    path = _local_copy(location, cache_dir)
    try:
        frame = gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types for missing or unreadable files
        raise BoundariesUnavailable(f"{location} : lecture impossible ({err})") from err
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise BoundariesUnavailable(f"{location} : propriétés manquantes {', '.join(missing)}")
    if frame.crs is None:
        frame = frame.set_crs(WGS84)  # GeoJSON without a crs member is WGS84 by definition
    return frame.to_crs(WGS84)[[*columns, "geometry"]].rename(columns=columns)


def _within(points: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each point with the attributes of the zone it lies in; a point on a shared border keeps its first zone."""
    import geopandas as gpd

    joined = gpd.sjoin(points, zones, predicate="within", how="inner")
    return joined[~joined.index.duplicated(keep="first")]


def _fill(
    out: dict[str, np.ndarray], targets: tuple[str, str], joined: gpd.GeoDataFrame, columns: tuple[str, str]
) -> None:
    index = joined.index.to_numpy()
    for target, column in zip(targets, columns, strict=True):
        out[target][index] = joined[column].to_numpy()


@dataclass(frozen=True, slots=True)
class Boundaries:
    """The communes (code, name) and, when configured, Toulouse's quartiers (quartier, name), in WGS84."""

    communes: gpd.GeoDataFrame
    quartiers: gpd.GeoDataFrame | None

    def locate(self, lon: Sequence[float], lat: Sequence[float]) -> dict[str, np.ndarray]:
        """Commune code and name, quartier number and name of each point (vectorised; '' / 0 when outside).

        The communes are authoritative: a quartier is given only inside Toulouse, and a Toulouse point that
        falls in a sliver between the two sources' outlines gets the nearest quartier.
        """
        import geopandas as gpd

        points = gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)), crs=WGS84
        )
        out = {
            "commune_code": np.full(len(points), "", dtype=object),
            "commune": np.full(len(points), "", dtype=object),
            "quartier": np.zeros(len(points), dtype=np.int64),
            "quartier_name": np.full(len(points), "", dtype=object),
        }
        if not len(points):
            return out
        _fill(out, ("commune_code", "commune"), _within(points, self.communes), ("code", "name"))
        if self.quartiers is None:
            return out
        in_toulouse = points[out["commune_code"] == TOULOUSE_CODE]
        found = _within(in_toulouse, self.quartiers)
        _fill(out, ("quartier", "quartier_name"), found, ("quartier", "name"))
        astray = in_toulouse[~in_toulouse.index.isin(found.index)]
        if len(astray):
            # Nearest in metres (Lambert-93), not in degrees.
            nearest = gpd.sjoin_nearest(astray.to_crs(LAMBERT_93), self.quartiers.to_crs(LAMBERT_93), how="inner")
            nearest = nearest[~nearest.index.duplicated(keep="first")]
            _fill(out, ("quartier", "quartier_name"), nearest, ("quartier", "name"))
        return out

    def assign(self, result: FetchResult) -> FetchResult:
        """`result` with each record's commune and quartier filled in; records outside the Métropole rejected."""
        records = result.records
        where = self.locate([r.lon for r in records], [r.lat for r in records])
        kept: list[Record] = []
        rejected = list(result.rejected)
        for i, record in enumerate(records):
            if not where["commune_code"][i]:
                rejected.append(f"{record.id} : hors de la Métropole ({record.lon:.4f}, {record.lat:.4f})")
                continue
            quartier = int(where["quartier"][i])
            kept.append(
                dataclasses.replace(
                    record,
                    commune_code=str(where["commune_code"][i]),
                    commune=str(where["commune"][i]),
                    quartier=quartier or None,
                    quartier_name=str(where["quartier_name"][i]),
                )
            )
        return dataclasses.replace(result, records=tuple(kept), rejected=tuple(rejected))

    def _levels(self) -> dict[str, gpd.GeoDataFrame]:
        """Each level's zones with a text `code`, in code order (quartier 2 before 10)."""
        levels = {"commune": self.communes}
        if self.quartiers is not None:
            levels["quartier"] = self.quartiers.assign(code=self.quartiers["quartier"].astype(str))
        return {
            level: frame.sort_values("code", key=lambda codes: codes.str.zfill(5)) for level, frame in levels.items()
        }

    def areas(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """(code, name) of every area, per level."""
        return {level: tuple(zip(frame["code"], frame["name"], strict=True)) for level, frame in self._levels().items()}

    def geography(self) -> Geography:
        """The plain description the web pages and API need: areas per level and simplified outlines."""
        outlines: dict[str, dict[str, Any]] = {}
        for level, frame in self._levels().items():
            simple = frame[["code", "name", "geometry"]].copy()
            simple["geometry"] = simple.geometry.simplify(OUTLINE_TOLERANCE_DEGREES)
            outlines[level] = simple.__geo_interface__
        return Geography(areas=self.areas(), outlines=outlines)


def load_boundaries(communes: str, quartiers: str | None, cache_dir: Path) -> Boundaries:
    """Read the configured boundary files or URLs; raises BoundariesUnavailable with the reason."""
    return Boundaries(
        communes=read_boundary(communes, {"code": "code", "nom": "name"}, cache_dir),
        quartiers=read_boundary(quartiers, {"quartier": "quartier", "nom_quartier": "name"}, cache_dir)
        if quartiers
        else None,
    )


@lru_cache(maxsize=4)
def _configured(communes: str | None, quartiers: str | None, cache_dir: str) -> tuple[Boundaries | None, str]:
    if not communes:
        return None, ""
    try:
        return load_boundaries(communes, quartiers, Path(cache_dir)), ""
    except BoundariesUnavailable as err:
        problem = URLS_ONLY.text(str(err))  # shown to managers and logged: a boundary URL may carry a key
        log.warning("boundaries unavailable: %s", problem)
        return None, problem


def configured_boundaries(settings: Settings) -> tuple[Boundaries | None, str]:
    """The configured boundaries, read once per process, or None and why they are unavailable ('' when unset)."""
    return _configured(settings.communes_path, settings.quartiers_path, str(settings.boundaries_cache_dir))


def configured_geography(settings: Settings) -> Geography:
    """What the web process shows of the boundaries (or why there are none), read once per process."""
    boundaries, problem = configured_boundaries(settings)
    return boundaries.geography() if boundaries else Geography(areas={}, outlines={}, problem=problem)
