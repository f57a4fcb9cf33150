"""Layer summaries as typed values: the fields a layer keeps per version, their schema number, reading older shapes.

A summary is stored with its snapshot and kept in history for days, so its stored form outlives the code that
wrote it. Each layer declares its summary as a frozen dataclass subclassing `LayerSummary`: every field has a
default (the value a field takes when an older entry lacks it), `SCHEMA` goes up when a field is renamed or
changes meaning, and `MIGRATIONS` bring an older shape up one schema at a time. The stored form is
`{"schema": n, **fields}`; it is read back only through `from_stored`, which takes every older shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Self

# Brings the stored data of one schema to the shape of the next (a copy; the data read is left as it is).
Migration = Callable[[dict[str, Any]], dict[str, Any]]
# What a stored field's value must be, by the type of its default: JSON gives lists for tuples.
_ACCEPTED: tuple[tuple[type, tuple[type, ...]], ...] = (
    (bool, (bool,)),
    (int, (int,)),
    (float, (int, float)),
    (str, (str,)),
    (dict, (dict,)),
    (tuple, (list, tuple)),
)


class UnreadableSummary(ValueError):
    """A stored summary that its layer's summary type cannot read (not an object, or a field of the wrong kind)."""


def renamed(old: str, new: str) -> Migration:
    """A migration for a field renamed from `old` to `new`: its value moves (a value already under `new` wins)."""

    def migrate(data: dict[str, Any]) -> dict[str, Any]:
        moved = dict(data)
        if old in moved:
            value = moved.pop(old)
            moved.setdefault(new, value)
        return moved

    return migrate


@dataclass(frozen=True, slots=True)
class LayerSummary:
    """A layer's figures for one version: subclass it with fields that all have defaults."""

    # The stored shape's number: raise it (and add a migration) when a field is renamed or changes meaning.
    SCHEMA: ClassVar[int] = 1
    # schema n -> how data stored under schema n becomes data of schema n + 1.
    MIGRATIONS: ClassVar[Mapping[int, Migration]] = {}
    # Fields holding a number per site ({record id: number}): the details panels draw them over time.
    PER_SITE: ClassVar[tuple[str, ...]] = ()
    # The field holding each record's position ({record id: [lon, lat, status, place]}), whose changes are moves.
    POSITIONS: ClassVar[str | None] = None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The summary's fields, in declaration order."""
        return tuple(name for name, _kind, _default in _specs(cls))

    @classmethod
    def check_declarations(cls) -> None:
        """Raise ValueError unless PER_SITE and POSITIONS name fields of the summary (checked with its layer)."""
        names = set(cls.field_names())
        unknown = [name for name in (*cls.PER_SITE, cls.POSITIONS) if name is not None and name not in names]
        if unknown:
            raise ValueError(f"{cls.__name__} declares fields it does not have: {', '.join(unknown)}")

    @classmethod
    def from_stored(cls, data: Any) -> Self:
        """The summary stored as `data`, whatever schema wrote it; raise UnreadableSummary when it cannot be read.

        No schema number is schema 1 (what was stored before summaries had one); each older schema goes through
        its migration; unknown keys are ignored and missing fields take their defaults. A newer schema than this
        code knows (a newer collector during an upgrade) is read the same way, for the fields both know.
        """
        if not isinstance(data, Mapping):
            raise UnreadableSummary(f"{cls.__name__}: a stored summary is an object, not {type(data).__name__}")
        schema = data.get("schema", 1)
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise UnreadableSummary(f"{cls.__name__}: schema {schema!r} is not a schema number")
        upgraded = dict(data)
        for number in range(schema, cls.SCHEMA):
            migrate = cls.MIGRATIONS.get(number)
            if migrate is not None:
                upgraded = migrate(upgraded)
        values = {}
        for name, kinds, _default in _specs(cls):
            if name not in upgraded:
                continue
            value = upgraded[name]
            if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
                raise UnreadableSummary(f"{cls.__name__}.{name}: {type(value).__name__} is not a {kinds[0].__name__}")
            values[name] = tuple(value) if tuple in kinds else value
        return cls(**values)

    def to_stored(self) -> dict[str, Any]:
        """The summary as stored and served: its schema number, then its fields (JSON-ready)."""
        return {"schema": self.SCHEMA, **{name: getattr(self, name) for name, _kinds, _default in _specs(type(self))}}


@cache
def _specs(cls: type[LayerSummary]) -> tuple[tuple[str, tuple[type, ...], Any], ...]:
    """(name, accepted stored types, default) of each field of a summary type; its fields must all have defaults."""
    specs = []
    for item in dataclasses.fields(cls):
        if item.default is not dataclasses.MISSING:
            default = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            raise TypeError(f"{cls.__name__}.{item.name} needs a default: older summaries may lack it")
        kinds = next((accepted for kind, accepted in _ACCEPTED if isinstance(default, kind)), None)
        if kinds is None:
            raise TypeError(f"{cls.__name__}.{item.name}: a summary field is a number, text, object or list")
        specs.append((item.name, kinds, default))
    return tuple(specs)
