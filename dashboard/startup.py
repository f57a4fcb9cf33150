"""What every command-line entry point does first: read the settings (or exit with the reasons) and set up logs."""

from __future__ import annotations

import logging
import sys

from dashboard.logs import log_handler
from dashboard.settings import ConfigError, Settings, load_settings


def start_process() -> Settings:
    """The settings, with logging configured; exits with status 2 and every problem listed if they are invalid."""
    try:
        settings = load_settings()
    except ConfigError as err:
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log at `level` as `log_format` (text or json), except the HTTP client libraries: at INFO they log every
    request URL, feed keys included."""
    logging.basicConfig(level=level, handlers=[log_handler(log_format)])
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
