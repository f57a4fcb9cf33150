"""The Redis server's clock, shared by every process: where the versions of an empty key begin."""

from __future__ import annotations

import redis


def server_ms(client: redis.Redis) -> int:
    """The Redis server's clock in milliseconds: the first version of a key that is empty (or was lost).

    Versions then go up by one per write, so the version of a write is at most the server's clock in milliseconds
    at that write as long as the key had fewer writes than milliseconds since its first one (a layer is written
    every few seconds at most). A key that Redis lost starts again from a later clock: every version it gets is
    greater than any it had before, and no cache keyed by version (browsers, ETags, CDNs) can take new data for old.
    All processes read the same clock, so concurrent writers agree; it assumes the server's clock does not go
    back across the loss. Not through a pipeline: Redis Cluster refuses TIME there.
    """
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000
