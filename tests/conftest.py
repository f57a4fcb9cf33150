"""Shared fixtures: a real redis-server for the session, a clean database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from dashboard.store import Store
from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def store(redis_client: redis.Redis) -> Store:
    return Store(redis_client)
