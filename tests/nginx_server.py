"""nginx started with the production recipe's own files (deploy/nginx/) on free ports, in front of a web port."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.redis_server import free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    """Return once something accepts connections on `port`; fail if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout} s")


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it is still there after 15 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class NginxServer:
    """nginx with deploy/nginx/cityops.conf and its snippet, proxying to 127.0.0.1:`web_port`.

    Listens on https (a throwaway self-signed certificate) and plain http, both on 127.0.0.1; keeps its
    cache and temporary files in its own folder.
    """

    def __init__(self, web_port: int) -> None:
        if shutil.which("nginx") is None or shutil.which("openssl") is None:
            raise RuntimeError("nginx and openssl are needed (make test installs nginx when run as root)")
        self.web_port = web_port
        self.https_port = free_port()
        self.http_port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="cityops-nginx-"))
        self.folder.chmod(0o755)  # nginx's workers run as an unprivileged user when started as root
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Write the configuration, start nginx in the foreground and wait until it listens on https."""
        self.process = subprocess.Popen(
            [
                shutil.which("nginx"),
                "-e",
                str(self.folder / "error.log"),
                "-c",
                str(self._config()),
                "-g",
                "daemon off;",
            ],
        )
        wait_until_listening(self.https_port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _certificate(self) -> tuple[Path, Path]:
        cert, key = self.folder / "cert.pem", self.folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
            + ["-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        return cert, key

    def _config(self) -> Path:
        """nginx.conf around the recipe's site file, with this machine's ports, certificate and folders."""
        cert, key = self._certificate()
        temp = self.folder / "temp"
        temp.mkdir()
        temp.chmod(0o777)  # nginx's workers run as an unprivileged user when started as root
        site = (DEPLOY / "nginx" / "cityops.conf").read_text()
        replacements = {
            "server 127.0.0.1:8050;": f"server 127.0.0.1:{self.web_port};",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "/etc/ssl/cityops/fullchain.pem": str(cert),
            "/etc/ssl/cityops/privkey.pem": str(key),
            "/etc/nginx/snippets/cityops-proxy.conf": str(DEPLOY / "nginx" / "cityops-proxy.conf"),
            "/var/cache/nginx/cityops": str(temp / "cache"),
        }
        for old, new in replacements.items():
            if old not in site:
                raise AssertionError(f"deploy/nginx/cityops.conf no longer has {old!r}: update tests/nginx_server.py")
            site = site.replace(old, new)
        site = "\n".join(line for line in site.splitlines() if "[::]" not in line)  # no IPv6 needed here
        (self.folder / "site.conf").write_text(site)
        config = self.folder / "nginx.conf"
        config.write_text(
            f"""
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 8192; }}
worker_rlimit_nofile 16384;
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.folder}/site.conf;
}}
"""
        )
        return config
