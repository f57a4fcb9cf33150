"""Snapshots, source statuses and history of the layers in Redis, read and written as models."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import redis
from redis.client import Pipeline

from dashboard import keys
from dashboard.layers import LAYERS
from dashboard.models import (
    FetchResult,
    LayerHead,
    LayerOverview,
    Record,
    ReportPersonal,
    Snapshot,
    SourceState,
    SourceStatus,
    record_from_dict,
    record_to_dict,
)
from dashboard.redact import URLS_ONLY, Redactor
from dashboard.store.alarms import AlarmStore
from dashboard.store.clock import server_ms
from dashboard.store.errors import unavailable_on_redis_error
from dashboard.store.leader import LeaderLock
from dashboard.store.locks import BuildLock
from dashboard.store.transaction import Fence, transaction
from dashboard.summaries import LayerSummary, UnreadableSummary

log = logging.getLogger(__name__)

_HEAD_FIELDS = ("version", "fetched_at", "source", "demo", "summary")
# What of a source's status the pages show (badges, banner); its other fields change on every fetch.
_SHOWN_STATUS_FIELDS = (
    "state",
    "last_error",
    "failing_since",
    "consecutive_failures",
    "records_rejected",
    "sample_rejection",
)


@dataclass(frozen=True, slots=True)
class VersionFile:
    """A public file made by the writer for the version it expects to write (`Store.write_snapshot`).

    Stored with the snapshot, in the same transaction, when that is the version written: no reader ever sees
    the version without its file. Otherwise (another writer came between) it is dropped and built on demand.
    """

    version: int
    bodies: dict[str, bytes]
    keep_seconds: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One version of a layer as kept in history: when, by which collector, and its summary."""

    version: int
    fetched_at: datetime
    writer: str
    summary: LayerSummary


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change of a record's value (a report's status): from what, to what, when, and when it was first seen."""

    value: str
    previous: str  # empty when the record was first seen with `value`
    at: datetime  # when the source says it changed
    seen: datetime  # source time of the first snapshot showing it
    version: int


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def _parse_time(raw: bytes | str | None) -> datetime | None:
    if not raw:
        return None
    return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)


def _text(raw: bytes | str | None) -> str:
    if raw is None:
        return ""
    return raw.decode() if isinstance(raw, bytes) else raw


def _decode_hash(raw: dict[Any, Any]) -> dict[str, bytes]:
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in raw.items()}


class Store:
    """Snapshots, source statuses and history of the layers, in Redis."""

    def __init__(
        self, client: redis.Redis, *, history_retention: timedelta = timedelta(days=7), redactor: Redactor = URLS_ONLY
    ) -> None:
        self.redis = client
        self.history_retention = history_retention
        # Masks secrets in a source's error text on the way in, and again on the way out (a status may have been
        # written by an older collector): every badge, banner, ticker and API answer reads statuses through here.
        self.redactor = redactor

    def ping(self) -> None:
        """Raise StoreUnavailable unless Redis answers."""
        with unavailable_on_redis_error():
            self.redis.ping()

    def alarm_store(self, *, cleared_kept: int = 200) -> AlarmStore:
        """The threshold alarms, on the same client (same server, same connection pool)."""
        return AlarmStore(self.redis, cleared_kept=cleared_kept)

    def leader_lock(self, key: str, ttl_seconds: float) -> LeaderLock:
        """The leader lock `key` (dashboard.keys) of a collector job, expiring `ttl_seconds` after its last renewal."""
        return LeaderLock(self.redis, key, ttl_seconds)

    def build_lock(self, key: str, ttl_seconds: float) -> BuildLock:
        """The lock `key` (dashboard.keys) that one worker holds while it builds something for all of them."""
        return BuildLock(self.redis, key, ttl_seconds)

    def public_file(self, layer: str, version: int) -> dict[str, bytes]:
        """The stored bodies of a version's public file by content coding (empty when not stored)."""
        with unavailable_on_redis_error():
            stored = self.redis.hgetall(keys.public_file(layer, version))
        return {_text(coding): body for coding, body in stored.items()}

    def save_public_file(self, layer: str, version: int, bodies: dict[str, bytes], *, keep_seconds: int) -> None:
        """Store a version's public file (content coding -> bytes) for `keep_seconds`."""
        key = keys.public_file(layer, version)
        with unavailable_on_redis_error(), self.redis.pipeline() as pipe:
            pipe.hset(key, mapping=bodies)
            pipe.expire(key, keep_seconds)
            pipe.execute()

    def write_snapshot(
        self,
        layer: str,
        result: FetchResult,
        *,
        source: str,
        demo: bool,
        summary: LayerSummary | None = None,
        areas: dict[str, dict[str, LayerSummary]] | None = None,
        writer: str = "",
        fence: Fence | None = None,
        now: datetime | None = None,
        timeline: dict[str, tuple[str, datetime]] | None = None,
        public_file: Callable[[int], VersionFile] | None = None,
        status: SourceStatus | None = None,
        pipeline: Pipeline | None = None,
    ) -> int:
        """Replace the layer's snapshot and append its summary to history, atomically; return the new version.

        A snapshot that says exactly what the current one says (same records, personal fields and source) is
        not a new version: only its data time moves, and the current version is returned.

        The summary is stored with its schema number (`LayerSummary.to_stored`); without one, the layer's empty
        summary is stored.

        `areas` (figures per level and area code, the layer's area summaries) belongs to this version only and is
        not kept in history; each is stored in its stored form, with its schema number.
        `timeline` maps record ids to (value, when it changed): every value that differs from the previous
        snapshot's is appended to that record's timeline in the same transaction.
        The records' personal fields (`result.personal`) go to their own hash in the same transaction; entries
        of records no longer in the snapshot are removed from it.
        With a `fence`, the write happens only while the leader lock still holds the fence's token.
        `public_file` makes the public file of a given version: called (before the transaction) with the version
        this write expects to create when the content changed, its file is stored with the snapshot if that is
        the version written. A layer's first version (numbered from the server clock) gets none.
        With a `status` (the source's, after this fetch), it is recorded in the same transaction: a page never
        sees the new version beside the status of a failing source, nor the reverse. With `pipeline`, all of it
        is queued in the caller's transaction (dashboard.store.transaction) instead of one of its own.
        """
        if status is not None and status.layer != layer:
            raise ValueError(f"status of {status.layer!r} written with a snapshot of {layer!r}")
        now = now or datetime.now(UTC)
        snapshot_key = keys.snapshot(layer)
        personal_key = keys.personal(layer)
        records = _records_json(result.records)
        personal = _personal_entries(result)
        summary_json = orjson.dumps((summary or LAYERS[layer].summary_type()).to_stored())
        # History ids follow the writer's clock (never going backwards), so trimming by age is exact.
        now_ms = int(now.timestamp() * 1000)
        retention_ms = int(self.history_retention.total_seconds() * 1000)

        digest = _content_digest(records, personal, source, demo)
        draft = None
        if public_file is not None:
            with unavailable_on_redis_error():
                current, current_digest = self.redis.hmget(snapshot_key, ("version", "digest"))
            if current and current_digest != digest:
                draft = public_file(int(current) + 1)

        def write(pipe: Pipeline) -> int:
            previous, previous_digest = pipe.hmget(snapshot_key, ("version", "digest"))
            if previous and previous_digest == digest:
                # Nothing changed but the time the data were current: same version, so nothing is rebuilt
                # or sent again; pages see the newer time (`poll_marks`) and stay fresh.
                pipe.multi()
                pipe.hset(snapshot_key, "fetched_at", _iso(result.fetched_at))
                if status is not None:
                    self.write_status(status, pipeline=pipe)
                return int(previous)
            version = int(previous) + 1 if previous else server_ms(self.redis)
            if not previous:
                # The first snapshot in an empty Redis (first start, or its data were lost): the data begin now.
                # Set apart (another hash slot) and before EXEC, so a composed write needs nothing after it; a
                # write that then fails leaves it a moment early, which the data-loss notice does not mind.
                self.redis.set(keys.born(), version, nx=True)
            entry_ms = max(now_ms, self._last_history_ms(pipe, layer))
            changes = _changes(pipe.hget(snapshot_key, "timeline"), timeline)
            gone = [k for k in pipe.hkeys(personal_key) if _text(k) not in personal]
            pipe.multi()
            pipe.hset(
                snapshot_key,
                mapping={
                    "version": version,
                    "fetched_at": _iso(result.fetched_at),
                    "source": source,
                    "demo": int(demo),
                    "summary": summary_json,
                    "records": records,
                    "digest": digest,
                },
            )
            if areas is None:
                pipe.hdel(snapshot_key, "areas")  # figures of an older version would be wrong now
            else:
                pipe.hset(snapshot_key, "areas", _areas_json(areas))
            if timeline is None:
                pipe.hdel(snapshot_key, "timeline")
            else:
                pipe.hset(snapshot_key, "timeline", orjson.dumps({k: v for k, (v, _at) in timeline.items()}))
            if gone:
                pipe.hdel(personal_key, *gone)
            if personal:
                pipe.hset(personal_key, mapping=personal)
            self._append_timeline(pipe, layer, changes, result.fetched_at, version)
            if draft is not None and draft.version == version:
                pipe.hset(keys.public_file(layer, version), mapping=draft.bodies)
                pipe.expire(keys.public_file(layer, version), draft.keep_seconds)
            pipe.xadd(
                keys.history(layer),
                {"version": version, "fetched_at": _iso(result.fetched_at), "writer": writer, "summary": summary_json},
                id=f"{entry_ms}-*",
                minid=entry_ms - retention_ms,
                approximate=False,
            )
            if status is not None:
                self.write_status(status, pipeline=pipe)
            return version

        with unavailable_on_redis_error():
            return transaction(self.redis, write, snapshot_key, personal_key, fence=fence, pipeline=pipeline)

    def _append_timeline(
        self,
        pipe: Pipeline,
        layer: str,
        changes: list[tuple[str, str, str, datetime]],
        seen: datetime,
        version: int,
    ) -> None:
        """Queue each change on its record's timeline; a timeline lives as long as history after its last change."""
        retention = max(int(self.history_retention.total_seconds()), 1)
        for record_id, previous, value, at in changes:
            key = keys.timeline(layer, record_id)
            entry = {"value": value, "previous": previous, "at": _iso(at), "seen": _iso(seen), "version": version}
            pipe.rpush(key, orjson.dumps(entry))
            pipe.expire(key, retention)

    def personal(self, layer: str, record_id: str) -> ReportPersonal | None:
        """One record's personal fields (managers' details panel only), or None when it has none."""
        with unavailable_on_redis_error():
            raw = self.redis.hget(keys.personal(layer), record_id)
        return ReportPersonal.from_dict(orjson.loads(raw)) if raw else None

    def timeline(self, layer: str, record_id: str, *, now: datetime | None = None) -> list[TimelineEntry]:
        """One record's changes, oldest first, without those older than the history retention."""
        with unavailable_on_redis_error():
            raw = self.redis.lrange(keys.timeline(layer, record_id), 0, -1)
        oldest = (now or datetime.now(UTC)) - self.history_retention
        out = []
        for item in raw:
            data = orjson.loads(item)
            entry = TimelineEntry(
                value=data["value"],
                previous=data["previous"],
                at=datetime.fromisoformat(data["at"]),
                seen=datetime.fromisoformat(data["seen"]),
                version=int(data["version"]),
            )
            if entry.seen >= oldest:
                out.append(entry)
        return out

    @staticmethod
    def _last_history_ms(pipe: Pipeline, layer: str) -> int:
        last = pipe.xrevrange(keys.history(layer), count=1)
        if not last:
            return 0
        entry_id = last[0][0]
        return int((entry_id.decode() if isinstance(entry_id, bytes) else entry_id).split("-")[0])

    def snapshot(self, layer: str) -> Snapshot | None:
        """The layer's current snapshot with its records, or None before the first write."""
        with unavailable_on_redis_error():
            # Not HGETALL: the per-record timeline values stay in Redis, the page never needs them.
            values = self.redis.hmget(keys.snapshot(layer), (*_HEAD_FIELDS, "records"))
        if not values[0]:
            return None
        fields = dict(zip((*_HEAD_FIELDS, "records"), values, strict=True))
        head = _head(layer, fields)
        record_type = LAYERS[layer].record_type
        records = tuple(record_from_dict(record_type, item) for item in orjson.loads(fields["records"]))
        return Snapshot(
            layer=layer,
            version=head.version,
            fetched_at=head.fetched_at or datetime.fromtimestamp(0, UTC),
            source=head.source,
            demo=head.demo,
            records=records,
            summary=head.summary,
        )

    def overview(self, layers: Iterable[str]) -> dict[str, LayerOverview]:
        """Head and status of each layer, read in a single round trip (what every poll asks)."""
        names = list(layers)
        with unavailable_on_redis_error(), self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hmget(keys.snapshot(name), _HEAD_FIELDS)
                pipe.hgetall(keys.status(name))
            replies = pipe.execute()
        out: dict[str, LayerOverview] = {}
        for i, name in enumerate(names):
            head_values, status_raw = replies[2 * i], replies[2 * i + 1]
            head = _head(name, dict(zip(_HEAD_FIELDS, head_values, strict=True))) if head_values[0] else None
            status = _status(name, _decode_hash(status_raw), self.redactor) if status_raw else None
            out[name] = LayerOverview(head=head, status=status)
        return out

    def poll_marks(self, layers: Iterable[str]) -> list[list[str]]:
        """Per layer, its version, data time and the status fields a page shows, in one round trip (no records).

        The data time is there because a fetch that changed nothing keeps the version and moves only that time.
        """
        names = list(layers)
        with unavailable_on_redis_error(), self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hmget(keys.snapshot(name), ("version", "fetched_at"))
                pipe.hmget(keys.status(name), _SHOWN_STATUS_FIELDS)
            replies = pipe.execute()
        return [
            [*map(_text, head), *map(_text, status)] for head, status in zip(replies[::2], replies[1::2], strict=True)
        ]

    def areas(self, layers: Iterable[str]) -> dict[str, tuple[int, dict[str, dict[str, LayerSummary]] | None]]:
        """Per layer: (version, figures per level and area of that version or None), read in one round trip.

        Each area's figures are read through the layer's area summary type; one that cannot be read is left out
        with a log line (the area shows no figures)."""
        names = list(layers)
        with unavailable_on_redis_error(), self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hmget(keys.snapshot(name), ("version", "areas"))
            replies = pipe.execute()
        return {
            name: (int(version or 0), _read_areas(name, raw) if raw else None)
            for name, (version, raw) in zip(names, replies, strict=True)
        }

    def write_status(
        self, status: SourceStatus, *, fence: Fence | None = None, pipeline: Pipeline | None = None
    ) -> None:
        """Record the health of a layer's source (fenced like snapshots when a fence is given; queued in the
        caller's transaction with `pipeline`)."""
        mapping = _status_fields(status, self.redactor)
        key = keys.status(status.layer)

        def write(pipe: Pipeline) -> None:
            pipe.multi()
            pipe.hset(key, mapping=mapping)

        with unavailable_on_redis_error():
            if fence is None and pipeline is None:
                self.redis.hset(key, mapping=mapping)
            else:
                transaction(self.redis, write, fence=fence, pipeline=pipeline)

    def write_status_unless_taken_over(self, status: SourceStatus) -> bool:
        """Record `status` unless another writer has reported on the layer since; return whether it was written.

        For a collector that lost its lock: it may still say why its fetch went unwritten, but never
        overwrite what the new leader has recorded.
        """
        key = keys.status(status.layer)

        def write(pipe: Pipeline) -> bool:
            if _text(pipe.hget(key, "writer")) not in ("", status.writer):
                return False  # the new leader has reported: its word stands
            pipe.multi()
            pipe.hset(key, mapping=_status_fields(status, self.redactor))
            return True

        with unavailable_on_redis_error():
            return transaction(self.redis, write, key)

    def status(self, layer: str) -> SourceStatus | None:
        """The health of the layer's source, or None if no collector has reported yet."""
        with unavailable_on_redis_error():
            raw = self.redis.hgetall(keys.status(layer))
        return _status(layer, _decode_hash(raw), self.redactor) if raw else None

    def history(self, layer: str, since: datetime | None = None) -> list[HistoryEntry]:
        """The layer's history entries, oldest first, optionally only those written since a time."""
        start = f"{int(since.timestamp() * 1000)}-0" if since else "-"
        with unavailable_on_redis_error():
            entries = self.redis.xrange(keys.history(layer), min=start, max="+")
        return _history_entries(layer, entries)

    def history_windows(self, layer: str, windows: Sequence[tuple[int, int]]) -> list[list[HistoryEntry]]:
        """The history entries written in each [start, end) window (epoch milliseconds), in one round trip."""
        with unavailable_on_redis_error(), self.redis.pipeline(transaction=False) as pipe:
            for start, end in windows:
                pipe.xrange(keys.history(layer), min=f"{start}-0", max=f"({end}-0")
            replies = pipe.execute()
        return [_history_entries(layer, entries) for entries in replies]

    def born(self) -> datetime | None:
        """When the first snapshot was written into an empty Redis (first start or data lost), or None if unknown."""
        with unavailable_on_redis_error():
            raw = self.redis.get(keys.born())
        return datetime.fromtimestamp(int(raw) / 1000, UTC) if raw else None

    def history_start(self, layer: str) -> datetime | None:
        """Time of the layer's oldest history entry still kept (its stream id), or None when it has none."""
        with unavailable_on_redis_error():
            first = self.redis.xrange(keys.history(layer), min="-", max="+", count=1)
        if not first:
            return None
        return datetime.fromtimestamp(int(_text(first[0][0]).split("-")[0]) / 1000, UTC)

    def server_time(self) -> float:
        """Redis server clock in seconds (shared reference for all processes)."""
        with unavailable_on_redis_error():
            seconds, micros = self.redis.time()
        return seconds + micros / 1e6

    def revoke_session(self, session_id: str, ends_at: datetime) -> None:
        """Record a manager's session as signed out until `ends_at`, when its cookie is refused anyway."""
        remaining_ms = int((ends_at - datetime.now(UTC)).total_seconds() * 1000)
        if remaining_ms <= 0:
            return
        with unavailable_on_redis_error():
            self.redis.set(keys.revoked_session(session_id), b"1", px=remaining_ms)

    def session_revoked(self, session_id: str) -> bool:
        """Whether a manager's session was signed out (on any worker)."""
        with unavailable_on_redis_error():
            return bool(self.redis.exists(keys.revoked_session(session_id)))


