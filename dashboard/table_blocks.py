"""The grid's infinite row model on the server: its sort and column filters over a layer's records (pure).

The grid asks for one block of rows at a time with its sort model and filter model. `grid_query` reads those
models against the layer's columns (anything else is left out), `ordered` sorts and filters the records once,
and `block` turns one slice of the result into rows: only the rows of the block are ever built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from dashboard.models import Record
from dashboard.tables import Column, cell, rows

# The column filters the grid offers (layouts.tables), by kind of column; times filter as their text.
TEXT_FILTERS = ("contains", "equals", "startsWith")
NUMBER_FILTERS = ("equals", "lessThan", "greaterThan", "inRange")
# A block is what the grid asks for (100 rows); a request for more is cut here, so no request builds them all.
MAX_BLOCK_ROWS = 500


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    """One column's filter from the grid: text compared without case, or a number compared (range inclusive)."""

    field: str
    kind: str  # "text" or "number"
    operator: str
    value: str | float
    value_to: float | None = None

    def matches(self, shown: Any) -> bool:
        """Whether a cell's value, as the table shows it, passes this filter."""
        if self.kind == "number":
            if not isinstance(shown, int | float) or isinstance(shown, bool):
                return False
            return _NUMBER_TESTS[self.operator](shown, self)
        text = str(shown).casefold()
        return _TEXT_TESTS[self.operator](text, str(self.value).casefold())


_TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda text, wanted: wanted in text,
    "equals": lambda text, wanted: text == wanted,
    "startsWith": lambda text, wanted: text.startswith(wanted),
}
_NUMBER_TESTS: dict[str, Callable[[float, ColumnFilter], bool]] = {
    "equals": lambda number, f: number == f.value,
    "lessThan": lambda number, f: number < f.value,
    "greaterThan": lambda number, f: number > f.value,
    "inRange": lambda number, f: f.value_to is not None and f.value <= number <= f.value_to,
}


@dataclass(frozen=True, slots=True)
class GridQuery:
    """The grid's sort (field, descending) and column filters, kept to the layer's columns."""

    sort: tuple[tuple[str, bool], ...] = ()
    filters: tuple[ColumnFilter, ...] = ()

    def key(self) -> str:
        """A short, stable text naming this query, for the cache of ordered records."""
        sort = ",".join(f"{field}:{'d' if descending else 'a'}" for field, descending in self.sort)
        kept = ",".join(f"{f.field}:{f.operator}:{f.value!r}:{f.value_to!r}" for f in self.filters)
        return f"s={sort}|f={kept}"


def grid_query(sort_model: Any, filter_model: Any, cols: Sequence[Column]) -> GridQuery:
    """The grid's sort and filter models read against `cols`: unknown columns, operators or values are left out."""
    kinds = {col.field: col.kind for col in cols}
    sort = tuple(
        (item["colId"], item["sort"] == "desc")
        for item in (sort_model if isinstance(sort_model, list) else [])
        if isinstance(item, Mapping) and item.get("colId") in kinds and item.get("sort") in ("asc", "desc")
    )
    filters = tuple(
        kept
        for field, model in sorted((filter_model if isinstance(filter_model, Mapping) else {}).items())
        if field in kinds and (kept := _column_filter(field, kinds[field], model)) is not None
    )
    return GridQuery(sort, filters)


def _column_filter(field: str, kind: str, model: Any) -> ColumnFilter | None:
    if not isinstance(model, Mapping):
        return None
    operator, value = model.get("type"), model.get("filter")
    if kind == "number":
        if operator not in NUMBER_FILTERS or not _is_number(value):
            return None
        value_to = model.get("filterTo")
        if operator == "inRange" and not _is_number(value_to):
            return None
        return ColumnFilter(field, "number", operator, value, value_to if operator == "inRange" else None)
    if operator not in TEXT_FILTERS or not isinstance(value, str) or not value:
        return None
    return ColumnFilter(field, "text", operator, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def ordered(records: Sequence[Record], query: GridQuery, lang: str) -> list[Record]:
    """The records passing the query's column filters, in its order (newest first when it has no sort)."""
    kept = list(records)
    for column_filter in query.filters:
        shown = _shown_values(kept, column_filter.field, lang)
        kept = [record for record, value in zip(kept, shown, strict=True) if column_filter.matches(value)]
    if not query.sort:
        if kept and hasattr(kept[0], "created_at"):
            kept.sort(key=lambda record: record.created_at, reverse=True)
        return kept
    # Stable sorts from the last key to the first give the grid's multi-column order.
    for field, descending in reversed(query.sort):
        keys = _sort_keys(kept, field, lang)
        order = sorted(range(len(kept)), key=keys.__getitem__, reverse=descending)
        kept = [kept[i] for i in order]
    return kept


def _shown_values(records: Sequence[Record], field: str, lang: str) -> list[Any]:
    """A column's cells as the table shows them; a value repeated (a status, a category) is put in words once."""
    words: dict[Enum, str] = {}
    out = []
    for record in records:
        value = getattr(record, field)
        if isinstance(value, Enum):
            if value not in words:
                words[value] = cell(value, lang)
            out.append(words[value])
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out.append(value)  # shown as it is
        elif isinstance(value, float):
            out.append(round(value, 6))  # as cell() rounds it, without its other checks: 120,000 times
        else:
            out.append(cell(value, lang))
    return out


def _sort_keys(records: Sequence[Record], field: str, lang: str) -> list[tuple[bool, Any]]:
    """Sort keys of a column: times by instant, statuses by their words, empty cells first."""
    words: dict[Enum, str] = {}
    keys = []
    for record in records:
        value = getattr(record, field)
        if isinstance(value, Enum):
            if value not in words:
                words[value] = cell(value, lang)
            value = words[value]
        keys.append((value is not None and value != "", value if value is not None else ""))
    return keys


def block(ordered_records: Sequence[Record], start: int, end: int, cols: Sequence[Column], lang: str) -> dict:
    """The grid's answer for rows [start, end) of the ordered records: their rows and how many there are."""
    start = max(0, start)
    end = min(max(start, end), start + MAX_BLOCK_ROWS)
    return {"rowData": rows(ordered_records[start:end], cols, lang), "rowCount": len(ordered_records)}
