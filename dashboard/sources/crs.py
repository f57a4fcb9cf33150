"""Feed coordinates in another reference system (Lambert-93 and the like) brought to WGS84 lon/lat."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

WGS84 = "EPSG:4326"


def check_crs(name: str) -> str:
    """`name` if pyproj knows it (ValueError otherwise), for the settings to refuse a typo at start-up."""
    try:
        CRS.from_user_input(name)
    except CRSError as err:
        raise ValueError(f"unknown coordinate reference system {name!r}") from err
    return name


@lru_cache(maxsize=16)
def _to_wgs84(name: str) -> Transformer:
    return Transformer.from_crs(name, WGS84, always_xy=True)


def to_wgs84(rows: Iterable[dict[str, Any]], crs: str) -> Iterator[dict[str, Any]]:
    """Rows whose `lon`/`lat` hold x/y (easting/northing) in `crs`, with lon/lat in WGS84 instead.

    A row whose x or y is not a number is left as it is: validation rejects it with its own reason.
    """
    if crs.upper() in (WGS84, "WGS84", "OGC:CRS84"):
        yield from rows
        return
    transformer = _to_wgs84(crs)
    for row in rows:
        try:
            x, y = float(row["lon"]), float(row["lat"])  # text was read already, with the source's separator
        except (KeyError, TypeError, ValueError):
            yield row
            continue
        lon, lat = transformer.transform(x, y)
        yield {**row, "lon": lon, "lat": lat}
