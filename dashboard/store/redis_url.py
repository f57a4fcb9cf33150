"""REDIS_URL read into what to connect to: one server, a Sentinel-managed master, or a Redis Cluster.

One server: redis://, rediss:// or unix:// (redis-py's own forms). Sentinel:
`redis+sentinel://[[user]:password@]host:port[,host:port...]/<service name>[/<db>]`, the hosts being sentinels
(port 26379 when left out) and the password the data servers'; sentinels are asked without one. Cluster:
`redis+cluster://[[user]:password@]host:port[,host:port...]`, the hosts being any nodes of the cluster
(port 6379 when left out); a cluster has database 0 only. Error messages never repeat the user name or password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

SENTINEL_SCHEME = "redis+sentinel"
CLUSTER_SCHEME = "redis+cluster"
SERVER_SCHEMES = frozenset({"redis", "rediss", "unix"})
_DEFAULT_PORT = {SENTINEL_SCHEME: 26379, CLUSTER_SCHEME: 6379}
FORMS = "redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://"


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """What REDIS_URL names: `kind` server (see `url`), sentinel (hosts, service, db) or cluster (hosts)."""

    kind: Literal["server", "sentinel", "cluster"]
    url: str
    hosts: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None


def parse_redis_url(url: str) -> RedisTarget:
    """The target of `url`; ValueError (without the credentials) when it is not one of the supported forms."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in SERVER_SCHEMES | {SENTINEL_SCHEME, CLUSTER_SCHEME}:
        raise ValueError(f"must start with {FORMS}")
    scheme = scheme.lower()
    if scheme in SERVER_SCHEMES:
        return RedisTarget(kind="server", url=url)
    location, _, query = rest.partition("?")
    if query:
        raise ValueError(f"{scheme}:// takes no query parameters")
    netloc, _, path = location.partition("/")
    userinfo, _, host_list = netloc.rpartition("@")
    username, password = _credentials(userinfo)
    hosts = tuple(_host_port(item, _DEFAULT_PORT[scheme]) for item in host_list.split(","))
    if scheme == CLUSTER_SCHEME:
        if path.strip("/") not in ("", "0"):
            raise ValueError("a Redis Cluster has database 0 only: leave the path out of redis+cluster://")
        return RedisTarget(kind="cluster", url=url, hosts=hosts, username=username, password=password)
    service, _, db = path.strip("/").partition("/")
    if not service:
        raise ValueError("needs the Sentinel service name: redis+sentinel://host:26379,host:26379/<service>[/<db>]")
    if db and not (db.isdigit() and int(db) < 16384):
        raise ValueError("the database after the service name must be a number (redis+sentinel://…/<service>/<db>)")
    return RedisTarget(
        kind="sentinel",
        url=url,
        hosts=hosts,
        service=unquote(service),
        db=int(db or 0),
        username=username,
        password=password,
    )


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    if not userinfo:
        return None, None
    user, _, password = userinfo.partition(":")
    return unquote(user) or None, unquote(password) or None


def _host_port(item: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` as (host, port)."""
    item = item.strip()
    if item.startswith("["):
        host, _, port = item[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = item.partition(":")
    if not host:
        raise ValueError("has an empty host in its list (hosts are separated by commas: host:port,host:port)")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError("has a port that is not a number between 1 and 65535 in its host list")
    return host, int(port) if port else default_port
