"""Headline figures computed from the layers' summaries (pure; the same for every audience)."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import t
from dashboard.layers import LAYERS
from dashboard.models import LayerHead


@dataclass(frozen=True, slots=True)
class Kpi:
    """One tile: what it counts, the headline value and a line of detail."""

    key: str
    label: str
    value: str
    detail: str


def kpis(heads: dict[str, LayerHead | None], lang: str) -> list[Kpi]:
    """One tile per layer that has a headline figure, in registry order; '—' before any data."""
    tiles = []
    for name, layer in LAYERS.items():
        if layer.tile is None:
            continue
        head = heads.get(name)
        if head is None or head.summary is None:
            value, detail = "—", t("kpi.no_data", lang)
        else:
            value, detail = layer.tile.compute(head.summary, lang)
        tiles.append(Kpi(key=name, label=t(layer.tile.label_key, lang), value=value, detail=detail))
    return tiles
