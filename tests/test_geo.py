"""Boundaries: reading files and URLs in any CRS, locating points, and what happens when they are missing."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import UTC, datetime
from functools import partial

import pytest

from dashboard.geo import (
    COMMUNE_PROPERTIES,
    BoundariesUnavailable,
    configured_boundaries,
    load_boundaries,
    read_boundary,
)
from dashboard.models import FetchResult, ParkingRecord
from dashboard.settings import ConfigError, load_settings
from tests.redis_server import free_port

CAPITOLE = (1.4440, 43.6045)
BLAGNAC = (1.3900, 43.6400)
MONTAUBAN = (1.3550, 44.0175)


def test_known_points_fall_in_their_commune_and_quartier(boundaries):
    lon, lat = zip(CAPITOLE, BLAGNAC, MONTAUBAN, strict=True)
    where = boundaries.locate(lon, lat)
    assert list(where["commune_code"]) == ["31555", "31069", ""]
    assert list(where["commune"]) == ["Toulouse", "Blagnac", ""]
    assert list(where["quartier"]) == [1, 0, 0]
    assert where["quartier_name"][0] == "Capitole / Arnaud Bernard / Carmes"


def test_blagnac_point_is_inside_blagnac_polygon(boundary_files):
    shapely = pytest.importorskip("shapely.geometry")
    features = json.loads(boundary_files[0].read_text(encoding="utf-8"))["features"]
    blagnac = next(shapely.shape(f["geometry"]) for f in features if f["properties"]["code"] == "31069")
    assert blagnac.contains(shapely.Point(*BLAGNAC))


def test_assign_fills_records_and_rejects_points_outside_the_metropole(boundaries):
    records = (
        ParkingRecord("capitole", "Capitole", *CAPITOLE, 748, 100, "garage"),
        ParkingRecord("blagnac", "Blagnac", *BLAGNAC, 200, 10, "park_and_ride"),
        ParkingRecord("montauban", "Montauban", *MONTAUBAN, 300, 10, "garage"),
    )
    result = boundaries.assign(FetchResult(records=records, fetched_at=datetime.now(UTC), rejected=("lat manquante",)))
    capitole, blagnac = result.records
    assert (capitole.commune_code, capitole.commune, capitole.quartier) == ("31555", "Toulouse", 1)
    assert (blagnac.commune_code, blagnac.commune, blagnac.quartier, blagnac.quartier_name) == (
        "31069",
        "Blagnac",
        None,
        "",
    )
    assert result.rejected[0] == "lat manquante"
    assert result.rejected[1].startswith("montauban : hors de la Métropole")


def test_lambert_93_file_loads_to_the_same_wgs84_geometry(boundary_files, tmp_path):
    import geopandas as gpd

    communes_file = boundary_files[0]
    original = gpd.read_file(communes_file)
    lambert = tmp_path / "communes-l93.geojson"
    original.to_crs(2154).to_file(lambert, driver="GeoJSON")
    assert "2154" in json.loads(lambert.read_text(encoding="utf-8"))["crs"]["properties"]["name"]

    loaded = read_boundary(str(lambert), COMMUNE_PROPERTIES, tmp_path)
    assert loaded.crs.to_epsg() == 4326
    assert list(loaded["code"]) == list(original["code"])
    # A round trip through Lambert-93 moves vertices by far less than a metre.
    assert loaded.geometry.geom_equals_exact(original.geometry, tolerance=1e-6).all()


def test_a_url_is_downloaded_once_into_the_cache(boundary_files, tmp_path):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(boundary_files[0].parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{boundary_files[0].name}"
    try:
        first = load_boundaries(url, None, tmp_path / "cache")
    finally:
        server.shutdown()
        server.server_close()
    assert len(first.communes) == 37 and first.quartiers is None
    assert len(list((tmp_path / "cache").glob("*.geojson"))) == 1
    # The server is gone: the cached copy is what is read now.
    assert len(load_boundaries(url, None, tmp_path / "cache").communes) == 37


def test_missing_file_or_unreachable_url_is_a_clear_error(tmp_path):
    with pytest.raises(BoundariesUnavailable, match="missing.geojson"):
        load_boundaries(str(tmp_path / "missing.geojson"), None, tmp_path)
    url = f"http://127.0.0.1:{free_port()}/communes.geojson"
    with pytest.raises(BoundariesUnavailable, match="téléchargement impossible"):
        load_boundaries(url, None, tmp_path)
    settings = load_settings({}, communes_path=url, boundaries_cache_dir=tmp_path)
    boundaries, problem = configured_boundaries(settings)
    assert boundaries is None and url in problem


def test_boundary_locations_must_be_paths_or_web_urls():
    with pytest.raises(ConfigError, match="CITYOPS_COMMUNES_PATH"):
        load_settings({"CITYOPS_COMMUNES_PATH": "ftp://example.org/communes.geojson"})
    assert load_settings({"CITYOPS_QUARTIERS_PATH": "https://example.org/q.geojson"}).quartiers_path


def test_configured_boundaries_are_read_once_per_process(boundary_files, tmp_path):
    communes, quartiers = boundary_files
    settings = load_settings(
        {}, communes_path=str(communes), quartiers_path=str(quartiers), boundaries_cache_dir=tmp_path
    )
    first, problem = configured_boundaries(settings)
    assert problem == "" and len(first.quartiers) == 20
    assert configured_boundaries(settings)[0] is first
