"""What every layer's map symbols share: the colour palette and the compact wire format of their numbers (pure).

Plotly.js 3 decodes base64 typed arrays (`{"dtype": "f4", "bdata": "…"}`) itself, so the numbers of a map
trace travel as 4 bytes each instead of a JSON decimal; `unpacked` reads them back (tests, benchmarks).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
# Cividis, the colour scale of occupancies, as a CSS gradient for legends drawn by the page.
CIVIDIS_GRADIENT = "linear-gradient(90deg, #00224e, #7c7b78, #fee838)"

# The typed arrays plotly.js decodes, by the numpy type they are written from (little-endian, as browsers read).
_DTYPES = {"f4": "<f4", "u4": "<u4", "i4": "<i4", "u2": "<u2", "u1": "u1"}


def packed(values: Iterable[float] | np.ndarray, dtype: str = "f4") -> dict[str, str]:
    """Numbers of a trace as a base64 typed array that plotly.js decodes: `{"dtype": "f4", "bdata": "…"}`."""
    array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=_DTYPES[dtype])
    return {"dtype": dtype, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def unpacked(spec: dict[str, str] | Sequence[float]) -> np.ndarray:
    """The numbers of a `packed` array (or of a plain list), as numpy reads them."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=_DTYPES[spec["dtype"]])
    return np.asarray(spec)


def coords(records: Sequence[Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Longitudes and latitudes of records as packed float32 arrays (4 bytes a number, ~1 m: plenty for a city)."""
    lon = np.fromiter((r.lon for r in records), dtype=np.float32, count=len(records))
    lat = np.fromiter((r.lat for r in records), dtype=np.float32, count=len(records))
    return packed(lon), packed(lat)


# A cell of the zoomed-out maps: about 500 m by 500 m at Toulouse's latitude, as the public files count them.
MAP_CELL_DEGREES = (0.0062, 0.0045)


def grid_cells(
    records: Sequence[Any], cell: tuple[float, float] = MAP_CELL_DEGREES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(longitudes, latitudes, counts) of the cells holding records: each cell's centre and how many it holds."""
    if not records:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty, np.zeros(0, dtype=np.int64)
    width, height = cell
    lon = np.fromiter((r.lon for r in records), dtype=np.float64, count=len(records))
    lat = np.fromiter((r.lat for r in records), dtype=np.float64, count=len(records))
    grid = np.stack([np.floor(lon / width), np.floor(lat / height)], axis=1).astype(np.int64)
    cells, counts = np.unique(grid, axis=0, return_counts=True)
    centres_lon = ((cells[:, 0] + 0.5) * width).astype(np.float32)
    centres_lat = ((cells[:, 1] + 0.5) * height).astype(np.float32)
    return centres_lon, centres_lat, counts
