"""Clients for REDIS_URL (one server, Sentinel or Cluster) or the in-process stand-in, and what shares them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

from dashboard import keys
from dashboard.store.breaker import CircuitBreaker, guarded_connection_class
from dashboard.store.redis_url import RedisTarget, parse_redis_url
from dashboard.store.snapshots import Store

if TYPE_CHECKING:  # the settings validate REDIS_URL with this package's parser: no import back at run time
    from dashboard.settings import Settings

# A single server or Sentinel-managed master (redis.Redis), or a Redis Cluster: the same commands for the store.
RedisClient = redis.Redis | RedisCluster


def connect(url: str | None, *, timeout_seconds: float = 2.0, fail_fast: bool = False) -> RedisClient:
    """A client for `url` (server, Sentinel or Cluster: dashboard.store.redis_url), or an in-process stand-in if None.

    `fail_fast` (the web process): no retries, and a circuit breaker so that a Redis that stops answering costs
    one timeout per process, not one per request (dashboard.store.breaker).
    """
    if url is None:
        import fakeredis  # only the all-in-one mode needs it

        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    target = parse_redis_url(url)
    if target.kind == "sentinel":
        options = _client_options(timeout_seconds, fail_fast, SentinelManagedConnection)
        return _sentinel(target, timeout_seconds, fail_fast).master_for(target.service, **options)
    if target.kind == "cluster":
        return _cluster(target, _client_options(timeout_seconds, fail_fast, redis.Connection))
    if fail_fast:
        return redis.Redis(connection_pool=guarded_pool(url, timeout_seconds=timeout_seconds))
    return redis.Redis.from_url(url, **_client_options(timeout_seconds, fail_fast=False))


def _client_options(
    timeout_seconds: float, fail_fast: bool, connection_class: type[redis.Connection] | None = None
) -> dict[str, Any]:
    """Timeouts and retries of a client; with `fail_fast`, its connections (of `connection_class`) behind a breaker."""
    options: dict[str, Any] = {
        "socket_timeout": timeout_seconds,
        "socket_connect_timeout": timeout_seconds,
        "health_check_interval": 15,
        # Fail fast: redis-py retries timeouts by default, one wait would become four. Otherwise one quick
        # retry: a collector's write should survive a dropped connection or a Sentinel failover.
        "retry": Retry(NoBackoff(), retries=0)
        if fail_fast
        else Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
    }
    if fail_fast and connection_class is not None:
        options["connection_class"] = guarded_connection_class(connection_class, CircuitBreaker(timeout_seconds))
    return options


def _cluster(target: RedisTarget, options: dict[str, Any]) -> RedisCluster:
    """A client of the cluster whose nodes include `target.hosts`."""
    (host, port), *others = target.hosts
    # Given as a URL (without credentials), the first node makes every node's client build its pool from
    # `options`, as RedisCluster.from_url does: plain node clients would refuse the breaker's connection class.
    return RedisCluster(
        url=_node_url(host, port),
        startup_nodes=[ClusterNode(h, p) for h, p in others],
        username=target.username,
        password=target.password,
        **options,
    )


def _node_url(host: str, port: int) -> str:
    """One cluster node as a redis:// URL (an IPv6 address in brackets)."""
    return f"redis://{f'[{host}]' if ':' in host else host}:{port}/0"


def _sentinel(target: RedisTarget, timeout_seconds: float, fail_fast: bool) -> Sentinel:
    """The sentinels of `target`, asked without a password (with `fail_fast`, each behind a breaker of its own)."""
    sentinel = Sentinel(
        list(target.hosts),
        sentinel_kwargs=_client_options(timeout_seconds, fail_fast),
        db=target.db,
        username=target.username,
        password=target.password,
    )
    if fail_fast:  # a sentinel that stopped answering is then skipped at once, until its cool-down is over
        for client in sentinel.sentinels:
            pool = client.connection_pool
            pool.connection_class = guarded_connection_class(pool.connection_class, CircuitBreaker(timeout_seconds))
    return sentinel


def guarded_pool(url: str, *, timeout_seconds: float) -> redis.ConnectionPool:
    """A connection pool for `url` behind its own circuit breaker, without retries: a call waits one timeout at most."""
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        health_check_interval=15,
        retry=Retry(NoBackoff(), retries=0),  # redis-py retries timeouts by default: one wait would become four
    )
    pool.connection_class = guarded_connection_class(pool.connection_class, CircuitBreaker(timeout_seconds))
    return pool


def limiter_storage(url: str | None, *, timeout_seconds: float) -> tuple[str, dict[str, Any]]:
    """flask-limiter's storage URI and options for REDIS_URL: the same servers, failing fast behind own breakers."""
    if url is None:
        return "memory://", {}
    target = parse_redis_url(url)
    if target.kind == "server":
        uri = "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
        return uri, {"connection_pool": guarded_pool(url, timeout_seconds=timeout_seconds)}
    if target.kind == "cluster":
        host, port = target.hosts[0]
        # The first node as a URL, for the breaker's connection class (see _cluster).
        return url, {**_client_options(timeout_seconds, True, redis.Connection), "url": _node_url(host, port)}
    # limits reads the service as the whole path, and would send the data servers' password to the sentinels.
    netloc = url.partition("://")[2].partition("/")[0]
    options = {
        **_client_options(timeout_seconds, True, SentinelManagedConnection),
        "db": target.db,
        "sentinel_kwargs": {**_client_options(timeout_seconds, True), "username": None, "password": None},
        "use_replicas": False,  # a failed sign-in just counted on the master may not be on a replica yet
    }
    return f"redis+sentinel://{netloc}/{target.service}", options


def open_store(settings: Settings, *, fail_fast: bool = False) -> Store:
    """The store described by the settings (a real Redis, or the in-process stand-in); `fail_fast`: see connect."""
    client = connect(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds, fail_fast=fail_fast)
    return Store(client, history_retention=timedelta(days=settings.history_days), redactor=settings.redactor())


def figure_cache_config(store: Store, *, timeout_seconds: int) -> dict[str, Any]:
    """flask-caching's configuration for the shared figure cache: the store's client (same server, same pool)."""
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_HOST": store.redis,
        "CACHE_KEY_PREFIX": keys.figure_cache_prefix(),
        "CACHE_DEFAULT_TIMEOUT": timeout_seconds,
    }
