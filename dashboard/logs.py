"""Log lines as text or as one JSON object each, saying which source or which request they concern."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import has_request_context, request

# (layer, source) of the collector job running in this thread, if any.
_SOURCE: ContextVar[tuple[str, str] | None] = ContextVar("cityops_source", default=None)


@contextmanager
def about_source(layer: str, source: str) -> Iterator[None]:
    """Within the block, this thread's log lines (and feed bytes) are about `source` of `layer`."""
    token = _SOURCE.set((layer, source))
    try:
        yield
    finally:
        _SOURCE.reset(token)


def current_source() -> tuple[str, str] | None:
    """(layer, source) the running collector job is about, or None outside one."""
    return _SOURCE.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the source or the request it concerns.

    Messages are masked by their authors (dashboard.redact) before they are logged; only the request's method
    and path are added here, never its query string (a wall token may travel in it).
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        about = current_source()
        if about is not None:
            line["layer"], line["source"] = about
        if has_request_context():
            line["method"], line["path"] = request.method, request.path
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def log_handler(log_format: str) -> logging.Handler:
    """A handler on standard error writing `log_format` lines: "json", or "text" as before."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler
