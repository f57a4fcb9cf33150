"""The alarm evaluator, pure, driven by a fake clock: holds, clears, re-raises, and what the rules find."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.alarm_settings import AlarmSettings, SourceDownRule, default_rules
from dashboard.alarms import Alarm, AlarmEvaluator, AlarmState
from dashboard.layers.energy import EnergyAboveTypicalRule
from dashboard.layers.parking import ParkingFullRule
from dashboard.layers.reports import ReportsOverdueRule
from dashboard.models import (
    EnergyRecord,
    ParkingRecord,
    ReportRecord,
    ReportStatus,
    Snapshot,
    SourceState,
    SourceStatus,
)

T0 = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def parking(occupied: int, capacity: int = 1000) -> dict[str, Snapshot]:
    record = ParkingRecord("capitole", "Capitole", 1.444, 43.6045, capacity, occupied, "garage", commune="Toulouse")
    return {"parking": Snapshot("parking", 1, T0, "demo-parking", True, (record,))}


class Harness:
    """An evaluator with a fake clock and sequential ids, applying its own transitions like the store would."""

    def __init__(self, rules) -> None:
        self.clock = FakeClock()
        counter = itertools.count(1)
        self.evaluator = AlarmEvaluator(rules, clock=self.clock, new_id=lambda: f"a{next(counter)}")
        self.state = AlarmState()

    def step(self, snapshots=None, statuses=None):
        evaluation = self.evaluator.evaluate(snapshots or {}, statuses or {}, self.state)
        self.state = evaluation.apply(self.state)
        return evaluation


PARKING_RULE = ParkingFullRule(id="parking-full", kind="parking_full", threshold_percent=95, hold_minutes=10)


def test_an_alarm_is_raised_only_after_the_condition_held_for_the_hold_time():
    h = Harness([PARKING_RULE])
    first = h.step(parking(960))
    assert first.raised == () and first.pending_started == {"parking-full|capitole": T0}
    h.clock.advance(9.9)
    assert h.step(parking(970)).raised == ()
    h.clock.advance(0.1)
    raised = h.step(parking(955)).raised
    assert [(a.id, a.name, a.since, a.raised_at, a.value) for a in raised] == [
        ("a1", "Capitole", T0, T0 + timedelta(minutes=10), 95.5)
    ]
    assert raised[0].acknowledged_by == "" and raised[0].severity == "warning" and raised[0].commune == "Toulouse"
    assert h.state.pending == {}  # the hold ended with the raise
    h.clock.advance(5)
    assert h.step(parking(990)).raised == ()  # still active: not raised twice


def test_a_dip_below_the_threshold_restarts_the_hold():
    h = Harness([PARKING_RULE])
    h.step(parking(960))
    h.clock.advance(8)
    ended = h.step(parking(940))
    assert ended.pending_ended == ("parking-full|capitole",) and h.state.pending == {}
    h.clock.advance(1)
    h.step(parking(960))
    h.clock.advance(9)
    assert h.step(parking(960)).raised == ()
    h.clock.advance(1)
    assert h.step(parking(960)).raised[0].since == T0 + timedelta(minutes=9)


def test_clear_then_re_raise_is_a_new_unacknowledged_alarm():
    h = Harness([PARKING_RULE])
    h.step(parking(960))
    h.clock.advance(10)
    alarm = h.step(parking(960)).raised[0]
    # Acknowledged by a manager (what the store records).
    acknowledged = replace(alarm, acknowledged_by="camille", acknowledged_at=h.clock.now)
    h.state = AlarmState(pending=h.state.pending, active={alarm.id: acknowledged})

    h.clock.advance(3)
    cleared = h.step(parking(900)).cleared
    assert [(a.id, a.cleared_at, a.acknowledged_by) for a in cleared] == [("a1", h.clock.now, "camille")]
    assert h.state.active == {}

    h.clock.advance(1)
    h.step(parking(999))
    h.clock.advance(10)
    again = h.step(parking(999)).raised
    assert len(again) == 1
    assert again[0].id == "a2" and again[0].id != alarm.id
    assert again[0].acknowledged_by == "" and again[0].acknowledged_at is None
    assert again[0].since == T0 + timedelta(minutes=14)


def test_a_layer_without_data_keeps_its_alarms_and_holds_as_they_are():
    h = Harness([PARKING_RULE])
    h.step(parking(960))
    h.clock.advance(10)
    h.step(parking(960))
    h.clock.advance(1)
    nothing = h.step({})  # no parking snapshot (not written yet): cannot tell, so nothing changes
    assert nothing.cleared == () and nothing.raised == () and len(h.state.active) == 1


def test_a_rule_removed_from_the_configuration_clears_its_alarms():
    h = Harness([PARKING_RULE])
    h.step(parking(960))
    h.clock.advance(10)
    h.step(parking(960))
    h.evaluator = AlarmEvaluator([], clock=h.clock)
    assert [a.rule for a in h.step(parking(960)).cleared] == ["parking-full"]


def test_zero_hold_raises_at_once():
    h = Harness([PARKING_RULE.model_copy(update={"hold_minutes": 0})])
    assert len(h.step(parking(1000)).raised) == 1


def _status(state: SourceState, failing_since: datetime | None) -> dict[str, SourceStatus]:
    status = SourceStatus(
        "parking", "demo-parking", state, failing_since=failing_since, last_error="HTTP 503 du serveur"
    )
    return {"parking": status}


def test_a_source_down_is_held_from_its_own_failing_since():
    rule = SourceDownRule(id="source-down", kind="source_down", down_minutes=15)
    h = Harness([rule])
    assert h.step(statuses=_status(SourceState.OK, None)).raised == ()
    failing_since = T0 - timedelta(minutes=14)
    assert h.step(statuses=_status(SourceState.DEGRADED, failing_since)).raised == ()
    h.clock.advance(1)  # failing for 15 min now, even though this evaluator saw it for one minute
    raised = h.step(statuses=_status(SourceState.DOWN, failing_since)).raised
    assert [(a.layer, a.since, a.severity, a.detail, a.value) for a in raised] == [
        ("parking", failing_since, "critical", "HTTP 503 du serveur", 15)
    ]
    h.clock.advance(1)
    assert [a.layer for a in h.step(statuses=_status(SourceState.OK, None)).cleared] == ["parking"]


def test_reports_overdue_per_category_with_a_default_limit():
    rule = ReportsOverdueRule(
        id="reports-overdue", kind="reports_overdue", max_age_days=7, per_category={"Bruit": 1}, min_count=1
    )

    def report(n: int, category: str, days: float, status=ReportStatus.NEW) -> ReportRecord:
        created = T0 - timedelta(days=days)
        return ReportRecord(f"r{n}", category, status, 1.44, 43.6, created, created)

    records = (
        report(1, "Voirie et trottoirs", 8),
        report(2, "Voirie et trottoirs", 9, ReportStatus.IN_PROGRESS),
        report(3, "Voirie et trottoirs", 8, ReportStatus.RESOLVED),  # not open: does not count
        report(4, "Voirie et trottoirs", 6),
        report(5, "Bruit", 2),  # its own limit is one day
        report(6, "Propreté et déchets", 3),
    )
    h = Harness([rule])
    raised = h.step({"reports": Snapshot("reports", 3, T0, "demo-reports", True, records)}).raised
    assert sorted((a.subject, a.value, a.threshold) for a in raised) == [
        ("Bruit", 1, 1),
        ("Voirie et trottoirs", 2, 7),
    ]


def test_energy_above_typical_by_a_share_held_for_a_time():
    rule = EnergyAboveTypicalRule(id="energy-high", kind="energy_above_typical", above_percent=50, hold_minutes=15)

    def energy(power: float) -> dict[str, Snapshot]:
        records = (
            EnergyRecord("capitole", "Capitole", 1.444, 43.6045, power, 100.0, "administration"),
            EnergyRecord("kiosque", "Kiosque", 1.44, 43.60, 0.6, 0.2, "culture"),  # +200 % but 0.4 kW: noise
        )
        return {"energy": Snapshot("energy", 1, T0, "demo-energy", True, records)}

    h = Harness([rule])
    h.step(energy(150))  # +50 %: not above
    assert h.state.pending == {}
    h.step(energy(180))
    h.clock.advance(15)
    raised = h.step(energy(175)).raised
    assert [(a.subject, a.value, a.threshold) for a in raised] == [("capitole", 75, 50)]


def test_alarm_round_trips_through_json():
    alarm = Alarm("a1", "parking-full", "parking_full", "warning", "parking", "capitole", "Capitole", 96.5, 95, T0, T0)
    assert Alarm.from_dict(alarm.to_dict()) == alarm
    acknowledged = replace(alarm, acknowledged_by="camille", acknowledged_at=T0, cleared_at=T0)
    assert Alarm.from_dict(acknowledged.to_dict()) == acknowledged


def test_default_rules_cover_the_four_kinds():
    assert [(r.id, r.kind) for r in default_rules()] == [
        ("parking-full", "parking_full"),
        ("energy-high", "energy_above_typical"),
        ("reports-overdue", "reports_overdue"),
        ("source-down", "source_down"),
    ]
    parking_rule = AlarmSettings().rules[0]
    assert parking_rule.threshold_percent == 95 and parking_rule.hold == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"id": "x", "kind": "parking_full", "threshold_percent": 120}], "less than or equal to 100"),
        ([{"id": "x", "kind": "lava_flow"}], "lava_flow"),
        ([{"id": "x", "kind": "source_down", "layers": ["trams"]}], "unknown layer(s) trams"),
        ([{"id": "x", "kind": "parking_full", "treshold_percent": 90}], "treshold_percent"),
        ([{"id": "x", "kind": "parking_full"}, {"id": "x", "kind": "source_down"}], "used more than once: x"),
        ([{"id": "Bad Id", "kind": "parking_full"}], "should match pattern"),
    ],
)
def test_rules_are_validated_strictly(tmp_path, rules, message):
    from dashboard.settings import ConfigError, load_settings

    with pytest.raises(ConfigError) as err:
        load_settings({}, alarms={"rules": rules})
    assert message in str(err.value) and "CITYOPS_ALARMS" in str(err.value)
