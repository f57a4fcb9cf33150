"""Any layer's records as table rows and as a CSV file: the accessible alternative to the map (pure).

Columns come from the layer's record type, so a layer added to the registry gets its table without code here;
personal fields (models.PERSONAL_FIELDS) are never among them. Times are shown in Europe/Paris as
'yyyy-MM-dd HH:mm', which sorts as text and which spreadsheets read as a date.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from dashboard.i18n import CITY_ZONE, MESSAGES, t
from dashboard.layers import LAYERS
from dashboard.models import PERSONAL_FIELDS, Record

# The client-side row model holds every row in the browser: fine for tens of thousands. Beyond this the table
# shows the newest rows and says so; the CSV download always carries every filtered row.
TABLE_ROW_LIMIT = 20_000
# Codes duplicated by a readable column next to them.
_HIDDEN_FIELDS = frozenset({"commune_code", "quartier"})
_POSITION_FIELDS = frozenset({"lon", "lat"})
CSV_SEPARATOR = ";"
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M"
# Text a spreadsheet would run as a formula starts with one of these; both CSV exports (this one and the grid's
# own, see layouts.tables) put FORMULA_ESCAPE before it. Numbers in number columns are left as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"
# Rows per piece of a streamed CSV download.
CSV_CHUNK_ROWS = 2000


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a layer's table: the record field, its header in a language, and its kind."""

    field: str
    header: str
    kind: str  # "text", "number" or "time"


def _kind(field: dataclasses.Field) -> str:
    annotation = str(field.type)
    if "datetime" in annotation:
        return "time"
    if annotation in {"int", "float"}:
        return "number"
    return "text"


def columns(record_type: type, lang: str) -> list[Column]:
    """The table's columns for a layer's record type, headers in `lang`, personal fields left out."""
    out = []
    # Positions last: they are for spreadsheets and GIS tools more than for reading.
    fields = sorted(dataclasses.fields(record_type), key=lambda f: f.name in _POSITION_FIELDS)
    for field in fields:
        if field.name in PERSONAL_FIELDS or field.name in _HIDDEN_FIELDS:
            continue
        key = f"column.{field.name}"
        header = t(key, lang) if key in MESSAGES else field.name
        kind = _kind(field)
        if kind == "time":
            header = t("column.paris_time", lang, header=header)
        out.append(Column(field.name, header, kind))
    return out


def _cell(value: Any, lang: str) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(CITY_ZONE).strftime(CSV_TIME_FORMAT)
    if isinstance(value, Enum):
        prefix = _value_labels().get(type(value))
        key = f"{prefix}.{value.value}"
        return t(key, lang) if prefix and key in MESSAGES else str(value.value)
    if isinstance(value, float):
        return round(value, 6)
    return "" if value is None else value


def _value_labels() -> dict[type, str]:
    """Where the words for each enumeration's values live in the message catalogue, from every layer."""
    return {kind: prefix for layer in LAYERS.values() for kind, prefix in layer.value_labels.items()}


def rows(records: Sequence[Record], cols: Sequence[Column], lang: str) -> list[dict[str, Any]]:
    """One dict per record with the columns' values (times in Europe/Paris, statuses in words)."""
    return [{col.field: _cell(getattr(record, col.field), lang) for col in cols} for record in records]


def newest_first(records: Sequence[Record], limit: int = TABLE_ROW_LIMIT) -> list[Record]:
    """At most `limit` records, the most recently created first when records carry a creation time."""
    ordered = list(records)
    if ordered and hasattr(ordered[0], "created_at"):
        ordered.sort(key=lambda record: record.created_at, reverse=True)
    return ordered[:limit]


def _csv_value(value: Any, kind: str, lang: str) -> str:
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        return text.replace(".", ",") if lang == "fr" else text
    text = str(value)
    return FORMULA_ESCAPE + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(table_rows: Sequence[dict[str, Any]], cols: Sequence[Column], lang: str) -> bytes:
    """A spreadsheet-friendly CSV: UTF-8 with a byte-order mark, ';' between fields, CRLF line ends.

    The header row is in `lang`; in French, decimals take a comma. Text that a spreadsheet would run as a
    formula starts with an apostrophe.
    """
    return b"".join(_csv_chunks(iter(table_rows), cols, lang))


def csv_stream(records: Iterable[Record], cols: Sequence[Column], lang: str) -> Iterator[bytes]:
    """`csv_bytes` of the records' rows, made a few thousand rows at a time: a download of any size is sent
    as it is written, and never held whole in memory."""
    return _csv_chunks((rows((record,), cols, lang)[0] for record in records), cols, lang)


def _csv_chunks(table_rows: Iterator[dict[str, Any]], cols: Sequence[Column], lang: str) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    out.write("\ufeff")
    writer.writerow([col.header for col in cols])
    for number, row in enumerate(table_rows, start=1):
        writer.writerow([_csv_value(row.get(col.field, ""), col.kind, lang) for col in cols])
        if number % CSV_CHUNK_ROWS == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_filename(layer: str, data_time: datetime | None) -> str:
    """`<layer>-<yyyymmdd-hhmm>.csv` in the city's time of the data (or just `<layer>.csv`)."""
    if data_time is None:
        return f"{layer}.csv"
    return f"{layer}-{data_time.astimezone(CITY_ZONE).strftime('%Y%m%d-%H%M')}.csv"
