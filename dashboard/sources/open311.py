"""Open311 GeoReport v2 requests, walked in date windows so the 90-day / 1,000-request cap loses nothing.

Servers answer a bare JSON list, a list wrapped in `{"service_requests": [...]}`, or GeoReport's XML
(`<service_requests><request>…</request></service_requests>`, several servers' default); all three are read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dashboard.rows import BBox
from dashboard.sources.base import SourceError
from dashboard.sources.crs import WGS84
from dashboard.sources.http import FeedClient
from dashboard.sources.mapped import MappedFeed
from dashboard.sources.validate import METROPOLE

# A window that still returns the cap at this width cannot be split further: the server is too busy to walk.
MIN_WINDOW = timedelta(minutes=1)


# A bare number with a leading zero (`"service_code":006`), as in the specification's own examples: not JSON.
_LEADING_ZERO = re.compile(rb"([:\[,]\s*)(-?0\d+)(?=\s*[,\]}])")


def quote_leading_zeros(body: bytes) -> bytes:
    """`006` made the string `"006"` wherever a bare number starts with a zero (a code, not a quantity).

    Used only after strict parsing failed; a match inside a string breaks that string, so the repaired body
    then fails too and the original error is reported.
    """
    return _LEADING_ZERO.sub(rb'\1"\2"', body)


class Open311Source(MappedFeed):
    """Citizen reports from an Open311 GeoReport v2 endpoint ({endpoint}/requests.json)."""

    format = "open311"

    def __init__(
        self,
        name: str,
        url: str,
        *,
        layer: str,
        fields: Mapping[str, str] | None = None,
        statuses: Mapping[str, str] | None = None,
        values: Mapping[str, str] | None = None,
        lookback: timedelta = timedelta(days=90),
        window: timedelta = timedelta(days=7),
        cap: int = 1000,
        crs: str = WGS84,
        client: FeedClient | None = None,
        bbox: BBox = METROPOLE,
        decimal_separator: str | None = None,
    ) -> None:
        super().__init__(
            name,
            layer,
            url.rstrip("/"),
            fields=fields,
            statuses=statuses,
            values=values,
            crs=crs,
            client=client,
            bbox=bbox,
            decimal_separator=decimal_separator,
        )
        self.lookback = lookback
        self.window = window
        self.cap = cap

    @property
    def requests_url(self) -> str:
        """The configured URL when it names the document (`…/requests.xml`), else `{endpoint}/requests.json`."""
        if self.url.split("?", 1)[0].lower().endswith((".json", ".xml")):
            return self.url
        return f"{self.url}/requests.json"

    def feed_rows(self, now: datetime) -> list[Any]:
        """Every request of the look-back period, open and closed, each once."""
        start = now - self.lookback
        by_id: dict[Any, Any] = {}
        others: list[Any] = []
        while start < now:
            end = min(start + self.window, now)
            for request in self._walk(start, end):
                key = request.get("service_request_id") if isinstance(request, dict) else None
                first = by_id.setdefault(key, request) if key is not None else None
                # Window bounds are inclusive, so a request on a bound comes twice, identically; any other
                # copy is a real duplicate or a malformed row, left to validation to reject.
                if first is None or first != request:
                    others.append(request)
            start = end
        return [*by_id.values(), *others]

    def _walk(self, start: datetime, end: datetime) -> list[Any]:
        """The requests of [start, end], halving the window while the server answers with its cap."""
        page = _request_list(
            self.client.get_json(
                self.requests_url,
                {"start_date": _w3c(start), "end_date": _w3c(end), "status": "open,closed"},
                repair=quote_leading_zeros,
                xml=read_georeport_xml,
            )
        )
        if len(page) < self.cap:
            return page
        if end - start <= MIN_WINDOW:
            raise SourceError(f"plus de {self.cap} demandes en moins d'une minute : fenêtre impossible à découper")
        middle = start + (end - start) / 2
        return self._walk(start, middle) + self._walk(middle, end)


def read_georeport_xml(body: bytes) -> list[dict[str, str | None]]:
    """The requests of a GeoReport v2 XML answer, each as {field: text}; entity declarations are refused."""
    try:
        root = fromstring(body)
    except DefusedXmlException as err:
        raise SourceError(f"XML refusé : déclaration d'entités ou référence externe ({type(err).__name__})") from err
    except ParseError as err:
        raise SourceError(f"XML invalide ({err})") from err
    if root.tag != "service_requests":
        raise SourceError(f"réponse Open311 inattendue : <{root.tag[:40]}> au lieu de <service_requests>")
    return [{field.tag: (field.text or "").strip() or None for field in request} for request in root.iter("request")]


def _request_list(page: Any) -> list[Any]:
    """The requests of a JSON answer: a bare list, or one wrapped in {"service_requests": [...]}."""
    if isinstance(page, dict):
        page = page.get("service_requests")
    if not isinstance(page, list):
        raise SourceError("réponse Open311 inattendue : une liste de demandes était attendue")
    return page


def _w3c(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
