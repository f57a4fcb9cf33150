"""Boundaries of the Métropole's communes and Toulouse's quartiers: loading, reprojection and spatial joins.

geopandas takes about a second to import, so it is imported inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
import orjson

from dashboard.areas import Geography
from dashboard.models import FetchResult, Record
from dashboard.redact import URLS_ONLY
from dashboard.settings import Settings
from dashboard.sources.base import SourceError
from dashboard.sources.http import FeedClient

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
LAMBERT_93 = "EPSG:2154"
TOULOUSE_CODE = "31555"  # the quartiers divide Toulouse only
# Short: a start with the portal out of reach goes on without boundaries (and says why) rather than hang.
DOWNLOAD_TIMEOUT_SECONDS = 20
DOWNLOAD_CONNECT_TIMEOUT_SECONDS = 5
# About 10 m: outlines stay faithful at city zoom levels and weigh a fraction of the source files.
OUTLINE_TOLERANCE_DEGREES = 0.0001


class BoundariesUnavailable(Exception):
    """The boundaries could not be read; the message says which file or URL and why."""


def is_url(location: str) -> bool:
    """Whether a configured boundary location is an http(s) URL rather than a file path."""
    return urlparse(location).scheme in {"http", "https"}


# The properties accepted for each column, first match wins: the shared files' names first, then the names
# the open-data portal's exports and other publishers are likely to use (INSEE code, label).
COMMUNE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "code": ("code", "code_insee", "insee", "code_com", "insee_com", "codgeo"),
    "name": ("nom", "libelle", "nom_commune", "nom_com", "libcom"),
}
QUARTIER_PROPERTIES: dict[str, tuple[str, ...]] = {
    "quartier": ("quartier", "num_quartier", "numero_quartier"),
    "name": ("nom_quartier", "libelle", "nom"),
}


def _columns(found: Sequence[str], accepted: dict[str, tuple[str, ...]], location: str) -> dict[str, str]:
    """{property found: column} for each column of `accepted`; raises naming what was expected when one is missing."""
    chosen: dict[str, str] = {}
    missing: list[str] = []
    for column, names in accepted.items():
        match = next((name for name in names if name in found), None)
        if match is None:
            missing.append(f"{column} ({' ou '.join(names)})")
        else:
            chosen[match] = column
    if missing:
        raise BoundariesUnavailable(f"{location} : propriétés manquantes, attendu {' ; '.join(missing)}")
    return chosen


def _read_polygons(path: Path, accepted: dict[str, tuple[str, ...]], location: str) -> gpd.GeoDataFrame:
    """The polygons of the GeoJSON at `path` in WGS84, with the accepted properties renamed to their columns."""
    import geopandas as gpd

    try:
        frame = gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types for missing or unreadable files
        raise BoundariesUnavailable(f"{location} : lecture impossible ({err})") from err
    columns = _columns(list(frame.columns), accepted, location)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)  # GeoJSON without a crs member is WGS84 by definition
    return frame.to_crs(WGS84)[[*columns, "geometry"]].rename(columns=columns)


def cached_path(url: str, cache_dir: Path) -> Path:
    """Where the download of `url` is kept in `cache_dir`."""
    return cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".geojson")


def _download(url: str, cached: Path, accepted: dict[str, tuple[str, ...]]) -> None:
    """Fetch the GeoJSON at `url` into `cached`, only once it is complete and readable as boundaries."""
    client = FeedClient(timeout=DOWNLOAD_TIMEOUT_SECONDS, connect_timeout=DOWNLOAD_CONNECT_TIMEOUT_SECONDS, retries=0)
    try:
        document = client.get_json(url)
    except SourceError as err:
        raise BoundariesUnavailable(f"{url} : téléchargement impossible ({err})") from err
    finally:
        client.close()
    if not (isinstance(document, dict) and document.get("type") == "FeatureCollection"):
        raise BoundariesUnavailable(f"{url} : téléchargement impossible (pas une FeatureCollection GeoJSON)")
    cached.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=cached.parent, prefix=cached.stem, suffix=".part")
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(orjson.dumps(document))
        _read_polygons(partial, accepted, url)  # a file that cannot serve is never cached
        # Renamed only once complete and checked: a half-written or unusable file is never read as the cache.
        partial.replace(cached)
    finally:
        partial.unlink(missing_ok=True)


def read_boundary(location: str, accepted: dict[str, tuple[str, ...]], cache_dir: Path) -> gpd.GeoDataFrame:
    """The polygons at `location` (path, or URL downloaded once into `cache_dir`) in WGS84, columns renamed."""
    path = Path(location)
    if is_url(location):
        path = cached_path(location, cache_dir)
        if not path.exists():
            _download(location, path, accepted)
    return _read_polygons(path, accepted, location)


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
    communes_frame = read_boundary(communes, COMMUNE_PROPERTIES, cache_dir)
    return Boundaries(
        communes=communes_frame.assign(code=communes_frame["code"].astype(str)),  # INSEE codes may come as numbers
        quartiers=read_boundary(quartiers, QUARTIER_PROPERTIES, cache_dir) if quartiers else None,
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


def boundary_locations(settings: Settings) -> tuple[str | None, str | None]:
    """Where the communes and quartiers are read from: the configured paths, else the open-data portal's URLs.

    An explicit communes file without a quartiers file means no quartiers; with the download switched off and
    no paths, there are no boundaries.
    """
    if settings.communes_path:
        return settings.communes_path, settings.quartiers_path
    if settings.boundaries_download:
        return settings.communes_url, settings.quartiers_path or settings.quartiers_url
    return None, None


def configured_boundaries(settings: Settings) -> tuple[Boundaries | None, str]:
    """The boundaries, read once per process, or None and why they are unavailable ('' when there are none to read).

    A failed download is cached by nobody: the next process start tries again.
    """
    communes, quartiers = boundary_locations(settings)
    return _configured(communes, quartiers, str(settings.boundaries_cache_dir))


def configured_geography(settings: Settings) -> Geography:
    """What the web process shows of the boundaries (or why there are none), read once per process."""
    boundaries, problem = configured_boundaries(settings)
    return boundaries.geography() if boundaries else Geography(areas={}, outlines={}, problem=problem)
