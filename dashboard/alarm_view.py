"""What the pages and the API say about threshold alarms, in the viewer's language (pure)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from dashboard.alarms import Alarm
from dashboard.i18n import city_time, number, t, zone_label
from dashboard.layers import LAYERS

# Severity is told by a symbol and a word as well as a colour.
SYMBOLS = {"critical": "✖", "warning": "⚠", "info": "ℹ"}
# From this many active alarms of one kind, the panel shows them as one line, opened on demand: at city size
# overdue reports alone raise dozens (one per category).
GROUP_FROM = 3
# How many of a group's subjects its line names, the largest first.
GROUP_NAMED = 3


def _number(value: float, lang: str) -> str:
    """A figure with one decimal only when it has one: '95', '95,5'."""
    value = round(float(value), 1)
    return number(value, lang, 0 if value.is_integer() else 1)


def paris_time(moment: datetime, lang: str) -> str:
    """A moment with its date in Europe/Paris, labelled as such: '25/11/2026 17:05 (heure de Paris, CET)'."""
    return t("alarms.paris_time", lang, time=city_time(moment, lang, with_date=True), zone=zone_label(moment))


def alarm_what(alarm: Alarm, lang: str) -> str:
    """What is wrong, with the measured value and the rule's threshold."""
    return t(
        f"alarms.{alarm.kind}",
        lang,
        value=_number(alarm.value, lang),
        threshold=_number(alarm.threshold, lang),
        detail=alarm.detail,
    )


def alarm_where(alarm: Alarm, lang: str) -> str:
    """Which car park, site, report category or source, with its commune when known."""
    layer = LAYERS.get(alarm.layer)
    if alarm.kind == "source_down":
        return t("alarms.where_source", lang, title=layer.title(lang) if layer else alarm.layer, name=alarm.name)
    kind = next((k for k in layer.alarm_kinds if k.kind == alarm.kind), None) if layer else None
    if kind is not None and kind.where_key:
        return t(kind.where_key, lang, name=alarm.name, commune=alarm.commune)
    return f"{alarm.name}, {alarm.commune}" if alarm.commune else alarm.name


def severity_label(severity: str, lang: str) -> str:
    """The severity in words."""
    return t(f"alarms.severity.{severity}", lang)


def acknowledgement(alarm: Alarm, lang: str) -> str:
    """Who acknowledged the alarm and when (Paris time), or '' while nobody has."""
    if not alarm.acknowledged_by or alarm.acknowledged_at is None:
        return ""
    return t("alarms.acknowledged", lang, who=alarm.acknowledged_by, time=paris_time(alarm.acknowledged_at, lang))


def alarm_row(alarm: Alarm, lang: str) -> dict[str, str]:
    """One alarm as the managers' panel shows it."""
    return {
        "id": alarm.id,
        "severity": alarm.severity,
        "symbol": SYMBOLS[alarm.severity],
        "severity_label": severity_label(alarm.severity, lang),
        "what": alarm_what(alarm, lang),
        "where": alarm_where(alarm, lang),
        "since": paris_time(alarm.since, lang),
        "acknowledged": acknowledgement(alarm, lang),
    }


def panel_blocks(alarms: list[Alarm], lang: str) -> list[dict[str, Any]]:
    """The panel's blocks in the alarms' order: runs of single rows, and one group per kind with many alarms.

    A group stands where its most serious alarm would; `kind` is None for a run of single rows.
    """
    counts = Counter(alarm.kind for alarm in alarms)
    blocks: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for alarm in alarms:
        row = alarm_row(alarm, lang)
        if counts[alarm.kind] < GROUP_FROM:
            if not blocks or blocks[-1]["kind"] is not None:
                blocks.append({"kind": None, "rows": []})
            blocks[-1]["rows"].append(row)
        elif alarm.kind in groups:
            groups[alarm.kind]["rows"].append(row)
        else:
            groups[alarm.kind] = {"kind": alarm.kind, "severity": alarm.severity, "rows": [row]}
            blocks.append(groups[alarm.kind])
    for kind, group in groups.items():
        group.update(_group_texts([a for a in alarms if a.kind == kind], lang))
    return blocks


def _group_texts(alarms: list[Alarm], lang: str) -> dict[str, Any]:
    """A group's line: how many, the largest subjects with their values, since when, how many unacknowledged."""
    largest = sorted(alarms, key=lambda a: (-a.value, a.name))
    named = ", ".join(f"{a.name} ({_number(a.value, lang)})" for a in largest[:GROUP_NAMED])
    subjects = named + ("…" if len(alarms) > GROUP_NAMED else "")
    severity = alarms[0].severity
    return {
        "symbol": SYMBOLS[severity],
        "severity_label": severity_label(severity, lang),
        "summary": t(f"alarms.group.{alarms[0].kind}", lang, n=len(alarms), subjects=subjects),
        "since": t("alarms.group_since", lang, time=paris_time(min(a.since for a in alarms), lang)),
        "unacknowledged": sum(1 for a in alarms if not a.acknowledged_by),
    }


def ticker_line(alarm: Alarm, lang: str) -> str:
    """One alarm as the wall's ticker says it, text only."""
    return t(
        "alarms.ticker",
        lang,
        symbol=SYMBOLS[alarm.severity],
        severity=severity_label(alarm.severity, lang),
        what=alarm_what(alarm, lang),
        where=alarm_where(alarm, lang),
        since=paris_time(alarm.since, lang),
    )


def alarm_json(alarm: Alarm, lang: str) -> dict[str, Any]:
    """An alarm for the API: its stored fields plus what the screen says about it."""
    row = alarm_row(alarm, lang)
    return {
        **alarm.to_dict(),
        "text": {k: row[k] for k in ("severity_label", "what", "where", "since", "acknowledged")},
    }
