"""Where the reference boundary files live: beside the clone (never in it), as on CI."""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COMMUNES_FILE = SHARED_DATA / "toulouse-metropole-communes.geojson"
QUARTIERS_FILE = SHARED_DATA / "toulouse-quartiers.geojson"


def boundary_settings() -> dict[str, str]:
    """Environment pointing the dashboard at the shared boundary files, or nothing when they are absent."""
    if not (COMMUNES_FILE.exists() and QUARTIERS_FILE.exists()):
        return {}
    return {"CITYOPS_COMMUNES_PATH": str(COMMUNES_FILE), "CITYOPS_QUARTIERS_PATH": str(QUARTIERS_FILE)}


# Processes started by the tests never download the boundaries from the open-data portal (no internet here);
# a test that wants the download points the URLs at a local server and switches it back on.
NO_BOUNDARY_DOWNLOAD = {"CITYOPS_BOUNDARIES_DOWNLOAD": "false"}

FEED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "feeds" / "samples"