def _records_json(records: Sequence[Record]) -> bytes:
    """The records as one JSON array."""
    # Serialised one at a time: a dict per record, all held at once, would take several times the JSON.
    out = io.BytesIO()
    out.write(b"[")
    for number, record in enumerate(records):
        out.write(b"," if number else b"")
        out.write(orjson.dumps(record_to_dict(record)))
    out.write(b"]")
    return out.getvalue()  # the buffer itself, not a copy, once writing is over


def _content_digest(records: bytes, personal: dict[str, bytes], source: str, demo: bool) -> bytes:
    """A fingerprint of what a snapshot says (its records, their personal fields, where they come from)."""
    digest = hashlib.blake2b(records, digest_size=16)
    for record_id in sorted(personal):
        digest.update(b"\x00" + record_id.encode() + b"\x00" + personal[record_id])
    digest.update(b"\x00" + source.encode() + (b"\x01" if demo else b"\x00"))
    return digest.hexdigest().encode()


def _personal_entries(result: FetchResult) -> dict[str, bytes]:
    """Record id -> JSON of its personal fields, for the records of the snapshot only (not those rejected since)."""
    ids = {record.id for record in result.records}
    return {rid: orjson.dumps(p.to_dict()) for rid, p in result.personal.items() if rid in ids and p.to_dict()}


