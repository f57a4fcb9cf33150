"""Reading JSON feeds over HTTP: timeouts, retries, Retry-After, conditional requests, a size cap, clear errors."""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from dashboard.i18n import t
from dashboard.metrics import count_received_bytes
from dashboard.redact import Redactor, redact_url
from dashboard.sources.base import SourceError

USER_AGENT = "cityops-dashboard/0.1 (operations dashboard of Toulouse Metropole; +https://data.toulouse-metropole.fr)"

# One message per kind of network or decoding failure; the most specific class in an exception's MRO wins.
_TRANSPORT_MESSAGES: dict[type[Exception], str] = {
    httpx.ConnectTimeout: "délai de connexion dépassé",
    httpx.ReadTimeout: "délai de lecture dépassé",
    httpx.TimeoutException: "délai dépassé",
    httpx.ConnectError: "connexion impossible",
    httpx.RemoteProtocolError: "réponse HTTP interrompue",
    httpx.TooManyRedirects: "trop de redirections",
    httpx.DecodingError: "corps gzip corrompu (réponse compressée illisible)",
    httpx.TransportError: "erreur réseau",
}

# Mends one known defect of a publisher's JSON body (see open311.quote_leading_zeros).
Repair = Callable[[bytes], bytes]
# Reads an XML answer where a format has one besides JSON (see open311.read_georeport_xml).
XmlReader = Callable[[bytes], Any]

