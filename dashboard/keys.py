"""Every Redis key the dashboard uses: one prefix, one style, a hash tag per layer (and one for the alarms).

Keys of one layer share the tag `{<layer>}` so that a layer's writes can be one transaction,
also on Redis Cluster. The exact strings are a persisted contract (tests assert them literally).
"""

PREFIX = "cityops"


def _layer_key(layer: str, suffix: str) -> str:
    return f"{PREFIX}:{{{layer}}}:{suffix}"


def snapshot(layer: str) -> str:
    """Hash with the layer's current snapshot: version, fetched_at, source, demo, summary, records."""
    return _layer_key(layer, "snapshot")


def personal(layer: str) -> str:
    """Hash of the layer's personal fields, kept out of the snapshot: record id -> JSON; written with the snapshot."""
    return _layer_key(layer, "personal")


def status(layer: str) -> str:
    """Hash with the health of the source feeding the layer."""
    return _layer_key(layer, "status")


def history(layer: str) -> str:
    """Stream of the layer's summaries, one entry per version, trimmed by age."""
    return _layer_key(layer, "history")


def timeline(layer: str, record_id: str) -> str:
    """List of one record's status changes (JSON entries, oldest first); expires with the history retention."""
    return _layer_key(layer, f"timeline:{record_id}")


def leader(layer: str, source: str) -> str:
    """Lock held by the one collector process allowed to write this source."""
    return _layer_key(layer, f"leader:{source}")


def public_file(layer: str, version: int) -> str:
    """Hash of one version's public file, built once for every web worker: content encoding -> bytes; expires."""
    return _layer_key(layer, f"public:{version}")


def public_file_build(layer: str, version: int) -> str:
    """Lock held by the one web worker building that version's public file."""
    return _layer_key(layer, f"public:{version}:build")


def born() -> str:
    """When the first snapshot was written into an empty Redis (epoch ms): where history and versions begin."""
    return f"{PREFIX}:born"


def figure_cache_prefix() -> str:
    """Prefix of the shared figure cache (flask-caching) entries."""
    return f"{PREFIX}:cache:"


# Entries of the shared figure cache: flask-caching writes each under `figure_cache_prefix()` + the name below.
def cached_traces(audience: str, layer: str, version: int, lang: str, scope: str) -> str:
    """A layer version's map traces for an audience ("managers" or "public"), language and scope (commune, filters)."""
    return f"traces:{audience}:{layer}:{version}:{lang}:{scope}"


def cached_filtered_summaries(filters: str, versions: dict[str, int]) -> str:
    """Every layer's summary of the records passing `filters` (their key), as of the layers' `versions`."""
    return f"filtered:{filters}:" + ":".join(f"{name}={version}" for name, version in sorted(versions.items()))


def cached_summary(layer: str, version: int, filters: str) -> str:
    """One layer version's summary of the records passing `filters` (their key)."""
    return f"summary:{layer}:{version}:{filters}"


def cached_table(layer: str, version: int, lang: str, filters: str) -> str:
    """One layer version's table (columns and rows) in a language, for `filters` (their key)."""
    return f"table:{layer}:{version}:{lang}:{filters}"


def cached_area_shading(level: str, version: int, lang: str) -> str:
    """The choropleth of open reports per area of `level` (commune or quartier) of a reports version."""
    return f"areas:{level}:{version}:{lang}"


def cached_trend(layer: str, version: int, lang: str, hours: float) -> str:
    """A layer version's sparkline over its last `hours` of history."""
    return f"trend:{layer}:{version}:{lang}:{hours}"


def cached_details(layer: str, version: int, lang: str, record_id: str) -> str:
    """One record's details panel as of a layer version."""
    return f"details:{layer}:{version}:{lang}:{record_id}"


def cached_history_digest(layer: str, start_ms: int) -> str:
    """Digest of a layer's history window starting at `start_ms`; the layer's hash tag lets one MGET read many."""
    return f"details:digest:{{{layer}}}:{start_ms}"


# Threshold alarms: not tied to one layer, so they share their own hash tag and can be written in one transaction.
def alarms_active() -> str:
    """Hash of the active threshold alarms: alarm id -> alarm JSON (raise time, acknowledgement)."""
    return f"{PREFIX}:{{alarms}}:active"


def alarms_pending() -> str:
    """Hash of conditions held but not raised yet: '<rule id>|<subject>' -> ISO time since when it holds."""
    return f"{PREFIX}:{{alarms}}:pending"


def alarms_cleared() -> str:
    """List of recently cleared alarms as JSON, newest first, trimmed to the configured length."""
    return f"{PREFIX}:{{alarms}}:cleared"


def alarms_version() -> str:
    """Counter bumped on every raise, clear and acknowledgement: what a page polls before reading alarms."""
    return f"{PREFIX}:{{alarms}}:version"


def alarms_leader() -> str:
    """Lock held by the one collector process allowed to evaluate the alarm rules."""
    return f"{PREFIX}:{{alarms}}:leader"


# The managers' login: failed sign-ins are counted under `login_prefix()` (flask-limiter), ended sessions below it.
def login_prefix() -> str:
    """Prefix of the managers' login keys (the rate limiter's counts and the ended sessions)."""
    return f"{PREFIX}:login"


def login_limit_pair(address: str, name: str) -> str:
    """Failed sign-ins from one address with one name (flask-limiter writes it under `login_prefix()`)."""
    return f"pair:{address}|{name}"


def login_limit_address(address: str) -> str:
    """Failed sign-ins from one address, whatever the name (under `login_prefix()`)."""
    return f"address:{address}"


def login_limit_account(name: str) -> str:
    """Failed sign-ins with one name, from any address (under `login_prefix()`)."""
    return f"account:{name}"


def revoked_session(session_id: str) -> str:
    """Marker of a manager's session ended by signing out; expires when the session would have anyway."""
    return f"{login_prefix()}:revoked:{session_id}"
