"""The [alarms] table of the settings file: the kinds of rule the registered layers offer, the generic
source-down rule, the rules in force by default, and how often they are checked.

The table's `rules` are a union discriminated on `kind`, built from the registry each time settings are read,
so a layer registered after start-up (a deployment's own) brings its kinds of rule along.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, TypeAdapter, field_validator

from dashboard.alarm_rules import AlarmKind, Rule, Severity
from dashboard.layers import LAYERS


class SourceDownRule(Rule):
    """A layer's source failing for more than `down_minutes` (from its status): one alarm per layer."""

    kind: Literal["source_down"]
    severity: Severity = "critical"
    down_minutes: float = Field(15.0, ge=0, le=7 * 24 * 60)
    layers: tuple[str, ...] = Field(default_factory=lambda: tuple(LAYERS))

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


def layer_kinds() -> dict[type[Rule], tuple[str, AlarmKind]]:
    """Each registered layer's kinds of rule by settings model, with the layer whose snapshots they read."""
    out: dict[type[Rule], tuple[str, AlarmKind]] = {}
    seen = {"source_down": "every layer"}
    for name, layer in LAYERS.items():
        for kind in layer.alarm_kinds:
            if kind.kind in seen:
                raise ValueError(f"alarm kind {kind.kind!r} is offered twice: by {seen[kind.kind]} and by {name}")
            seen[kind.kind] = name
            out[kind.settings] = (name, kind)
    return out


def default_rules() -> tuple[Rule, ...]:
    """The rules in force when the settings file names none: each layer's defaults, in the layers' order, then
    the source-down rule over every layer."""
    defaults = [kind.default for _layer, kind in layer_kinds().values() if kind.default is not None]
    return (*defaults, SourceDownRule(id="source-down", kind="source_down"))


@lru_cache(maxsize=8)
def _rules_adapter(models: tuple[type[Rule], ...]) -> TypeAdapter[tuple[Rule, ...]]:
    union = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (a union built from a tuple)
    return TypeAdapter(tuple[union, ...])


class AlarmSettings(BaseModel):
    """The [alarms] table: how often the rules are checked, how many cleared alarms are kept, the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    evaluate_seconds: float = Field(15.0, ge=0.2, le=3600)
    cleared_kept: int = Field(200, ge=1, le=100_000)
    # Each rule is of its own kind's model (checked below): dumped with that model's fields, not the base's.
    rules: tuple[SerializeAsAny[Rule], ...] = Field(default_factory=default_rules)

    @field_validator("rules", mode="before")
    @classmethod
    def _rules_of_known_kinds(cls, value: Any) -> tuple[Rule, ...]:
        # Validated against the kinds registered now; its errors keep their place (rules.0.parking_full.…).
        return _rules_adapter((*layer_kinds(), SourceDownRule)).validate_python(value)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, value: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [rule.id for rule in value]
        doubles = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if doubles:
            raise ValueError(f"rule id(s) used more than once: {', '.join(doubles)}")
        return value
