"""What the store raises: Redis errors of every kind become StoreUnavailable, a lost lock NotLeader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import RedisClusterException

from dashboard.metrics import redis_error

# What a Redis that cannot be reached or answers with an error raises: redis-py's cluster client raises
# RedisClusterException (not a RedisError) when no node gives it the slot map. Code outside the store catches
# these only around a library that talks to Redis with the store's client (flask-caching's figure cache).
REDIS_ERRORS = (redis.RedisError, RedisClusterException)


class StoreUnavailable(Exception):
    """Redis could not be reached or answered with an error; the message says which."""


class TransactionConflict(StoreUnavailable):
    """Other writers kept changing the keys a transaction watched, through every attempt it was allowed."""


class NotLeader(Exception):
    """A fenced write was refused because this process no longer holds the source's leader lock."""


@contextmanager
def unavailable_on_redis_error() -> Iterator[None]:
    """Around the Redis calls of one store operation: any Redis error leaves it as StoreUnavailable, counted.

    The metric names the function that holds this block, so each store method opens its own.
    """
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as err:
        redis_error(err)
        raise StoreUnavailable(f"Redis injoignable : {err}") from err
    except redis.ResponseError as err:
        redis_error(err)
        raise StoreUnavailable(f"Redis a répondu par une erreur : {err}") from err
    except RedisClusterException as err:
        redis_error(err)
        raise StoreUnavailable(f"Redis Cluster injoignable : {err}") from err
    except redis.RedisError as err:
        redis_error(err)
        raise StoreUnavailable(f"Redis : {err}") from err
