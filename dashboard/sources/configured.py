"""Adapters built from the [[sources]] settings: the format names the adapter, the rest is its configuration."""

from __future__ import annotations

from datetime import timedelta

from dashboard.settings import SourceSettings
from dashboard.sources.base import Source
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.http import FeedClient
from dashboard.sources.ngsi_ld import NgsiLdSource
from dashboard.sources.open311 import Open311Source
from dashboard.sources.opendatasoft import OpendatasoftSource


def build_source(config: SourceSettings) -> Source:
    """The adapter reading the feed `config` describes."""
    client = FeedClient(timeout=config.timeout_seconds, max_bytes=int(config.max_megabytes * 1024 * 1024))
    if config.format == "open311":
        return Open311Source(
            config.name,
            config.url,
            layer=config.layer,
            fields=config.fields,
            statuses={status: value.value for status, value in config.statuses.items()},
            lookback=timedelta(days=config.lookback_days),
            window=timedelta(days=config.window_days),
            cap=config.cap,
            client=client,
        )
    adapter = {"opendatasoft": OpendatasoftSource, "ngsi-ld": NgsiLdSource, "gbfs": GbfsSource}[config.format]
    return adapter(config.name, config.layer, config.url, fields=config.fields, params=config.params, client=client)
