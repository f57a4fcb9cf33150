"""The one place where data is made public: only layers marked public, only their public fields, coarse locations.

Everything served without a session (the /embed/ app and /api/v1/public/) goes through `public_snapshot`,
made once per layer version and process by `shared_public_snapshot`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dashboard.freshness import freshness
from dashboard.i18n import city_time, t
from dashboard.layers import LAYERS, Layer
from dashboard.models import LayerOverview, Record, Snapshot

if TYPE_CHECKING:
    from dashboard.snapshots import SnapshotReader

# INSEE commune code: five characters, digits except Corsica's 2A/2B.
COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
# A layer counted per cell for the public (its reports, say) is counted per cell of about 500 m × 500 m at
# Toulouse's latitude (lon, lat degrees).
CELL_DEGREES = (0.0062, 0.0045)


def public_layer(name: str) -> Layer | None:
    """The layer called `name` if it may be shown to the public, else None."""
    layer = LAYERS.get(name)
    return layer if layer is not None and layer.public else None


def _snap(value: float, grid: float | None) -> float:
    if grid is None:
        return value
    # Round to the grid, then to a few decimals so float noise does not print extra digits.
    return round(round(value / grid) * grid, 6)


def redact(layer: Layer, record: Record) -> Record:
    """A copy of `record` keeping only the layer's public fields (others back to their default), location coarsened."""
    cleared = {
        f.name: f.default
        for f in dataclasses.fields(record)
        if f.name not in layer.public_fields and f.name not in ("lon", "lat")
    }
    return dataclasses.replace(
        record,
        **cleared,
        lon=_snap(record.lon, layer.public_grid_degrees),
        lat=_snap(record.lat, layer.public_grid_degrees),
    )


def public_snapshot(snapshot: Snapshot, commune: str = "") -> Snapshot:
    """The snapshot as the public may see it (of one commune if given); its source name stays internal."""
    layer = public_layer(snapshot.layer)
    if layer is None:
        raise ValueError(f"layer {snapshot.layer!r} is not public")
    records = tuple(redact(layer, r) for r in snapshot.records if not commune or r.commune_code == commune)
    return dataclasses.replace(snapshot, records=records, source="", summary=None)


def shared_public_snapshot(snapshots: SnapshotReader, snapshot: Snapshot, commune: str = "") -> Snapshot:
    """`public_snapshot(snapshot, commune)`, redacting each layer version once per process (kept by `snapshots`)."""
    public = snapshots.derived(snapshot, "public", public_snapshot)
    if not commune:
        return public
    if "commune_code" not in LAYERS[snapshot.layer].public_fields:  # the redacted records cannot tell their commune
        return public_snapshot(snapshot, commune)
    return dataclasses.replace(public, records=tuple(r for r in public.records if r.commune_code == commune))


def public_geojson(snapshot: Snapshot) -> dict[str, Any]:
    """A public snapshot (from `public_snapshot`) as GeoJSON whose properties are the layer's public fields only."""
    layer = LAYERS[snapshot.layer]
    features = []
    for record in snapshot.records:
        properties = {}
        for name in layer.public_fields:
            value = getattr(record, name)
            properties[name] = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
        if layer.public_category is not None:
            properties["category"] = layer.public_category(record)
        features.append(
            {
                "type": "Feature",
                "id": record.id,
                "geometry": {"type": "Point", "coordinates": [record.lon, record.lat]},
                "properties": properties,
            }
        )
    document = {
        "type": "FeatureCollection",
        "layer": snapshot.layer,
        "version": snapshot.version,
        "fetched_at": snapshot.fetched_at.astimezone(UTC).isoformat(),
        "demo": snapshot.demo,
        "features": features,
    }
    if layer.attribution:
        document["attribution"] = layer.attribution
    return document


def _cell_polygon(column: int, row: int) -> dict[str, Any]:
    width, height = CELL_DEGREES
    west, south = round(column * width, 6), round(row * height, 6)
    east, north = round(west + width, 6), round(south + height, 6)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def cell_counts(snapshot: Snapshot, is_open: Callable[[Record], bool]) -> list[dict[str, Any]]:
    """Records of a public snapshot counted per cell and commune, open and closed apart: GeoJSON squares, no points."""
    width, height = CELL_DEGREES
    counts: Counter[tuple[int, int, str, bool]] = Counter()
    for record in snapshot.records:
        column, row = math.floor(record.lon / width), math.floor(record.lat / height)
        counts[(column, row, record.commune_code, is_open(record))] += 1
    # A cell crossed by a commune boundary gives one feature per commune, so the embed can filter by commune.
    cells = sorted({key[:3] for key in counts})
    return [
        {
            "type": "Feature",
            "id": f"{column}_{row}_{commune}",
            "geometry": _cell_polygon(column, row),
            "properties": {
                "commune_code": commune,
                "open": counts[(column, row, commune, True)],
                "closed": counts[(column, row, commune, False)],
            },
        }
        for column, row, commune in cells
    ]


def public_document(snapshot: Snapshot) -> dict[str, Any]:
    """What anyone may download of a layer's snapshot: redacted points, or counts per cell (Layer.public_open)."""
    return document_of_public(public_snapshot(snapshot))


def document_of_public(public: Snapshot) -> dict[str, Any]:
    """`public_document` of a snapshot already redacted by `public_snapshot`."""
    is_open = LAYERS[public.layer].public_open
    if is_open is None:
        return public_geojson(public)
    document = public_geojson(dataclasses.replace(public, records=()))
    return {**document, "cell_degrees": list(CELL_DEGREES), "features": cell_counts(public, is_open)}


def public_freshness(layer: Layer, overview: LayerOverview, now: datetime, lang: str) -> tuple[str, str]:
    """(state key, one line) about a layer's freshness for the public: state and time, never the internal reason."""
    badge = freshness(layer, overview, now, lang)
    head = overview.head
    if head is None or head.fetched_at is None:
        return badge.state, badge.label
    line = t("embed.freshness", lang, state=badge.label, time=city_time(head.fetched_at, lang))
    return badge.state, f"{line} · {t('app.demo', lang)}" if head.demo else line
