"""Threshold alarms (pure): which rules hold now, and the raise/clear transitions their hold times give.

No I/O here: the collectors' alarm job reads snapshots, statuses and the stored state, calls
`AlarmEvaluator.evaluate`, and writes the transitions back (dashboard.store.alarms).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.alarm_rules import (
    EnergyAboveTypicalRule,
    ParkingFullRule,
    ReportsOverdueRule,
    Rule,
    SourceDownRule,
)
from dashboard.models import EnergyRecord, ParkingRecord, ReportRecord, Snapshot, SourceState, SourceStatus

_TIMES = ("since", "raised_at", "cleared_at", "acknowledged_at")


@dataclass(frozen=True, slots=True)
class Condition:
    """A rule found true now for one subject (a car park, a report category, a metered site, a layer)."""

    rule: str
    kind: str
    severity: str
    layer: str
    subject: str
    name: str  # where, in words: the car park's or site's name, the category
    value: float  # what was measured: occupancy %, reports overdue, % above typical, minutes failing
    threshold: float
    commune: str = ""
    detail: str = ""
    started_at: datetime | None = None  # when the subject itself says it began (a source's failing_since)

    @property
    def key(self) -> str:
        return condition_key(self.rule, self.subject)


def condition_key(rule: str, subject: str) -> str:
    """The stable name of one rule on one subject, under which its pending time and alarm are kept."""
    return f"{rule}|{subject}"


@dataclass(frozen=True, slots=True)
class Alarm:
    """One raised alarm: what and where, since when the condition holds, and who acknowledged it when."""

    id: str
    rule: str
    kind: str
    severity: str
    layer: str
    subject: str
    name: str
    value: float
    threshold: float
    since: datetime
    raised_at: datetime
    commune: str = ""
    detail: str = ""
    cleared_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None

    @property
    def key(self) -> str:
        return condition_key(self.rule, self.subject)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (times as ISO 8601 UTC, None when unset)."""
        out = asdict(self)
        for name in _TIMES:
            out[name] = out[name].astimezone(UTC).isoformat() if out[name] else None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alarm:
        """Rebuild an alarm from `to_dict` output."""
        values = dict(data)
        for name in _TIMES:
            values[name] = datetime.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class AlarmState:
    """What persists between evaluations: conditions held but not yet raised (and since when), active alarms."""

    pending: Mapping[str, datetime] = field(default_factory=dict)
    active: Mapping[str, Alarm] = field(default_factory=dict)  # by alarm id


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The transitions of one evaluation: alarms raised and cleared, conditions starting and ending their hold."""

    raised: tuple[Alarm, ...] = ()
    cleared: tuple[Alarm, ...] = ()
    pending_started: Mapping[str, datetime] = field(default_factory=dict)
    pending_ended: tuple[str, ...] = ()

    @property
    def changes_alarms(self) -> bool:
        return bool(self.raised or self.cleared)

    def apply(self, state: AlarmState) -> AlarmState:
        """The state after these transitions (what the store holds once they are written)."""
        pending = {k: v for k, v in state.pending.items() if k not in self.pending_ended}
        pending.update(self.pending_started)
        active = {i: a for i, a in state.active.items() if i not in {c.id for c in self.cleared}}
        active.update({a.id: a for a in self.raised})
        return AlarmState(pending=pending, active=active)


# ---- what each kind of rule finds true -------------------------------------------------------------------------


def _found(rule: Rule, layer: str, subject: str, name: str, value: float, threshold: float, **more: str) -> Condition:
    return Condition(rule.id, rule.kind, rule.severity, layer, subject, name, value, threshold, **more)


def _parking_full(rule: ParkingFullRule, snapshot: Snapshot) -> list[Condition]:
    out = []
    for record in snapshot.records:
        assert isinstance(record, ParkingRecord)
        percent = 100 * record.occupancy
        if record.capacity and percent >= rule.threshold_percent:
            out.append(
                _found(
                    rule,
                    "parking",
                    record.id,
                    record.name,
                    round(percent, 1),
                    rule.threshold_percent,
                    commune=record.commune,
                )
            )
    return out


def _reports_overdue(rule: ReportsOverdueRule, snapshot: Snapshot) -> list[Condition]:
    # Ages are taken at the snapshot's own time: the feed's clock, not the collector's.
    as_of = snapshot.fetched_at
    overdue: Counter[str] = Counter()
    for record in snapshot.records:
        assert isinstance(record, ReportRecord)
        if record.status.is_open and as_of - record.created_at > timedelta(days=rule.limit_days(record.category)):
            overdue[record.category] += 1
    return [
        _found(rule, "reports", category, category, count, rule.limit_days(category))
        for category, count in sorted(overdue.items())
        if count >= rule.min_count
    ]


def _energy_above_typical(rule: EnergyAboveTypicalRule, snapshot: Snapshot) -> list[Condition]:
    out = []
    for record in snapshot.records:
        assert isinstance(record, EnergyRecord)
        if record.typical_kw <= 0 or record.power_kw - record.typical_kw < rule.min_kw:
            continue
        above = 100 * (record.power_kw / record.typical_kw - 1)
        if above > rule.above_percent:
            out.append(
                _found(rule, "energy", record.id, record.name, round(above), rule.above_percent, commune=record.commune)
            )
    return out


def _sources_down(rule: SourceDownRule, statuses: Mapping[str, SourceStatus | None], now: datetime) -> list[Condition]:
    out = []
    for layer in rule.layers:
        status = statuses.get(layer)
        if status is None or status.state is SourceState.OK:
            continue
        since = status.failing_since or status.last_attempt or now
        minutes = max((now - since).total_seconds() / 60, 0.0)
        found = _found(rule, layer, layer, status.source, round(minutes), rule.down_minutes, detail=status.last_error)
        out.append(replace(found, started_at=since))
    return out


_SNAPSHOT_RULES: dict[type, tuple[str, Callable[[Any, Snapshot], list[Condition]]]] = {
    ParkingFullRule: ("parking", _parking_full),
    ReportsOverdueRule: ("reports", _reports_overdue),
    EnergyAboveTypicalRule: ("energy", _energy_above_typical),
}


def rule_layers(rules: Iterable[Rule]) -> set[str]:
    """The layers whose snapshots the rules read (source-down rules read statuses only)."""
    return {_SNAPSHOT_RULES[type(rule)][0] for rule in rules if type(rule) in _SNAPSHOT_RULES}


def find_conditions(
    rules: Iterable[Rule],
    snapshots: Mapping[str, Snapshot | None],
    statuses: Mapping[str, SourceStatus | None],
    now: datetime,
) -> dict[str, list[Condition] | None]:
    """Per rule id, the conditions true now; None when the rule cannot be judged (its layer has no data yet)."""
    out: dict[str, list[Condition] | None] = {}
    for rule in rules:
        if isinstance(rule, SourceDownRule):
            out[rule.id] = _sources_down(rule, statuses, now)
            continue
        layer, find = _SNAPSHOT_RULES[type(rule)]
        snapshot = snapshots.get(layer)
        out[rule.id] = find(rule, snapshot) if snapshot is not None else None
    return out


# ---- from conditions to transitions ----------------------------------------------------------------------------


def transitions(
    rules: Iterable[Rule],
    found: Mapping[str, list[Condition] | None],
    state: AlarmState,
    now: datetime,
    new_id: Callable[[], str],
) -> Evaluation:
    """Raise what held long enough, clear what no longer holds, start or end holds; unjudged rules keep their state.

    A cleared alarm is gone: if its condition comes back, it is a new alarm with a new id, unacknowledged.
    """
    holds = {rule.id: rule.hold for rule in rules}
    judged = {rule_id for rule_id, conditions in found.items() if conditions is not None and rule_id in holds}
    active_by_key = {alarm.key: alarm for alarm in state.active.values()}
    true_now: dict[str, Condition] = {c.key: c for rule_id in judged for c in found[rule_id] or ()}
    raised: list[Alarm] = []
    started: dict[str, datetime] = {}
    ended: list[str] = []
    for key, condition in true_now.items():
        if key in active_by_key:
            continue
        since = condition.started_at or state.pending.get(key) or now
        if now - since >= holds[condition.rule]:
            raised.append(_raise(condition, since, now, new_id()))
            if key in state.pending:
                ended.append(key)
        elif key not in state.pending:
            started[key] = since
    ended.extend(key for key in state.pending if key not in true_now and _judged(key, judged, holds))
    cleared = tuple(
        replace(alarm, cleared_at=now)
        for alarm in state.active.values()
        if alarm.key not in true_now and _judged(alarm.key, judged, holds)
    )
    return Evaluation(raised=tuple(raised), cleared=cleared, pending_started=started, pending_ended=tuple(ended))


def _judged(key: str, judged: set[str], holds: Mapping[str, timedelta]) -> bool:
    """Whether the rule behind `key` was judged now; a rule no longer configured counts as judged (false)."""
    rule_id = key.split("|", 1)[0]
    return rule_id in judged or rule_id not in holds


def _raise(condition: Condition, since: datetime, now: datetime, alarm_id: str) -> Alarm:
    return Alarm(
        id=alarm_id,
        rule=condition.rule,
        kind=condition.kind,
        severity=condition.severity,
        layer=condition.layer,
        subject=condition.subject,
        name=condition.name,
        value=condition.value,
        threshold=condition.threshold,
        since=since,
        raised_at=now,
        commune=condition.commune,
        detail=condition.detail,
    )


def _new_alarm_id() -> str:
    return uuid.uuid4().hex


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AlarmEvaluator:
    """The configured rules with a clock: snapshots, statuses and the stored state in, transitions out."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        clock: Callable[[], datetime] = _utcnow,
        new_id: Callable[[], str] = _new_alarm_id,
    ) -> None:
        self.rules = tuple(rules)
        self.clock = clock
        self.new_id = new_id

    @property
    def layers(self) -> set[str]:
        """The layers whose snapshots this evaluator needs."""
        return rule_layers(self.rules)

    def evaluate(
        self,
        snapshots: Mapping[str, Snapshot | None],
        statuses: Mapping[str, SourceStatus | None],
        state: AlarmState,
    ) -> Evaluation:
        """The transitions from `state` given the data now."""
        now = self.clock()
        found = find_conditions(self.rules, snapshots, statuses, now)
        return transitions(self.rules, found, state, now, self.new_id)