def _status_fields(status: SourceStatus, redactor: Redactor) -> dict[str, str | int]:
    """A status as stored, its texts without any secret."""
    return {
        "source": status.source,
        "writer": status.writer,
        "state": status.state.value,
        "last_attempt": _iso(status.last_attempt),
        "last_success": _iso(status.last_success),
        "last_error": redactor.text(status.last_error),
        "failing_since": _iso(status.failing_since),
        "consecutive_failures": status.consecutive_failures,
        "records_rejected": status.records_rejected,
        "sample_rejection": redactor.text(status.sample_rejection),
        "rejections": orjson.dumps([[redactor.text(reason), n] for reason, n in status.rejections]),
        "fetch_seconds": "" if status.fetch_seconds is None else status.fetch_seconds,
        "fetch_bytes": "" if status.fetch_bytes is None else status.fetch_bytes,
        "next_attempt": _iso(status.next_attempt),
        "format": status.format,
        "url": redactor.url(status.url) if status.url else "",
    }


def _changes(
    stored: bytes | None, current: dict[str, tuple[str, datetime]] | None
) -> list[tuple[str, str, str, datetime]]:
    """(record id, previous value, new value, when) of each record whose value is not the stored one."""
    if current is None:
        return []
    previous = orjson.loads(stored) if stored else {}
    return [
        (record_id, previous.get(record_id, ""), value, at)
        for record_id, (value, at) in current.items()
        if previous.get(record_id) != value
    ]


