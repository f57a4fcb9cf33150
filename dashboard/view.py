"""The view model of one poll: everything a page shows about the layers, as plain JSON-ready data (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import orjson

from dashboard.freshness import Freshness, freshness
from dashboard.i18n import city_time, t
from dashboard.kpis import kpis
from dashboard.layers import LAYERS
from dashboard.models import LayerHead, LayerOverview, SourceState
from dashboard.summaries import LayerSummary


def build_view(
    overview: dict[str, LayerOverview],
    now: datetime,
    lang: str,
    area: str = "",
    area_figures: dict[str, LayerSummary | None] | None = None,
) -> dict[str, Any]:
    """Versions, badges, KPI texts and the sources banner for `overview`; equal views mean nothing to redraw.

    With an `area` (a key naming the filters that narrow the page, e.g. a commune), the KPI tiles count only what
    passes them, from each layer's `area_figures` (its summary of the filtered records).
    """
    badges = {name: freshness(LAYERS[name], item, now, lang) for name, item in overview.items()}
    alerts = [_alert(badge, lang) for badge in badges.values() if badge.in_trouble]
    heads = {name: item.head for name, item in overview.items()}
    latest = max((h.fetched_at for h in heads.values() if h and h.fetched_at), default=None)
    tiles = heads
    if area:
        figures = area_figures or {}
        tiles = {
            name: replace(head, summary=figures[name]) if head and figures.get(name) is not None else None
            for name, head in heads.items()
        }
    return {
        "area": area,
        "demo": any(h.demo for h in heads.values() if h),
        "versions": {name: (item.head.version if item.head else 0) for name, item in overview.items()},
        "badges": {name: _badge(b, heads[name], LAYERS[name].freshness_seconds) for name, b in badges.items()},
        "kpis": {k.key: {"value": k.value, "detail": k.detail} for k in kpis(tiles, lang)},
        "alerts": alerts,
        "banner": t("banner.sources", lang, layers=" ; ".join(alerts)) if alerts else "",
        "updated": t("app.updated", lang, time=city_time(latest, lang)) if latest else "",
        "due": _due(overview, now),
    }


def view_stamp(marks: list[list[str]], lang: str, area: str) -> str:
    """A short digest of what a view is built from besides the time: versions, shown status fields, language, area."""
    return hashlib.blake2b(orjson.dumps([marks, lang, area]), digest_size=12).hexdigest()


def still_current(seen: dict[str, Any] | None, stamp: str, now: datetime) -> bool:
    """Whether the view a page holds is built from `stamp` and no badge of it has gone stale with time since."""
    if not seen or seen.get("stamp") != stamp:
        return False
    due = seen.get("due")
    return due is None or now.timestamp() * 1000 < due


def _due(overview: dict[str, LayerOverview], now: datetime) -> int | None:
    """When (epoch ms) the first layer still within its budget goes stale by time alone, or None if none will."""
    moments = [
        item.head.fetched_at + timedelta(seconds=LAYERS[name].freshness_seconds)
        for name, item in overview.items()
        if item.head and item.head.fetched_at and (item.status is None or item.status.state is SourceState.OK)
    ]
    upcoming = [moment for moment in moments if moment >= now]
    return int(min(upcoming).timestamp() * 1000) if upcoming else None


def _badge(badge: Freshness, head: LayerHead | None, budget: float) -> dict[str, Any]:
    """A badge as the page shows it, with its data time (epoch ms) and budget for the browser's own ageing."""
    at = head.fetched_at if head else None
    return {
        "state": badge.state,
        "text": f"{badge.label} · {badge.age}" if badge.age else badge.label,
        "reason": badge.reason,
        "label": badge.label,
        "at": int(at.timestamp() * 1000) if at else None,
        "budget": budget,
    }


def _alert(badge: Freshness, lang: str) -> str:
    """One line about a layer in trouble: which, what state, since when, why."""
    since = city_time(badge.since, lang, with_date=True) if badge.since else "?"
    return t(
        "banner.source",
        lang,
        title=LAYERS[badge.layer].title(lang),
        state=badge.label,
        since=since,
        problem=badge.problem or badge.label,
    )
