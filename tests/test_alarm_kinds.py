"""A layer brings its own kinds of alarm rule: a layer defined here alone, with a kind of rule of its own, is
configurable in the [alarms] table, in force by default, and raised by the evaluator, with no other code naming it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import pytest
from pydantic import Field

from dashboard.alarm_rules import AlarmKind, Condition, HeldRule
from dashboard.alarm_settings import AlarmSettings, SourceDownRule, default_rules
from dashboard.alarm_view import alarm_where
from dashboard.alarms import Alarm, AlarmEvaluator, AlarmState
from dashboard.layers import LAYERS, Layer, register, unregister
from dashboard.models import Snapshot
from dashboard.settings import ConfigError, load_settings
from dashboard.summaries import LayerSummary

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Tram:
    id: str
    name: str
    lon: float
    lat: float
    late_minutes: float


class TramLateRule(HeldRule):
    """A tram at least `late_minutes` behind its timetable."""

    kind: Literal["tram_late"]
    late_minutes: float = Field(5.0, gt=0, le=120)


def trams_late(rule: TramLateRule, snapshot: Snapshot) -> list[Condition]:
    return [
        Condition.found(rule, snapshot.layer, tram.id, tram.name, tram.late_minutes, rule.late_minutes)
        for tram in snapshot.records
        if tram.late_minutes >= rule.late_minutes
    ]


@dataclass(frozen=True, slots=True)
class TramSummary(LayerSummary):
    trams: int = 0


def _summary(records: Sequence[Tram]) -> TramSummary:
    return TramSummary(len(records))


TRAMS = Layer(
    name="trams",
    title_fr="Tramways",
    title_en="Trams",
    order=998,
    draw_order=998,
    record_type=Tram,
    refresh_seconds=60,
    freshness_seconds=600,
    public_fields=("id", "name"),
    summarise=_summary,
    summarise_area=lambda records, _now: _summary(records),
    summary_type=TramSummary,
    area_summary_type=TramSummary,
    formats=frozenset({"geojson"}),
    canonical_fields=frozenset({"id", "name", "lon", "lat", "late_minutes"}),
    build=lambda row, _now, _bbox: Tram(**row),
    alarm_kinds=(AlarmKind(TramLateRule, trams_late, TramLateRule(id="tram-late", kind="tram_late")),),
)


@pytest.fixture
def trams() -> Iterator[Layer]:
    register(TRAMS)
    yield TRAMS
    unregister("trams")


def _snapshot(*delays: float) -> Snapshot:
    records = tuple(Tram(f"t{n}", f"Rame {n}", 1.44, 43.6, delay) for n, delay in enumerate(delays, 1))
    return Snapshot("trams", 1, NOW, "demo-trams", True, records)


def test_a_layers_own_kind_is_configurable_and_raised(trams):
    settings = load_settings({}, alarms={"rules": [{"id": "late", "kind": "tram_late", "late_minutes": 8}]})
    (rule,) = settings.alarms.rules
    assert isinstance(rule, TramLateRule) and rule.late_minutes == 8 and rule.severity == "warning"
    assert settings.alarms.model_dump()["rules"][0]["late_minutes"] == 8  # dumped as its own kind
    evaluator = AlarmEvaluator(settings.alarms.rules, clock=lambda: NOW)
    assert evaluator.layers == {"trams"}
    raised = evaluator.evaluate({"trams": _snapshot(3, 9, 12)}, {}, AlarmState()).raised
    assert sorted((a.layer, a.kind, a.subject, a.value, a.threshold) for a in raised) == [
        ("trams", "tram_late", "t2", 9, 8),
        ("trams", "tram_late", "t3", 12, 8),
    ]
    # Not judged while the layer has no snapshot: nothing raised, nothing cleared.
    assert not evaluator.evaluate({}, {}, AlarmState()).changes_alarms


def test_a_layers_own_kind_is_among_the_defaults_and_checked_strictly(trams):
    assert [(r.id, r.kind) for r in default_rules()][-2:] == [
        ("tram-late", "tram_late"),
        ("source-down", "source_down"),
    ]
    assert "trams" in AlarmSettings().rules[-1].layers
    assert SourceDownRule(id="down", kind="source_down", layers=("trams",)).layers == ("trams",)
    with pytest.raises(ConfigError) as err:
        load_settings({}, alarms={"rules": [{"id": "late", "kind": "tram_late", "late_minutes": 500}]})
    assert "CITYOPS_ALARMS[rules.0.tram_late.late_minutes]" in str(err.value)


def test_an_unregistered_layers_kind_is_unknown_again(trams):
    unregister("trams")
    assert "trams" not in LAYERS
    with pytest.raises(ConfigError) as err:
        load_settings({}, alarms={"rules": [{"id": "late", "kind": "tram_late"}]})
    assert "tram_late" in str(err.value) and "CITYOPS_ALARMS" in str(err.value)
    assert "tram_late" not in {rule.kind for rule in default_rules()}


def test_two_layers_may_not_offer_the_same_kind(trams):
    register(replace(TRAMS, name="metro", order=997))
    try:
        with pytest.raises(ValueError, match="tram_late.*offered twice"):
            default_rules()
    finally:
        unregister("metro")


def test_where_an_alarm_is_told_by_its_kind():
    def alarm(rule: str, kind: str, layer: str, subject: str, commune: str = "") -> Alarm:
        return Alarm("a1", rule, kind, "warning", layer, subject, subject, 3, 1, NOW, NOW, commune=commune)

    overdue = alarm("reports-overdue", "reports_overdue", "reports", "Voirie et trottoirs", commune="Toulouse")
    assert alarm_where(overdue, "fr") == "Signalements « Voirie et trottoirs »"  # a category, not a place
    assert alarm_where(alarm("parking-full", "parking_full", "parking", "Capitole", "Toulouse"), "fr") == (
        "Capitole, Toulouse"
    )