def _summary(layer: str, raw: bytes | str, where: str) -> LayerSummary:
    """A stored summary read through the layer's summary type (any schema); UnreadableSummary when it cannot be."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise UnreadableSummary(f"{where}: not JSON ({err})") from err
    try:
        return LAYERS[layer].summary_type.from_stored(data)
    except UnreadableSummary as err:
        raise UnreadableSummary(f"{where}: {err}") from err


def _areas_json(areas: dict[str, dict[str, LayerSummary]]) -> bytes:
    """A version's figures per level and area code, each in its stored form."""
    return orjson.dumps(
        {level: {code: s.to_stored() for code, s in per_area.items()} for level, per_area in areas.items()}
    )


def _read_areas(layer: str, raw: bytes) -> dict[str, dict[str, LayerSummary]] | None:
    """The stored figures per level and area code, read through the layer's area summary type (None if unreadable)."""
    try:
        stored = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        stored = err
    if not isinstance(stored, dict) or not all(isinstance(per_area, dict) for per_area in stored.values()):
        log.warning("figures per area of %s unreadable: %s", layer, str(stored)[:80])
        return None
    summary_type = LAYERS[layer].area_summary_type
    out: dict[str, dict[str, LayerSummary]] = {}
    for level, per_area in stored.items():
        out[level] = {}
        for code, data in per_area.items():
            try:
                out[level][code] = summary_type.from_stored(data)
            except UnreadableSummary as err:
                log.warning("figures of %s for area %s/%s skipped, unreadable: %s", layer, level, code, err)
    return out


