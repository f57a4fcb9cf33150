"""Why a layer is stale, per source: the managers' sources panel and /api/v1/sources share these (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dashboard.alarm_view import paris_time
from dashboard.freshness import freshness
from dashboard.i18n import number, t
from dashboard.layers import LAYERS
from dashboard.models import LayerOverview

# The state is told by a symbol and a word as well as a colour (the same symbols as the freshness badges).
SYMBOLS = {"ok": "✓", "degraded": "!", "stale": "⏱", "down": "✕", "waiting": "…"}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def source_entry(layer: str, item: LayerOverview, now: datetime) -> dict[str, Any]:
    """One layer's source as plain data: where it comes from, how its last fetch went, why rows were rejected."""
    status = item.status
    return {
        "layer": layer,
        "source": status.source if status else (item.head.source if item.head else ""),
        "format": status.format if status else "",
        "url": status.url if status else "",  # redacted by the collector and again by the store
        "state": status.state.value if status else "waiting",
        # The badge's state: the source's, or "stale" when the data is older than the layer allows.
        "freshness": freshness(LAYERS[layer], item, now, "fr").state,
        "last_success": _iso(status.last_success) if status else None,
        "last_attempt": _iso(status.last_attempt) if status else None,
        "last_error": status.last_error if status else "",
        "failing_since": _iso(status.failing_since) if status else None,
        "consecutive_failures": status.consecutive_failures if status else 0,
        "fetch_seconds": status.fetch_seconds if status else None,
        "fetch_bytes": status.fetch_bytes if status else None,
        "next_attempt": _iso(status.next_attempt) if status else None,
        "records_rejected": status.records_rejected if status else 0,
        "rejections": [{"reason": reason, "count": n} for reason, n in status.rejections] if status else [],
    }


def sources_report(overview: Mapping[str, LayerOverview], now: datetime) -> list[dict[str, Any]]:
    """Every layer's source, in the registry's order."""
    return [source_entry(layer, item, now) for layer, item in overview.items()]


def _when(iso: str | None, lang: str) -> str:
    return paris_time(datetime.fromisoformat(iso), lang) if iso else "—"


def _size(size: int | None, lang: str) -> str:
    """Bytes in the unit a person reads: '512 o', '12,5 ko', '3,2 Mo' (B, kB, MB in English)."""
    if size is None:
        return "—"
    units = ("bytes", "kilobytes", "megabytes")
    step = 0
    value = float(size)
    while value >= 1000 and step < len(units) - 1:
        value /= 1000
        step += 1
    value = round(value, 1)
    return t(f"sources.{units[step]}", lang, n=number(value, lang, 0 if value.is_integer() else 1))


def panel_row(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """One source as the panel shows it, in the viewer's language (stored reasons and errors stay in French)."""
    state = entry["freshness"]
    reasons = [(t("sources.reason_count", lang, n=number(r["count"], lang)), r["reason"]) for r in entry["rejections"]]
    seconds = entry["fetch_seconds"]
    return {
        "layer": entry["layer"],
        "title": LAYERS[entry["layer"]].title(lang),
        "source": entry["source"],
        "state": state,
        "symbol": SYMBOLS.get(state, "?"),
        "state_label": t(f"state.{state}", lang),
        "format": entry["format"] or "—",
        "url": entry["url"],
        "last_success": _when(entry["last_success"], lang),
        "last_error": entry["last_error"],
        "failures": entry["consecutive_failures"],
        "duration": "—" if seconds is None else t("sources.seconds", lang, n=number(seconds, lang, 1)),
        "size": _size(entry["fetch_bytes"], lang),
        "rejected": number(entry["records_rejected"], lang),
        "reasons": reasons,
        "next_attempt": _when(entry["next_attempt"], lang),
    }
