"""Headline figures computed from the layers' summaries (pure; the same for every audience)."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import number, percent, t
from dashboard.models import LayerHead


@dataclass(frozen=True, slots=True)
class Kpi:
    """One tile: what it counts, the headline value and a line of detail."""

    key: str
    label: str
    value: str
    detail: str


def _parking(summary: dict, lang: str) -> tuple[str, str]:
    return number(summary["free"], lang), t(
        "kpi.free_spaces_detail", lang, capacity=number(summary["capacity"], lang), sites=summary["sites"]
    )


def _reports(summary: dict, lang: str) -> tuple[str, str]:
    by_status = summary.get("by_status", {})
    in_progress = by_status.get("in_progress", 0) + by_status.get("acknowledged", 0)
    return number(summary["open"], lang), t(
        "kpi.open_reports_detail",
        lang,
        new=number(by_status.get("new", 0), lang),
        in_progress=number(in_progress, lang),
    )


def _energy(summary: dict, lang: str) -> tuple[str, str]:
    power, typical = summary["power_kw"], summary["typical_kw"]
    delta = power / typical - 1 if typical else 0.0
    return f"{number(power, lang)} kW", t(
        "kpi.energy_detail", lang, delta=percent(delta, lang, signed=True), typical=f"{number(typical, lang)} kW"
    )


def _nacelles(summary: dict, lang: str) -> tuple[str, str]:
    # A layer summary lists every pod's position; an area's figures count the moving ones directly.
    in_transit = summary.get("in_transit")
    if in_transit is None:
        in_transit = sum(1 for position in summary.get("positions", {}).values() if position[2] == "in_transit")
    return str(summary["open"]), t("kpi.nacelles_detail", lang, count=summary["count"], in_transit=in_transit)


def _bikes(summary: dict, lang: str) -> tuple[str, str]:
    return number(summary["bikes"], lang), t(
        "kpi.bikes_detail",
        lang,
        docks=number(summary["docks"], lang),
        empty=summary["empty"],
        full=summary["full"],
    )


_TILES = {
    "parking": ("kpi.free_spaces", _parking),
    "reports": ("kpi.open_reports", _reports),
    "energy": ("kpi.energy", _energy),
    "nacelles": ("kpi.nacelles", _nacelles),
    "bikes": ("kpi.bikes", _bikes),
}


def kpis(heads: dict[str, LayerHead | None], lang: str) -> list[Kpi]:
    """One tile per layer that has a headline figure, in registry order; '—' before any data."""
    tiles = []
    for layer, (label_key, compute) in _TILES.items():
        head = heads.get(layer)
        if head is None or not head.summary:
            value, detail = "—", t("kpi.no_data", lang)
        else:
            value, detail = compute(head.summary, lang)
        tiles.append(Kpi(key=layer, label=t(label_key, lang), value=value, detail=detail))
    return tiles
