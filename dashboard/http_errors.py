"""Refused requests: bodies bounded before they are read, JSON parsed safely, every HTTP error as bilingual JSON."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from dashboard.i18n import t

# The largest body a page sends is a managers' callback carrying the page's view and filters (a few kB, see the
# README); 256 kB leaves room for much larger data while a body can cost a worker only a few MB to parse.
MAX_BODY_BYTES = 256 * 1024
# A page's callback body nests 7 levels at most; deeper JSON is refused before any code walks or compares it.
MAX_JSON_DEPTH = 32

_MESSAGES = {400: "request.invalid", 404: "request.not_found", 405: "request.method", 413: "request.too_large"}


class _BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies with orjson (no recursion) and refusing them past MAX_JSON_DEPTH."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = orjson.loads(s)
        if not depth_within(value):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


def error_message(status: int) -> str:
    """The bilingual text of an HTTP error status ("français / English")."""
    key = _MESSAGES.get(status, "request.refused")
    return f"{t(key, 'fr', status=status)} / {t(key, 'en', status=status)}"


def error_response(status: int) -> Response:
    """`{"error": "... / ...", "status": status}` with that status."""
    return Response(
        orjson.dumps({"error": error_message(status), "status": status}), status, mimetype="application/json"
    )


def depth_within(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests at most `limit` arrays/objects deep (walked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return False
        pending.extend((child, depth + 1) for child in children)
    return True


def install_request_limits(server: Flask) -> None:
    """Bound request bodies (413 before reading), read JSON with orjson, answer every HTTP error as JSON."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    server.json = _BoundedJSONProvider(server)

    @server.errorhandler(HTTPException)
    def _as_json(err: HTTPException) -> Response:
        if err.code is None or err.code < 400:
            return err.get_response()
        response = error_response(err.code)
        # Keep what the error itself tells the client, e.g. the methods a 405 allows.
        response.headers.extend((name, value) for name, value in err.get_headers() if name != "Content-Type")
        return response
