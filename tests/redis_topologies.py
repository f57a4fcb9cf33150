"""Throwaway Redis Cluster and Sentinel set-ups of real processes on free ports, in temp dirs, for tests."""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.redis_server import free_port

SERVICE = "cityops"  # the Sentinel service name


def cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free too, so at most 55535."""
    while True:
        port = random.randint(20000, 55535)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port


def _wait(check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout} s")
        time.sleep(0.05)


class _Processes:
    """redis-server processes started in one temp dir, all stopped by `stop()`."""

    def __init__(self, prefix: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make system-deps installs it)")
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.processes: dict[int, subprocess.Popen] = {}

    def spawn(self, port: int, *args: str, password: str | None = None) -> None:
        """Start a redis-server (or sentinel) on `port` with `args`, and wait until it answers PING."""
        workdir = self.dir / str(port)
        workdir.mkdir()
        base = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), "--save", "", "--appendonly", "no"]
        self.processes[port] = subprocess.Popen(
            [self.binary, *args, *base], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=port, password=password, socket_connect_timeout=0.2)
        _wait(lambda: client.ping(), f"redis on port {port}")

    def kill(self, port: int) -> None:
        """Kill one process at once (SIGKILL): what a crashed host looks like."""
        self.processes.pop(port).send_signal(signal.SIGKILL)

    def stop(self) -> None:
        """Stop every process still running and remove the temp dir."""
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.wait(timeout=10)
        self.processes.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisClusterProcesses(_Processes):
    """A Redis Cluster of `masters` masters without replicas (redis-cli --cluster create)."""

    def __init__(self, masters: int = 3) -> None:
        super().__init__("cityops-cluster-")
        self.ports = [cluster_port() for _ in range(masters)]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        """Start the nodes, assign the slots and wait until every node says the cluster is ok."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for port in self.ports:
            self.spawn(port, "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf")
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=30,
        )
        for port in self.ports:
            client = redis.Redis(port=port)
            _wait(lambda c=client: c.cluster("info")["cluster_state"] == "ok", "cluster state ok")


class SentinelProcesses(_Processes):
    """A master and one replica, both with `password`, and one sentinel (quorum 1, no password of its own)."""

    def __init__(self, password: str) -> None:
        super().__init__("cityops-sentinel-")
        self.password = password
        self.master_port, self.replica_port, self.sentinel_port = free_port(), free_port(), free_port()

    @property
    def url(self) -> str:
        return f"redis+sentinel://:{self.password}@127.0.0.1:{self.sentinel_port}/{SERVICE}/0"

    def data_client(self, port: int) -> redis.Redis:
        """A plain client of the master or replica on `port`."""
        return redis.Redis(port=port, password=self.password)

    def start(self) -> None:
        """Start the master and replica, then the sentinel, and wait until the sentinel knows the replica."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        auth = ("--requirepass", self.password, "--masterauth", self.password)
        # The replica syncs at once, not after the default 5 s.
        self.spawn(self.master_port, *auth, "--repl-diskless-sync-delay", "0", password=self.password)
        self.spawn(self.replica_port, *auth, "--replicaof", "127.0.0.1", str(self.master_port), password=self.password)
        replica = self.data_client(self.replica_port)
        _wait(lambda: replica.info("replication")["master_link_status"] == "up", "replica in sync")
        config = self.dir / "sentinel.conf"
        config.write_text(
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel auth-pass {SERVICE} {self.password}\n"
            f"sentinel down-after-milliseconds {SERVICE} 400\n"
            f"sentinel failover-timeout {SERVICE} 2000\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        self.spawn(self.sentinel_port, str(config), "--sentinel")
        sentinel = redis.Redis(port=self.sentinel_port)
        _wait(lambda: len(sentinel.sentinel_slaves(SERVICE)) == 1, "sentinel knowing the replica")

    def master_address(self) -> tuple[str, int]:
        """The master's address as the sentinel gives it now."""
        host, port = redis.Redis(port=self.sentinel_port).sentinel_get_master_addr_by_name(SERVICE)
        return host.decode() if isinstance(host, bytes) else host, int(port)
