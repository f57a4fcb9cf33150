"""Threshold alarm rules as configured in the settings file's [alarms] table, with the shipped defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dashboard.layers import LAYERS

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")  # most serious first

_RULE_ID = r"^[a-z0-9][a-z0-9_-]*$"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_RULE_ID, max_length=40)
    severity: Severity = "warning"


class _HeldRule(_Rule):
    hold_minutes: float = Field(0.0, ge=0, le=7 * 24 * 60)

    @property
    def hold(self) -> timedelta:
        """How long the condition must stay true before the alarm is raised."""
        return timedelta(minutes=self.hold_minutes)


class ParkingFullRule(_HeldRule):
    """A car park at least `threshold_percent` full, held for `hold_minutes`: one alarm per car park."""

    kind: Literal["parking_full"]
    threshold_percent: float = Field(95.0, gt=0, le=100)
    hold_minutes: float = Field(10.0, ge=0, le=7 * 24 * 60)


class ReportsOverdueRule(_HeldRule):
    """Open reports older than `max_age_days` (or the category's own limit): one alarm per category."""

    kind: Literal["reports_overdue"]
    max_age_days: float = Field(14.0, gt=0, le=3660)
    per_category: dict[str, Annotated[float, Field(gt=0, le=3660)]] = Field(default_factory=dict)
    min_count: int = Field(1, ge=1)

    def limit_days(self, category: str) -> float:
        """How many days a report of `category` may stay open before it counts."""
        return self.per_category.get(category, self.max_age_days)


class EnergyAboveTypicalRule(_HeldRule):
    """A metered site drawing more than `above_percent` over its typical power, held: one alarm per site."""

    kind: Literal["energy_above_typical"]
    above_percent: float = Field(50.0, gt=0, le=10000)
    min_kw: float = Field(1.0, ge=0)  # below this, a site's excess is noise, not waste worth an alarm
    hold_minutes: float = Field(15.0, ge=0, le=7 * 24 * 60)


class SourceDownRule(_Rule):
    """A layer's source failing for more than `down_minutes` (from its status): one alarm per layer."""

    kind: Literal["source_down"]
    severity: Severity = "critical"
    down_minutes: float = Field(15.0, ge=0, le=7 * 24 * 60)
    layers: tuple[str, ...] = tuple(LAYERS)

    @property
    def hold(self) -> timedelta:
        """A source's failure is held from its own `failing_since`, for `down_minutes`."""
        return timedelta(minutes=self.down_minutes)

    @field_validator("layers")
    @classmethod
    def _known_layers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(LAYERS))
        if unknown:
            raise ValueError(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}")
        return value


Rule = Annotated[
    ParkingFullRule | ReportsOverdueRule | EnergyAboveTypicalRule | SourceDownRule,
    Field(discriminator="kind"),
]


def default_rules() -> tuple[Rule, ...]:
    """The rules in force when the settings file names none."""
    return (
        ParkingFullRule(id="parking-full", kind="parking_full"),
        ReportsOverdueRule(id="reports-overdue", kind="reports_overdue"),
        EnergyAboveTypicalRule(id="energy-high", kind="energy_above_typical"),
        SourceDownRule(id="source-down", kind="source_down"),
    )


class AlarmSettings(BaseModel):
    """The [alarms] table: how often the rules are checked, how many cleared alarms are kept, the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    evaluate_seconds: float = Field(15.0, ge=0.2, le=3600)
    cleared_kept: int = Field(200, ge=1, le=100_000)
    rules: tuple[Rule, ...] = Field(default_factory=default_rules)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, value: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [rule.id for rule in value]
        doubles = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if doubles:
            raise ValueError(f"rule id(s) used more than once: {', '.join(doubles)}")
        return value
