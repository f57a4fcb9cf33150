"""Production entry point: `python -m dashboard.collectors` collects every configured source until SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys

from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.settings import ConfigError, load_settings
from dashboard.store import open_store


def main() -> int:
    """Run the collectors against the configured Redis; exit 2 on a configuration error."""
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.redis_url is None:
        print("REDIS_URL must be set: separate collector processes need a shared Redis.", file=sys.stderr)
        return 2
    store = open_store(settings)
    runner = CollectorRunner(store, configured_sources(settings), settings)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: runner.stop_event.set())
    runner.start()
    runner.stop_event.wait()
    runner.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
