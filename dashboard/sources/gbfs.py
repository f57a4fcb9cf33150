"""GBFS (General Bikeshare Feed Specification) stations: `station_information` joined with `station_status`.

The configured URL is either the system's discovery file (`gbfs.json`, which lists the other files; GBFS 1.x
and 2.x group them by language, 3.0 does not) or the `station_information.json` itself, in which case
`station_status.json` is read from the same folder. Both files are read on every fetch (conditional
requests make an unchanged one cheap); stations are joined on `station_id`. Configured `params` (an access
key, say) are added to every request.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from dashboard.models import FetchResult
from dashboard.rows import FUTURE_TOLERANCE
from dashboard.sources.base import SourceError
from dashboard.sources.crs import to_wgs84
from dashboard.sources.mapped import MappedFeed
from dashboard.sources.validate import validate_rows

# GBFS 3.0 renamed station_status counts (bikes became vehicles); read under the names the defaults use.
V3_RENAMED = {"num_bikes_available": "num_vehicles_available", "num_bikes_disabled": "num_vehicles_disabled"}

PREFERRED_LANGUAGE = "fr"
STATION_FEEDS = ("station_information", "station_status")


class GbfsSource(MappedFeed):
    """One bike-share system's stations, from its `gbfs.json` discovery URL or its `station_information.json`."""

    format = "gbfs"

    def fetch(self, now: datetime) -> FetchResult:
        """Every station with its status, mapped and validated; stations missing from either file are rejected."""
        with self.client.within_deadline():
            stations, rejected, dated = self.joined_stations(now)
        rows = list(to_wgs84([self._canonical(row) for row in stations], self.crs))
        # Without a usable last_updated, the newest station's last_reported dates the snapshot (validate_rows).
        result = validate_rows(self.layer, rows, now, bbox=self.bbox, fetched_at=dated)
        return dataclasses.replace(result, rejected=(*rejected, *result.rejected))

    def feed_rows(self, now: datetime) -> list[Any]:
        """The stations joined with their status (those missing from either file left out)."""
        return self.joined_stations(now)[0]

    def joined_stations(self, now: datetime) -> tuple[list[dict[str, Any]], list[str], datetime | None]:
        """(station_information rows with their station_status fields, why others were left out, feed time)."""
        information_url, status_url = self.feed_urls()
        information = _stations(self.client.get_json(information_url, self.params), "station_information")
        status_document = self.client.get_json(status_url, self.params)
        statuses = _stations(status_document, "station_status")
        dated, flagged = source_time(status_document, now)
        rejected: list[str] = [f"station_status : {flagged}"] if flagged else []
        by_id: dict[str, dict[str, Any]] = {}
        renamed = major_version(status_document) >= 3
        for status in statuses:
            if isinstance(status, dict) and status.get("station_id") not in (None, ""):
                by_id[str(status["station_id"])] = _as_v2(status) if renamed else status
            else:
                rejected.append("station_status : état de station sans « station_id »")
        rows: list[dict[str, Any]] = []
        known: set[str] = set()
        for station in information:
            if not isinstance(station, dict):
                rejected.append("station_information : station illisible")
                continue
            station_id = str(station.get("station_id") or "")
            known.add(station_id)
            status = by_id.get(station_id)
            if status is None:
                rejected.append(f"{station_id or '?'} : absente de station_status")
                continue
            rows.append({**station, "name": _localised(station.get("name")), **status})
        rejected.extend(f"{sid} : absente de station_information" for sid in by_id if sid not in known)
        return rows, rejected, dated

    def feed_urls(self) -> tuple[str, str]:
        """(station_information URL, station_status URL), from the discovery file unless given directly."""
        if self.url.split("?", 1)[0].endswith("station_information.json"):
            return self.url, urljoin(self.url, "station_status.json")
        feeds = discovered_feeds(self.client.get_json(self.url, self.params))
        missing = [name for name in STATION_FEEDS if name not in feeds]
        if missing:
            raise SourceError(f"gbfs.json ne liste pas {', '.join(missing)} (système sans stations ?)")
        return urljoin(self.url, feeds["station_information"]), urljoin(self.url, feeds["station_status"])


def discovered_feeds(document: Any) -> dict[str, str]:
    """{feed name: URL} from a gbfs.json: 3.0's `data.feeds`, or 1.x/2.x's per-language lists (French first)."""
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise SourceError("gbfs.json inattendu : « data » absent ou invalide")
    feeds = data.get("feeds")
    if feeds is None:
        languages = [lang for lang, value in data.items() if isinstance(value, dict) and "feeds" in value]
        if not languages:
            raise SourceError("gbfs.json inattendu : aucune liste « feeds »")
        chosen = PREFERRED_LANGUAGE if PREFERRED_LANGUAGE in languages else languages[0]
        feeds = data[chosen]["feeds"]
    if not isinstance(feeds, list):
        raise SourceError("gbfs.json inattendu : « feeds » n'est pas une liste")
    return {
        feed["name"]: feed["url"]
        for feed in feeds
        if isinstance(feed, dict) and isinstance(feed.get("name"), str) and isinstance(feed.get("url"), str)
    }


def major_version(document: Any) -> int:
    """The major GBFS version a file declares in its `version` field ("3.0" gives 3); 1 when it declares none."""
    version = document.get("version") if isinstance(document, dict) else None
    head = str(version).split(".", 1)[0].strip() if version is not None else ""
    return int(head) if head.isdigit() else 1


def _as_v2(status: dict[str, Any]) -> dict[str, Any]:
    """A GBFS 3.0 station status with its renamed counts also under their 2.x names (a 2.x name it has wins)."""
    return {**{old: status[new] for old, new in V3_RENAMED.items() if new in status}, **status}


def _stations(document: Any, feed: str) -> list[Any]:
    data = document.get("data") if isinstance(document, dict) else None
    stations = data.get("stations") if isinstance(data, dict) else None
    if not isinstance(stations, list):
        raise SourceError(f"{feed}.json inattendu : « data.stations » absent ou invalide")
    return stations


def _localised(value: Any) -> Any:
    """GBFS 3.0 names are [{"text", "language"}]: the French one, else the first; older names pass through."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        chosen = next((item for item in value if item.get("language", "")[:2] == PREFERRED_LANGUAGE), value[0])
        return chosen.get("text")
    return value


def source_time(document: Any, now: datetime) -> tuple[datetime | None, str]:
    """The feed's own `last_updated` (epoch seconds, or RFC 3339 in 3.0), and why it was set aside if it was.

    None when absent (some vendors leave it out), unreadable or ahead of `now` beyond the tolerance: the
    stations' own times date the data then, never the fetch.
    """
    value = document.get("last_updated") if isinstance(document, dict) else None
    if value is None:
        return None, ""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str):
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError, OSError):
        return None, f"« last_updated » illisible ({str(value)[:30]!r}), ignoré"
    if when.tzinfo is None:
        return None, f"« last_updated » sans fuseau horaire ({value}), ignoré"
    if when > now + FUTURE_TOLERANCE:
        return None, f"« last_updated » dans le futur ({value}), ignoré"
    return min(when.astimezone(UTC), now), ""
