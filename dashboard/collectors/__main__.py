"""Production entry point: `python -m dashboard.collectors` collects every configured source until SIGTERM."""

from __future__ import annotations

import signal
import sys

from dashboard.collectors.runner import CollectorRunner, configured_sources
from dashboard.metrics import serve_collector_metrics
from dashboard.startup import start_process
from dashboard.store import open_store


def main() -> int:
    """Run the collectors against the configured Redis; exit 2 on a configuration error."""
    settings = start_process()
    if settings.redis_url is None:
        print("REDIS_URL must be set: separate collector processes need a shared Redis.", file=sys.stderr)
        return 2
    if settings.collector_metrics_port is not None:
        serve_collector_metrics(settings.collector_metrics_port)
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
