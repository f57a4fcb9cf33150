"""The only package that imports redis: every key read or written, as models, through one transaction helper.

- `snapshots`: the layers' snapshots, source statuses, history, timelines, public files, signed-out sessions
  (`Store`, the object the rest of the dashboard is given);
- `alarms`: the threshold alarms (`AlarmStore`, from `Store.alarm_store()`);
- `leader`, `locks`: a collector's leader lock with its write fence, and a one-builder-for-all lock;
- `transaction`: WATCH/MULTI/EXEC with one retry policy and the leader fence, used by every read-then-write;
- `errors`: Redis errors of any kind leave the store as `StoreUnavailable`;
- `connection`, `redis_url`, `breaker`, `clock`: clients for REDIS_URL (server, Sentinel, Cluster or the
  in-process stand-in), the circuit breaker of the web process, the server clock that versions start from.
"""

from dashboard.store.alarms import AlarmStore
from dashboard.store.breaker import CircuitBreaker, guarded_connection_class
from dashboard.store.clock import server_ms
from dashboard.store.connection import (
    RedisClient,
    connect,
    figure_cache_config,
    guarded_pool,
    limiter_storage,
    open_store,
)
from dashboard.store.errors import (
    REDIS_ERRORS,
    NotLeader,
    StoreUnavailable,
    TransactionConflict,
    unavailable_on_redis_error,
)
from dashboard.store.leader import LeaderLock
from dashboard.store.locks import BuildLock
from dashboard.store.redis_url import RedisTarget, parse_redis_url
from dashboard.store.snapshots import HistoryEntry, Store, TimelineEntry, VersionFile
from dashboard.store.transaction import ATTEMPTS, Fence, transaction

__all__ = [
    "ATTEMPTS",
    "REDIS_ERRORS",
    "AlarmStore",
    "BuildLock",
    "CircuitBreaker",
    "Fence",
    "HistoryEntry",
    "LeaderLock",
    "NotLeader",
    "RedisClient",
    "RedisTarget",
    "Store",
    "StoreUnavailable",
    "TimelineEntry",
    "TransactionConflict",
    "VersionFile",
    "connect",
    "figure_cache_config",
    "guarded_connection_class",
    "guarded_pool",
    "limiter_storage",
    "open_store",
    "parse_redis_url",
    "server_ms",
    "transaction",
    "unavailable_on_redis_error",
]
