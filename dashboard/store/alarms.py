"""Threshold alarms in Redis: active alarms, held conditions, recently cleared alarms and a version to poll."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import redis
from redis.client import Pipeline

from dashboard import keys
from dashboard.alarm_rules import SEVERITIES
from dashboard.alarms import Alarm, AlarmState, Evaluation
from dashboard.store.clock import server_ms
from dashboard.store.errors import unavailable_on_redis_error
from dashboard.store.transaction import Fence, transaction


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _state(pending_raw: dict[Any, Any], active_raw: dict[Any, Any]) -> AlarmState:
    pending = {_text(k): datetime.fromisoformat(_text(v)) for k, v in pending_raw.items()}
    active = {_text(k): Alarm.from_dict(orjson.loads(v)) for k, v in active_raw.items()}
    return AlarmState(pending=pending, active=active)


def by_severity(alarms: list[Alarm]) -> list[Alarm]:
    """Most serious first, then oldest first."""
    return sorted(alarms, key=lambda a: (SEVERITIES.index(a.severity), a.since, a.name))


class AlarmStore:
    """Reads and writes the threshold alarms (a store of its own: alarms span layers and have their own tag)."""

    def __init__(self, client: redis.Redis, *, cleared_kept: int = 200) -> None:
        self.redis = client
        self.cleared_kept = cleared_kept

    def version(self) -> int:
        """The alarms' version: it changes on every raise, clear and acknowledgement (one GET per poll)."""
        with unavailable_on_redis_error():
            return int(self.redis.get(keys.alarms_version()) or 0)

    def state(self) -> AlarmState:
        """Held conditions and active alarms, as the evaluator needs them."""
        with unavailable_on_redis_error(), self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.alarms_pending())
            pipe.hgetall(keys.alarms_active())
            pending_raw, active_raw = pipe.execute()
        return _state(pending_raw, active_raw)

    def active(self) -> list[Alarm]:
        """The active alarms, most serious and oldest first."""
        with unavailable_on_redis_error():
            raw = self.redis.hvals(keys.alarms_active())
        return by_severity([Alarm.from_dict(orjson.loads(item)) for item in raw])

    def cleared(self, count: int | None = None) -> list[Alarm]:
        """Recently cleared alarms, newest first (at most `count`)."""
        end = -1 if count is None else count - 1
        with unavailable_on_redis_error():
            raw = self.redis.lrange(keys.alarms_cleared(), 0, end)
        return [Alarm.from_dict(orjson.loads(item)) for item in raw]

    def update(self, evaluate: Callable[[AlarmState], Evaluation], *, fence: Fence | None = None) -> Evaluation:
        """Read the state, evaluate it and write the transitions in one transaction; return them.

        Evaluated again if an acknowledgement lands in between, so a cleared alarm keeps who acknowledged it.
        With a `fence`, nothing is written unless the leader lock still holds the fence's token.
        """

        def write(pipe: Pipeline) -> Evaluation:
            evaluation = evaluate(_state(pipe.hgetall(keys.alarms_pending()), pipe.hgetall(keys.alarms_active())))
            pipe.multi()
            self._write(pipe, evaluation)
            return evaluation

        with unavailable_on_redis_error():
            return transaction(self.redis, write, keys.alarms_active(), keys.alarms_pending(), fence=fence)

    def bump_version(self, *, pipeline: Pipeline | None = None) -> None:
        """Move the alarms' version, so that pages redraw their alarms; with `pipeline`, in that transaction.

        A lost (or never set) version starts again from the server's clock, like a layer's version
        (dashboard.store.clock.server_ms): never one that a page may still show from before a loss.
        """
        now_ms = server_ms(self.redis)

        def write(pipe: Pipeline) -> None:
            pipe.multi()
            pipe.set(keys.alarms_version(), now_ms, nx=True)
            pipe.incr(keys.alarms_version())

        with unavailable_on_redis_error():
            transaction(self.redis, write, pipeline=pipeline)

    def _write(self, pipe: Pipeline, evaluation: Evaluation) -> None:
        if evaluation.raised:
            pipe.hset(keys.alarms_active(), mapping={a.id: orjson.dumps(a.to_dict()) for a in evaluation.raised})
        if evaluation.cleared:
            pipe.hdel(keys.alarms_active(), *(a.id for a in evaluation.cleared))
            pipe.lpush(keys.alarms_cleared(), *(orjson.dumps(a.to_dict()) for a in evaluation.cleared))
            pipe.ltrim(keys.alarms_cleared(), 0, self.cleared_kept - 1)
        if evaluation.pending_started:
            pipe.hset(
                keys.alarms_pending(),
                mapping={key: since.isoformat() for key, since in evaluation.pending_started.items()},
            )
        if evaluation.pending_ended:
            pipe.hdel(keys.alarms_pending(), *evaluation.pending_ended)
        if evaluation.changes_alarms:
            self.bump_version(pipeline=pipe)

    def acknowledge(self, alarm_id: str, who: str, when: datetime) -> Alarm | None:
        """Record that `who` acknowledged the active alarm `alarm_id` at `when`; the first acknowledgement stays.

        Returns the alarm as stored afterwards, or None when no such alarm is active (cleared in the meantime).
        """

        def write(pipe: Pipeline) -> Alarm | None:
            raw = pipe.hget(keys.alarms_active(), alarm_id)
            if raw is None:
                return None
            alarm = Alarm.from_dict(orjson.loads(raw))
            if alarm.acknowledged_by:
                return alarm
            acknowledged = replace(alarm, acknowledged_by=who, acknowledged_at=when)
            pipe.multi()
            pipe.hset(keys.alarms_active(), alarm_id, orjson.dumps(acknowledged.to_dict()))
            self.bump_version(pipeline=pipe)
            return acknowledged

        with unavailable_on_redis_error():
            return transaction(self.redis, write, keys.alarms_active())
