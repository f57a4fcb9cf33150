"""What every layer's map symbols share: the colour palette and compact coordinates (pure)."""

from __future__ import annotations

from collections.abc import Sequence
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


def coords(records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of records as float32 arrays."""
    # float32 halves the bytes sent to browsers; ~1 m precision is plenty for a city map.
    lon = np.fromiter((r.lon for r in records), dtype=np.float32, count=len(records))
    lat = np.fromiter((r.lat for r in records), dtype=np.float32, count=len(records))
    return lon, lat
