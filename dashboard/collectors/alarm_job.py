"""The alarm job: evaluates the threshold rules on the stored layers, in one collector process at a time."""

from __future__ import annotations

import logging
import threading
import time

import redis

from dashboard.alarm_store import AlarmStore
from dashboard.alarms import AlarmEvaluator, Evaluation
from dashboard.collectors.leader import LeaderLock
from dashboard.layers import LAYERS
from dashboard.models import Snapshot
from dashboard.store import NotLeader, Store, StoreUnavailable

log = logging.getLogger(__name__)

_INFRA_BACKOFF_MAX = 30.0


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

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set: evaluate every interval while leader, back off while Redis is away."""
        infra_failures = 0
        due = 0.0
        while not stop.is_set():
            wait = self.interval
            try:
                if self.leader.hold():
                    if time.monotonic() >= due:
                        due = time.monotonic() + self.interval
                        self.run_once()
                    wait = min(due - time.monotonic(), self.leader.renew_every)
                else:
                    due = 0.0
                    wait = self.leader.renew_every
                infra_failures = 0
            except NotLeader:
                log.warning("lost the alarms' leader lock; another collector evaluates them now")
                self.leader.step_down()
                wait = 0.0
            except (StoreUnavailable, redis.RedisError) as err:
                if infra_failures == 0:
                    log.error("Redis unreachable while evaluating alarms: %s", err)
                infra_failures += 1
                wait = min(_INFRA_BACKOFF_MAX, 0.5 * 2 ** min(infra_failures, 10))
            except Exception:  # noqa: BLE001 - a bug in a rule must not stop the collectors
                log.exception("alarm evaluation failed")
            stop.wait(max(wait, 0.05))
        self.leader.step_down()
