"""The alarm job: evaluates the threshold rules on the stored layers, in one collector process at a time."""

from __future__ import annotations

import logging
import threading

from dashboard.alarms import AlarmEvaluator, Evaluation
from dashboard.collectors.loop import LeaderLoop
from dashboard.layers import LAYERS
from dashboard.models import Snapshot
from dashboard.store import AlarmStore, LeaderLock, Store

log = logging.getLogger(__name__)


class AlarmJob:
    """Every `interval` seconds, while holding the alarms' leader lock: read the layers, evaluate, write transitions."""

    def __init__(
        self, store: Store, alarms: AlarmStore, leader: LeaderLock, evaluator: AlarmEvaluator, *, interval: float
    ) -> None:
        self.store = store
        self.alarms = alarms
        self.leader = leader
        self.evaluator = evaluator
        self.interval = interval
        # Records are read again only when a layer's version moves: most evaluations cost one round trip.
        self._snapshots: dict[str, Snapshot] = {}

    def run_once(self) -> Evaluation:
        """Evaluate the rules once and store the transitions (StoreUnavailable, NotLeader propagate)."""
        overview = self.store.overview(LAYERS)
        snapshots: dict[str, Snapshot | None] = {}
        for layer in sorted(self.evaluator.layers):
            head = overview[layer].head
            cached = self._snapshots.get(layer)
            if head is not None and (cached is None or cached.version != head.version):
                cached = self.store.snapshot(layer)
                if cached is not None:
                    self._snapshots[layer] = cached
            snapshots[layer] = cached if head is not None else None
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