def _history_entries(layer: str, entries: Sequence[tuple[Any, dict[Any, Any]]]) -> list[HistoryEntry]:
    """The readable history entries; one that cannot be read is left out with a log line, never fails a page."""
    out = []
    for entry_id, raw in entries:
        try:
            out.append(_history_entry(layer, _text(entry_id), raw))
        except (UnreadableSummary, KeyError, ValueError) as err:
            log.warning("history of %s: entry %s skipped, unreadable: %s", layer, _text(entry_id), err)
    return out


def _history_entry(layer: str, entry_id: str, raw: dict[Any, Any]) -> HistoryEntry:
    fields = _decode_hash(raw)
    return HistoryEntry(
        version=int(fields["version"]),
        fetched_at=_parse_time(fields["fetched_at"]) or datetime.fromtimestamp(0, UTC),
        writer=_text(fields.get("writer")),
        summary=_summary(layer, fields["summary"], f"history entry {entry_id}"),
    )


def _head(layer: str, fields: dict[str, Any]) -> LayerHead:
    summary = None
    if fields.get("summary"):
        try:
            summary = _summary(layer, fields["summary"], "snapshot")
        except UnreadableSummary as err:
            log.warning("snapshot of %s: summary unreadable, shown as missing: %s", layer, err)
    return LayerHead(
        layer=layer,
        version=int(fields["version"]),
        fetched_at=_parse_time(fields.get("fetched_at")),
        source=_text(fields.get("source")),
        demo=_text(fields.get("demo")) == "1",
        summary=summary,
    )


