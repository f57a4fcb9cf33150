"""A local HTTP feed server for adapter tests: each path answers through a handler the test installs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """What the server sends back: status, body, headers, an optional pause before answering, and a trickle.

    With `pieces` > 1 the body is sent in that many parts, `trickle` seconds apart (a feed that never stalls
    long enough for a read timeout, yet takes ages to finish).
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    pieces: int = 1
    trickle: float = 0.0


@dataclass
class Hit:
    """One request the server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


Handler = Callable[[Hit], Reply]


def json_reply(payload: Any, **headers: str) -> Reply:
    """A 200 JSON answer."""
    return Reply(body=json.dumps(payload).encode(), headers={"Content-Type": "application/json", **headers})


def _send(out: Any, reply: Reply) -> None:
    size = -(-len(reply.body) // reply.pieces)
    for start in range(0, len(reply.body), size):
        if start:
            time.sleep(reply.trickle)
        out.write(reply.body[start : start + size])
        out.flush()


class FeedServer:
    """Serves installed handlers on 127.0.0.1 in a background thread and records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                parts = urlsplit(self.path)
                hit = Hit(parts.path, dict(parse_qsl(parts.query)), {k.lower(): v for k, v in self.headers.items()})
                server.hits.append(hit)
                handler = server.routes.get(parts.path)
                reply = handler(hit) if handler else Reply(404, b'{"message": "not found"}')
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for name, value in headers.items():
                        if value:  # an empty value leaves the header out (a body of unannounced length)
                            self.send_header(name, value)
                    self.end_headers()
                    if reply.status != 304:
                        _send(self.wfile, reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout or size cap): what the test wanted

            def log_message(self, *_args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, path: str, handler: Handler | Reply) -> None:
        """Answer `path` with `handler`, or always with the same reply."""
        self.routes[path] = handler if callable(handler) else (lambda _hit: handler)
