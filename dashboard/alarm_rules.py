"""What every threshold alarm rule is made of: its settings' base, the condition it finds, and `AlarmKind`, the hook
through which a layer offers a kind of rule.

Nothing here names a layer: each layer module defines its own kinds (settings model, default rule, what it finds
true in a snapshot) on its `Layer`; dashboard.alarm_settings gathers them from the registry for the [alarms]
table, and dashboard.alarms evaluates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from dashboard.models import Snapshot

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")  # most serious first

_RULE_ID = r"^[a-z0-9][a-z0-9_-]*$"
_WEEK_MINUTES = 7 * 24 * 60


class Rule(BaseModel):
    """The settings every rule has: its id, its severity; each kind adds a `kind` literal and its thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_RULE_ID, max_length=40)
    kind: str  # each kind narrows it to its own literal, on which the [alarms] table's rules are told apart
    severity: Severity = "warning"

    @property
    def hold(self) -> timedelta:
        """How long the condition must stay true before the alarm is raised (none unless the kind says)."""
        return timedelta(0)


class HeldRule(Rule):
    """A rule raised once its condition has held for `hold_minutes`."""

    hold_minutes: float = Field(0.0, ge=0, le=_WEEK_MINUTES)

    @property
    def hold(self) -> timedelta:
        """How long the condition must stay true before the alarm is raised."""
        return timedelta(minutes=self.hold_minutes)


def condition_key(rule: str, subject: str) -> str:
    """The stable name of one rule on one subject, under which its pending time and alarm are kept."""
    return f"{rule}|{subject}"


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

    @classmethod
    def found(
        cls, rule: Rule, layer: str, subject: str, name: str, value: float, threshold: float, **more: Any
    ) -> Condition:
        """`rule` found true on `subject` of `layer`, with the value measured."""
        return cls(rule.id, rule.kind, rule.severity, layer, subject, name, value, threshold, **more)


@dataclass(frozen=True, slots=True)
class AlarmKind:
    """A kind of rule a layer offers: its settings model (with a `kind` literal), the rule in force when the
    settings name none (None: only when configured), the conditions a rule of it finds in the layer's
    snapshot (`conditions(rule, snapshot)`), and the message key saying where an alarm of it is (given
    `name` and `commune`; None: the subject's name, and its commune when known)."""

    settings: type[Rule]
    conditions: Callable[[Any, Snapshot], list[Condition]]
    default: Rule | None = None
    where_key: str | None = None

    @property
    def kind(self) -> str:
        """The value of `kind` that selects this kind in the [alarms] table."""
        (name,) = get_args(self.settings.model_fields["kind"].annotation)
        return name