# Worth another try within the same fetch; anything else fails the fetch at once.
_RETRYABLE = (httpx.TimeoutException, httpx.ConnectError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class _Cached:
    etag: str | None
    last_modified: str | None
    payload: Any


class _Retryable(Exception):
    """A 5xx answer: the server may recover within the fetch."""


class _UntilDeadline(httpx.SyncByteStream):
    """A response body read under the fetch's deadline: `check` runs before each part is handed on."""

    def __init__(self, stream: httpx.SyncByteStream, check: Callable[[], None]) -> None:
        self._stream = stream
        self._check = check

    def __iter__(self) -> Iterator[bytes]:
        for part in self._stream:
            self._check()
            yield part

    def close(self) -> None:
        self._stream.close()


class FeedClient:
    """GETs JSON documents for one source; remembers validators so an unchanged document is not parsed twice.

    With a `deadline` (seconds), every request made within `within_deadline()`, pages and retries
    included, must be over by then; reads are cut at the deadline rather than waited out.
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_bytes: int = 64 * 1024 * 1024,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        allowed_redirect_hosts: Iterable[str] = (),
    ) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.clock = clock
        self._ends: float | None = None  # when the fetch in progress must be over
        self.allowed_redirect_hosts = frozenset(host.lower() for host in allowed_redirect_hosts)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client = httpx.Client(
            timeout=self._timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
            event_hooks={"response": [self._check_redirect, count_received_bytes]},
        )
        self._cache: dict[str, _Cached] = {}
        self.bytes_received = 0  # every body read since the client was made, all pages and sources sharing it

    def _check_redirect(self, response: httpx.Response) -> None:
        """Refuse, before following it, a redirect to a host not allowed: its data would pass for this feed's."""
        if not response.has_redirect_location:
            return
        target = response.url.join(response.headers["Location"]).host
        if target != response.url.host and target not in self.allowed_redirect_hosts:
            raise SourceError(
                f"redirection vers un autre hôte refusée ({target}) : {_short(str(response.url))}"
                " ; à autoriser dans allowed_redirect_hosts si c'est voulu"
            )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    @contextmanager
    def within_deadline(self) -> Iterator[None]:
        """Count every request made inside against one deadline; a failure past it is reported as the deadline."""
        if self.deadline is None or self._ends is not None:
            yield  # no deadline, or an enclosing fetch's deadline already runs
            return
        self._ends = self.clock() + self.deadline
        try:
            yield
        except SourceError as err:
            # A read cut short by the deadline fails as a timeout or a truncated body: say what really happened.
            if self.clock() >= self._ends:
                raise self._deadline_error() from err
            raise
        finally:
            self._ends = None

    def _deadline_error(self) -> SourceError:
        return SourceError(t("feed.deadline", "fr", seconds=f"{self.deadline:g}"))

    def _check_deadline(self) -> None:
        if self._ends is not None and self.clock() >= self._ends:
            raise self._deadline_error()

    def _capped_at_deadline(self, seconds: float) -> float:
        """`seconds`, cut short at the deadline (a pause between retries must not outlast it)."""
        return seconds if self._ends is None else max(min(seconds, self._ends - self.clock()), 0.0)

    def _request_timeout(self) -> httpx.Timeout:
        """The client's timeouts, shortened so that no single wait outlasts the deadline."""
        if self._ends is None:
            return self._timeout
        left = max(self._ends - self.clock(), 0.001)
        shorter = {name: min(value, left) for name, value in self._timeout.as_dict().items() if value is not None}
        return httpx.Timeout(**shorter)

    def get_json(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        repair: Repair | None = None,
        xml: XmlReader | None = None,
    ) -> Any:
        """The decoded JSON at `url`; raises SourceError with a French message on any failure.

        `repair` mends one known defect of a publisher's JSON; it is tried only when strict parsing fails.
        `xml` reads the answer instead when it is XML, for formats that have both.
        """
        # Merged, not replaced: a configured URL may carry its own query (v1's ?dataset=...).
        request_url = str(httpx.URL(url).copy_merge_params(dict(params or {})))
        # An upstream error page may echo what it was sent: never pass the request's own values on.
        redactor = Redactor(str(value) for value in (params or {}).values())
        attempt = 0
        while True:
            try:
                return self._get_once(request_url, repair, redactor, xml)
            except (_Retryable, *_RETRYABLE) as err:
                if attempt >= self.retries:
                    raise SourceError(_describe(err, request_url)) from err
                self.sleep(self._capped_at_deadline(self.backoff * 2**attempt))
                attempt += 1
            except httpx.HTTPError as err:
                raise SourceError(_describe(err, request_url)) from err

    def _get_once(self, url: str, repair: Repair | None, redactor: Redactor, xml: XmlReader | None) -> Any:
        self._check_deadline()
        cached = self._cache.get(url)
        headers = {}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        with self._client.stream("GET", url, headers=headers, timeout=self._request_timeout()) as response:
            if self._ends is not None:
                response.stream = _UntilDeadline(response.stream, self._check_deadline)
            if response.status_code == 304 and cached is not None:
                return cached.payload
            if response.status_code == 429:
                raise SourceError(
                    f"trop de requêtes (HTTP 429) : {_short(url)}",
                    retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                )
            if response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                explanation = redactor.text(_api_message(response, self.max_bytes))
                raise SourceError(f"HTTP {response.status_code} : {_short(url)}{explanation}")
            body = _read_capped(response, self.max_bytes, url)
            self.bytes_received += len(body)
            payload = decode_json(body, response.headers.get("Content-Type", ""), url, repair, xml)
        if response.headers.get("ETag") or response.headers.get("Last-Modified"):
            self._cache[url] = _Cached(response.headers.get("ETag"), response.headers.get("Last-Modified"), payload)
        return payload


def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    """The body, streamed, abandoned as soon as it passes `max_bytes` (a runaway feed must not fill memory)."""
    too_big = SourceError(f"réponse trop volumineuse (plus de {max_bytes:,} octets) : {_short(url)}".replace(",", " "))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def decode_json(
    body: bytes, content_type: str, url: str, repair: Repair | None = None, xml: XmlReader | None = None
) -> Any:
    """Parse a JSON body (or XML through `xml`), telling an HTML page, an empty body and a cut-off document apart."""
    body = body.removeprefix(codecs.BOM_UTF8)  # left by some Windows export tools; JSON itself forbids it
    start = body.lstrip()[:1]
    if "html" in content_type.lower() or (start == b"<" and xml is None):
        kind = "document XML reçu" if _is_xml(body, content_type) else "page HTML reçue"
        raise SourceError(f"{kind} au lieu de JSON : {_short(url)}")
    if start == b"<" and xml is not None:
        return xml(body)
    if not start:
        raise SourceError(f"réponse vide : {_short(url)}")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as strict_error:
        err = strict_error
        mended = repair(body) if repair is not None else body
        if mended != body:
            try:
                return orjson.loads(mended)
            except orjson.JSONDecodeError as mended_error:
                body, err = mended, mended_error  # the known defect mended, what is left is another one
        if err.pos >= len(body.rstrip()) - 1:
            raise SourceError(f"JSON tronqué ({len(body)} octets reçus) : {_short(url)}") from err
        raise SourceError(f"JSON invalide (position {err.pos}) : {_short(url)}") from err


def _is_xml(body: bytes, content_type: str) -> bool:
    """An XML document (a declaration or an XML media type), as opposed to an HTML page."""
    kind = content_type.lower()
    return "html" not in kind and ("xml" in kind or body.lstrip()[:5].lower() == b"<?xml")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _describe(err: Exception, url: str) -> str:
    if isinstance(err, _Retryable):
        return f"erreur du serveur ({err}) : {_short(url)}"
    message = next((_TRANSPORT_MESSAGES[cls] for cls in type(err).__mro__ if cls in _TRANSPORT_MESSAGES), None)
    return f"{message or 'erreur HTTP'} : {_short(url)}"


def _api_message(response: httpx.Response, max_bytes: int) -> str:
    """Opendatasoft and Open311 explain 4xx answers in JSON; show that explanation when there is one."""
    try:
        body = orjson.loads(_read_capped(response, min(max_bytes, 64 * 1024), ""))
    except (SourceError, orjson.JSONDecodeError, httpx.HTTPError):
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]  # Open311 answers a list of {code, description}
    if isinstance(body, dict):
        text = body.get("message") or body.get("description") or body.get("error")
        if isinstance(text, str) and text:
            return f" ({text[:200]})"
    return ""


def _short(url: str) -> str:
    """The URL without its query string or credentials: enough to tell which feed failed, short enough for a badge."""
    return redact_url(url.split("?", 1)[0])