def _status(layer: str, fields: dict[str, Any], redactor: Redactor) -> SourceStatus:
    return SourceStatus(
        layer=layer,
        source=_text(fields.get("source")),
        writer=_text(fields.get("writer")),
        state=SourceState(_text(fields.get("state")) or SourceState.DOWN.value),
        last_attempt=_parse_time(fields.get("last_attempt")),
        last_success=_parse_time(fields.get("last_success")),
        last_error=redactor.text(_text(fields.get("last_error"))),
        failing_since=_parse_time(fields.get("failing_since")),
        consecutive_failures=int(fields.get("consecutive_failures") or 0),
        records_rejected=int(fields.get("records_rejected") or 0),
        sample_rejection=redactor.text(_text(fields.get("sample_rejection"))),
        rejections=_rejections(fields.get("rejections"), redactor),
        fetch_seconds=float(fields["fetch_seconds"]) if fields.get("fetch_seconds") else None,
        fetch_bytes=int(fields["fetch_bytes"]) if fields.get("fetch_bytes") else None,
        next_attempt=_parse_time(fields.get("next_attempt")),
        format=_text(fields.get("format")),
        url=redactor.url(_text(fields.get("url"))) if fields.get("url") else "",
    )


def _rejections(raw: bytes | None, redactor: Redactor) -> tuple[tuple[str, int], ...]:
    """The stored (reason, count) pairs, each reason masked again on the way out."""
    return tuple((redactor.text(str(reason)), int(n)) for reason, n in orjson.loads(raw)) if raw else ()
