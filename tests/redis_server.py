"""A throwaway redis-server on a free port, for tests that need a real server they can stop and restart."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time

import redis


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Starts, stops and restarts one redis-server process without persistence."""

    def __init__(self, port: int | None = None, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make test installs it when run as root)")
        self.binary = binary
        self.port = port or free_port()
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="cityops-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        userinfo = f":{self.password}@" if self.password else ""
        return f"redis://{userinfo}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                *(["--requirepass", self.password] if self.password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, password=self.password, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (the port stays reserved for a restart)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a paused server would not act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are still accepted by the kernel but nothing answers."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT); it answers what was sent meanwhile."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
