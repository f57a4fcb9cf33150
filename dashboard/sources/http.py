"""Reading JSON feeds over HTTP: timeouts, retries, Retry-After, conditional requests, a size cap, clear errors."""

from __future__ import annotations

import codecs
import io
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

import httpx
import ijson
import orjson

from dashboard.i18n import t
from dashboard.metrics import count_received_bytes
from dashboard.redact import Redactor, header_secrets, redact_url
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

# Turns a 200 answer into what the request returns (and what a later 304 returns again).
Reader = Callable[[httpx.Response], Any]

# What bytes.lstrip() skips: the first other byte tells JSON from HTML or nothing, without copying the body.
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")
# How ijson's parsers say that the document stopped before its end (C and pure-Python backends).
_CUT_OFF = ("premature EOF", "Incomplete JSON content")


class NotAList(SourceError):
    """A document read as a JSON array is something else."""


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
    `headers` (a token, say) go with every request, but never on to a redirect that leaves the requested origin.
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
        headers: Mapping[str, str] | None = None,
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
        self._headers = dict(headers or {})
        self._origin: httpx.URL | None = None  # where the request in progress was sent, before any redirect
        self._client = httpx.Client(
            timeout=self._timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
            event_hooks={
                "request": [self._keep_headers_to_origin],
                "response": [self._check_redirect, count_received_bytes],
            },
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

    def _keep_headers_to_origin(self, request: httpx.Request) -> None:
        """Drop the configured headers from a redirect that left the origin asked (another host, port or scheme)."""
        origin = self._origin
        if origin is None or _same_origin(origin, request.url):
            return
        for name in self._headers:
            request.headers.pop(name, None)

    def close(self) -> None:
        """Release the connection pool and the bodies kept on disk for conditional requests."""
        self._client.close()
        for cached in self._cache.values():
            _release(cached.payload)
        self._cache.clear()

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
        request_url = _with_params(url, params)

        def decode(response: httpx.Response) -> Any:
            body = _read_capped(response, self.max_bytes, request_url)
            return decode_json(body, response.headers.get("Content-Type", ""), request_url, repair, xml)

        return self._get(request_url, params, decode)

    def get_json_items(self, url: str, params: Mapping[str, str | int] | None = None) -> Iterator[Any]:
        """The items of the JSON array at `url`, decoded one at a time as they are iterated.

        For exports too large to decode at once: the body is streamed to a temporary file (under the size cap
        and the deadline) before this returns, then parsed from there, so only the item being read is held in
        memory. An HTML page, an empty body or another document raises here (NotAList for the latter); a
        cut-off or invalid array raises SourceError from the iterator, when the parser reaches the fault.
        A 304 parses the file kept from the last 200 again.
        """
        request_url = _with_params(url, params)
        body = self._get(request_url, params, lambda response: _spool_capped(response, self.max_bytes, request_url))
        cached = self._cache.get(request_url)
        keep = cached is not None and cached.payload is body
        try:
            start = _array_start(body, request_url)
        except SourceError:
            if not keep:
                body.close()
            raise
        return _array_items(body, start, request_url, close=not keep)

    def _get(self, request_url: str, params: Mapping[str, str | int] | None, read: Reader) -> Any:
        """What `read` makes of the answer at `request_url`, retrying timeouts and 5xx within the fetch."""
        # An upstream error page may echo what it was sent: never pass the request's own values on.
        secrets = {str(value) for value in (params or {}).values()}
        redactor = Redactor(secrets.union(*(header_secrets(value) for value in self._headers.values())))
        attempt = 0
        while True:
            try:
                return self._get_once(request_url, read, redactor)
            except (_Retryable, *_RETRYABLE) as err:
                if attempt >= self.retries:
                    raise SourceError(_describe(err, request_url)) from err
                self.sleep(self._capped_at_deadline(self.backoff * 2**attempt))
                attempt += 1
            except httpx.HTTPError as err:
                raise SourceError(_describe(err, request_url)) from err

    def _get_once(self, url: str, read: Reader, redactor: Redactor) -> Any:
        self._check_deadline()
        cached = self._cache.get(url)
        headers = dict(self._headers)
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        self._origin = httpx.URL(url)
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
            payload = read(response)
            self.bytes_received += response.num_bytes_downloaded  # as sent: compressed bodies count compressed
        self._remember(url, response, payload)
        return payload

    def _remember(self, url: str, response: httpx.Response, payload: Any) -> None:
        """Keep the payload of a 200 for a later 304, in place of the previous one, if the answer has validators."""
        previous = self._cache.pop(url, None)
        if previous is not None:
            _release(previous.payload)
        etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if etag or last_modified:
            self._cache[url] = _Cached(etag, last_modified, payload)


def _same_origin(origin: httpx.URL, url: httpx.URL) -> bool:
    """Whether `url` is on `origin`'s host and port, over the same scheme or upgraded from http to https."""
    upgraded = (
        origin.scheme == "http" and url.scheme == "https" and url.port in (None, 443) and origin.port in (None, 80)
    )
    same = url.scheme == origin.scheme and url.port == origin.port
    return url.host == origin.host and (same or upgraded)


def _with_params(url: str, params: Mapping[str, str | int] | None) -> str:
    # Merged, not replaced: a configured URL may carry its own query (v1's ?dataset=...).
    return str(httpx.URL(url).copy_merge_params(dict(params or {})))


def _release(payload: Any) -> None:
    """Delete a body kept on disk (a decoded payload is simply dropped)."""
    if isinstance(payload, io.IOBase):
        payload.close()


def _too_big(max_bytes: int, url: str) -> SourceError:
    return SourceError(f"réponse trop volumineuse (plus de {max_bytes:,} octets) : {_short(url)}".replace(",", " "))


def _capped_chunks(response: httpx.Response, max_bytes: int, url: str) -> Iterator[bytes]:
    """The body's parts as they arrive, abandoned as soon as they pass `max_bytes`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(max_bytes, url)
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(max_bytes, url)
        yield chunk


def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    """The body, streamed, abandoned as soon as it passes `max_bytes` (a runaway feed must not fill memory)."""
    return b"".join(_capped_chunks(response, max_bytes, url))


def _spool_capped(response: httpx.Response, max_bytes: int, url: str) -> IO[bytes]:
    """The body streamed to an anonymous temporary file, under the same cap; an HTML page is refused first."""
    if "html" in response.headers.get("Content-Type", "").lower():
        raise SourceError(f"page HTML reçue au lieu de JSON : {_short(url)}")
    spool = tempfile.TemporaryFile(prefix="cityops-feed-")  # noqa: SIM115 - read, and kept for a 304, later
    try:
        for chunk in _capped_chunks(response, max_bytes, url):
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    return spool


def _array_start(body: IO[bytes], url: str) -> int:
    """Where the JSON array in `body` starts, past a UTF-8 BOM; SourceError when the body holds no array."""
    body.seek(0)
    start = len(codecs.BOM_UTF8) if body.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else 0
    body.seek(start)
    first = b""
    while not first and (chunk := body.read(64 * 1024)):
        match = _NOT_SPACE.search(chunk)
        first = match.group() if match else b""
    if first == b"<":
        raise SourceError(f"page HTML reçue au lieu de JSON : {_short(url)}")
    if not first:
        raise SourceError(f"réponse vide : {_short(url)}")
    if first != b"[":
        raise NotAList(f"liste JSON attendue : {_short(url)}")
    return start


def _array_items(body: IO[bytes], start: int, url: str, *, close: bool) -> Iterator[Any]:
    """The array's items parsed from `body` one at a time, numbers as int or float as orjson gives them."""
    body.seek(start)
    try:
        yield from ijson.items(body, "item", use_float=True)
    except ijson.JSONError as err:
        reason = _parser_reason(err)
        if reason.endswith(_CUT_OFF):
            raise SourceError(f"JSON tronqué ({body.seek(0, io.SEEK_END)} octets reçus) : {_short(url)}") from err
        raise SourceError(f"JSON invalide ({reason}) : {_short(url)}") from err
    finally:
        if close:
            body.close()


def _parser_reason(err: ijson.JSONError) -> str:
    """The first line of the parser's message (the next ones quote the document), as text."""
    message = err.args[0] if err.args else ""
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__


def decode_json(
    body: bytes, content_type: str, url: str, repair: Repair | None = None, xml: XmlReader | None = None
) -> Any:
    """Parse a JSON body (or XML through `xml`), telling an HTML page, an empty body and a cut-off document apart."""
    body = body.removeprefix(codecs.BOM_UTF8)  # left by some Windows export tools; JSON itself forbids it
    first = _NOT_SPACE.search(body)
    start = first.group() if first else b""
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
