"""The alarm job: evaluates the threshold rules on the stored layers, in one collector process at a time."""

from __future__ import annotations

import logging
import threading

from dashboard.alarms import AlarmEvaluator, Evaluation
from dashboard.collectors.loop import LeaderLoop
from dashboard.layers import LAYERS
from dashboard.models import Snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.store import AlarmStore, LeaderLock

log = logging.getLogger(__name__)


class AlarmJob:
    """Every `interval` seconds, while holding the alarms' leader lock: read the layers, evaluate, write transitions."""

    def __init__(
        self,
        snapshots: SnapshotReader,
        alarms: AlarmStore,
        leader: LeaderLock,
        evaluator: AlarmEvaluator,
        *,
        interval: float,
    ) -> None:
        self.snapshots = snapshots
        self.store = snapshots.store
        self.alarms = alarms
        self.leader = leader
        self.evaluator = evaluator
        self.interval = interval

    def run_once(self) -> Evaluation:
        """Evaluate the rules once and store the transitions (StoreUnavailable, NotLeader propagate)."""
        overview = self.store.overview(LAYERS)
        snapshots: dict[str, Snapshot | None] = {}
        for layer in sorted(self.evaluator.layers):
            # Records are decoded again only when a layer's version moves: most evaluations cost one round trip.
            head = overview[layer].head
            snapshots[layer] = self.snapshots.snapshot(layer, head.version) if head is not None else None
        statuses = {name: item.status for name, item in overview.items()}
        evaluation = self.alarms.update(
            lambda state: self.evaluator.evaluate(snapshots, statuses, state), fence=self.leader.fence()
        )
        for alarm in evaluation.raised:
            log.warning("alarm raised: %s on %s (%s, since %s)", alarm.rule, alarm.name, alarm.value, alarm.since)
        for alarm in evaluation.cleared:
            log.info("alarm cleared: %s on %s", alarm.rule, alarm.name)
        return evaluation

    def evaluate_when_due(self) -> float:
        """Evaluate once and return the seconds until the next evaluation."""
        self.run_once()
        return self.interval

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set: evaluate every interval while leader, probe Redis while it is away."""
        LeaderLoop(
            "alarm evaluation",
            self.leader,
            self.evaluate_when_due,
            retry=self.interval,
            redact=self.store.redactor.text,
        ).run(stop)
