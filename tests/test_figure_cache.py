"""The shared figure cache when Redis fails around it: a failed read is an outage, a failed write is not."""

from __future__ import annotations

import pytest
import redis

from callbacks.figure_cache import FigureCache
from dashboard.layers import LAYERS
from dashboard.store import StoreUnavailable
from tests.factories import parking_result


class FailingCache:
    """A cache whose reads and/or writes raise as when Redis has just gone away."""

    def __init__(self, *, reads: bool, writes: bool) -> None:
        self.reads, self.writes = reads, writes

    def get(self, key):
        if self.reads:
            raise redis.ConnectionError("Connection closed by server.")
        return None

    def set(self, key, value, timeout=None):
        if self.writes:
            raise redis.ConnectionError("Connection closed by server.")


def test_a_failed_read_is_reported_as_the_store_being_unavailable(store):
    with pytest.raises(StoreUnavailable):
        FigureCache(store, FailingCache(reads=True, writes=True)).traces("parking", 1, "fr")


def test_a_failed_write_still_returns_the_figure_just_built(store):
    result = parking_result(150)
    store.write_snapshot("parking", result, source="s", demo=True, summary=LAYERS["parking"].summarise(result.records))
    version, traces = FigureCache(store, FailingCache(reads=False, writes=True)).traces("parking", 1, "fr")
    assert version == 1 and len(traces[0]["lon"]) == 2
