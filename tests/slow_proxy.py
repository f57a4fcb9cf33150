"""A TCP proxy in front of Redis that can hold back every reply: a Redis that answers, but slowly."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.redis_server import free_port


class SlowProxy:
    """Forwards 127.0.0.1:`port` to the target port; each reply to a request waits `delay` seconds first."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.delay = 0.0
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        """Stop accepting connections (those open end with their peers)."""
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            waiting = threading.Event()  # a request went up, its reply has not come down yet
            threading.Thread(target=self._pipe, args=(client, upstream, waiting, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, waiting, True), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, waiting: threading.Event, replies: bool) -> None:
        try:
            while data := source.recv(65536):
                if not replies:
                    waiting.set()
                elif waiting.is_set():
                    waiting.clear()
                    time.sleep(self.delay)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
