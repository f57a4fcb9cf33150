"""Threshold alarms (pure): which rules hold now, and the raise/clear transitions their hold times give.

No I/O here: the collectors' alarm job reads snapshots, statuses and the stored state, calls
`AlarmEvaluator.evaluate`, and writes the transitions back (dashboard.store.alarms).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboard.alarm_rules import Condition, Rule, condition_key
from dashboard.alarm_settings import SourceDownRule, layer_kinds
from dashboard.models import Snapshot, SourceState, SourceStatus

_TIMES = ("since", "raised_at", "cleared_at", "acknowledged_at")


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


# ---- what the rules find true -----------------------------------------------------------------------------------


def _sources_down(rule: SourceDownRule, statuses: Mapping[str, SourceStatus | None], now: datetime) -> list[Condition]:
    out = []
    for layer in rule.layers:
        status = statuses.get(layer)
        if status is None or status.state is SourceState.OK:
            continue
        since = status.failing_since or status.last_attempt or now
        minutes = max((now - since).total_seconds() / 60, 0.0)
        out.append(
            Condition.found(
                rule,
                layer,
                layer,
                status.source,
                round(minutes),
                rule.down_minutes,
                detail=status.last_error,
                started_at=since,
            )
        )
    return out


def rule_layers(rules: Iterable[Rule]) -> set[str]:
    """The layers whose snapshots the rules read (source-down rules read statuses only)."""
    kinds = layer_kinds()
    return {kinds[type(rule)][0] for rule in rules if type(rule) in kinds}


def find_conditions(
    rules: Iterable[Rule],
    snapshots: Mapping[str, Snapshot | None],
    statuses: Mapping[str, SourceStatus | None],
    now: datetime,
) -> dict[str, list[Condition] | None]:
    """Per rule id, the conditions true now; None when the rule cannot be judged (its layer has no data yet, or
    is no longer registered)."""
    kinds = layer_kinds()
    out: dict[str, list[Condition] | None] = {}
    for rule in rules:
        if isinstance(rule, SourceDownRule):
            out[rule.id] = _sources_down(rule, statuses, now)
            continue
        layer, kind = kinds.get(type(rule), ("", None))
        snapshot = snapshots.get(layer)
        out[rule.id] = kind.conditions(rule, snapshot) if kind is not None and snapshot is not None else None
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
