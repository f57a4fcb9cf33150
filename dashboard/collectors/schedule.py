"""When to try a source again: interval with jitter, capped exponential backoff, the feed's Retry-After."""

from __future__ import annotations

import random


def next_delay(
    interval: float,
    failures: int,
    *,
    jitter_ratio: float,
    backoff_max: float,
    rng: random.Random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait before the next fetch, given how many fetches in a row have failed."""
    if failures <= 0:
        delay = interval
    else:
        # Retry sooner than the interval at first, then back off: base, 2×base, 4×base, ... up to the cap.
        base = max(1.0, interval / 4)
        delay = min(backoff_max, base * 2 ** min(failures - 1, 30))
    delay *= 1 + rng.uniform(-jitter_ratio, jitter_ratio)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
