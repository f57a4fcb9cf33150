"""Adapters built from the [[sources]] settings: the format names the adapter, the rest is its configuration."""

from __future__ import annotations

from datetime import timedelta

from dashboard.settings import ReferenceSettings, SourceSettings
from dashboard.sources.base import Source
from dashboard.sources.gbfs import GbfsSource
from dashboard.sources.geojson import GeoJsonSource
from dashboard.sources.http import FeedClient
from dashboard.sources.joined import JoinedSource, Reference
from dashboard.sources.mapped import MappedFeed
from dashboard.sources.ngsi_ld import NgsiLdSource
from dashboard.sources.open311 import Open311Source
from dashboard.sources.opendatasoft import OpendatasoftSource

ADAPTERS: dict[str, type[MappedFeed]] = {
    "opendatasoft": OpendatasoftSource,
    "ngsi-ld": NgsiLdSource,
    "geojson": GeoJsonSource,
    "gbfs": GbfsSource,
}


def _client(config: SourceSettings | ReferenceSettings) -> FeedClient:
    return FeedClient(
        timeout=config.timeout_seconds,
        deadline=config.deadline_seconds,
        max_bytes=int(config.max_megabytes * 1024 * 1024),
        allowed_redirect_hosts=config.allowed_redirect_hosts,
        headers=config.headers,
    )


def build_source(config: SourceSettings) -> Source:
    """The adapter reading the feed `config` describes, joined to its reference feeds if it has any."""
    primary: MappedFeed
    if config.format == "open311":
        primary = Open311Source(
            config.name,
            config.url,
            layer=config.layer,
            fields=config.fields,
            statuses=config.statuses,
            values=config.values,
            lookback=timedelta(days=config.lookback_days),
            window=timedelta(days=config.window_days),
            cap=config.cap,
            crs=config.crs,
            client=_client(config),
            decimal_separator=config.decimal_separator,
        )
    else:
        primary = ADAPTERS[config.format](
            config.name,
            config.layer,
            config.url,
            fields=config.fields,
            params=config.params,
            statuses=config.statuses,
            values=config.values,
            crs=config.crs,
            client=_client(config),
            decimal_separator=config.decimal_separator,
        )
    if not config.references:
        return primary
    references = [
        Reference(
            ADAPTERS[ref.format](
                ref.name,
                config.layer,
                ref.url,
                fields=ref.fields,
                params=ref.params,
                values=ref.values,
                crs=ref.crs,
                client=_client(ref),
                decimal_separator=ref.decimal_separator,
            ),
            on=ref.on,
            refresh=timedelta(hours=ref.refresh_hours),
            max_distance_m=ref.max_distance_m,
            required=ref.required,
        )
        for ref in config.references
    ]
    return JoinedSource(primary, references)
