"""Power from meters that publish a running index (SmartMeteringObservation `totalConsumption`, in kWh)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from dashboard.rows import Rejected, number, timestamp


class MeterIndexes:
    """Remembers each meter's last index so the next reading gives the mean power between the two.

    The first reading of a meter gives no power yet: that row is left without one and validation rejects it
    with the reason below. A reading without its own date (`observed_at`) is dated by our fetch.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[datetime, float, float | None]] = {}

    def power(self, rows: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Rows with `power_kw` filled from the index difference where they have an index and no power."""
        out = []
        for row in rows:
            if row.get("energy_kwh") in (None, "") or row.get("power_kw") not in (None, "") or row.get("power_w"):
                out.append(row)
                continue
            try:
                index = number(row, "energy_kwh")
                when = timestamp(row, "observed_at", now) if row.get("observed_at") else now
            except Rejected:
                out.append(row)  # validation gives the reason
                continue
            key = str(row.get("id"))
            previous = self._last.get(key)
            if previous is None:
                self._last[key] = (when, index, None)
                power = None
            elif when <= previous[0]:
                power = previous[2]  # the same reading again: the power worked out last time still holds
            else:
                hours = (when - previous[0]).total_seconds() / 3600
                power = max(index - previous[1], 0.0) / hours  # an index reset (new meter) reads as 0
                self._last[key] = (when, index, power)
            out.append({**row, "power_kw": power, "first_reading": power is None})
        return out


def latest_per_meter(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per id, the most recently observed, for brokers that keep each observation as an entity.

    Rows are compared by their `observed_at` text (ISO 8601 in UTC sorts as time); undated rows keep the first.
    """
    latest: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row.get("id")
        kept = latest.get(key)
        if key in (None, "") or kept is None:
            latest[key if key not in (None, "") else id(row)] = row
        elif str(row.get("observed_at") or "") > str(kept.get("observed_at") or ""):
            latest[key] = row
    return list(latest.values())


class MeterPower:
    """A feed stage for meters: one row per meter (the latest), with power from its index since the last read."""

    def __init__(self) -> None:
        self.indexes = MeterIndexes()

    def __call__(self, rows: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        return self.indexes.power(latest_per_meter(rows), now)
