"""What every command-line entry point does first: read the settings (or exit with the reasons) and set up logs."""

from __future__ import annotations

import logging
import sys

from dashboard.settings import ConfigError, Settings, load_settings


def start_process() -> Settings:
    """The settings, with logging configured; exits with status 2 and every problem listed if they are invalid."""
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    return settings


def configure_logging(level: str) -> None:
    """Log at `level`, except the HTTP client libraries: at INFO they log every request URL, feed keys included."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
