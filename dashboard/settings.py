"""Settings: the only reader of os.environ and of the config file. Strict, with one error listing every problem.

Sources, later ones winning: defaults, the TOML file named by CITYOPS_CONFIG, environment variables
(CITYOPS_<NAME>, plus REDIS_URL and PROMETHEUS_MULTIPROC_DIR). Every field's description is its one line of
documentation.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse, urlsplit

from limits import parse_many
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dashboard.alarm_settings import AlarmSettings
from dashboard.layers import LAYERS
from dashboard.redact import URLS_ONLY, Redactor, header_secrets
from dashboard.sources.crs import check_crs
from dashboard.store.redis_url import FORMS as REDIS_URL_FORMS
from dashboard.store.redis_url import parse_redis_url

ENV_PREFIX = "CITYOPS_"
# A CSP host source: scheme, host (wildcard subdomain allowed), optional port.
_FRAME_SOURCE = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")
CONFIG_ENV = "CITYOPS_CONFIG"
# werkzeug.security's hash format: method$salt$hex digest (scrypt by default, pbkdf2 accepted).
_PASSWORD_HASH = re.compile(r"(scrypt|pbkdf2):[^\s,$]+\$[^\s,$]+\$[0-9a-f]+")
# Marks a setting whose whole value is a secret: never echoed in a settings error, masked in every text.
SECRET: dict[str, Any] = {"secret": "value"}
# Marks a URL whose user name and password are secret: never echoed in a settings error, its password masked.
SECRET_USERINFO: dict[str, Any] = {"secret": "userinfo"}
# Marks request headers whose values are secret (tokens): never echoed in a settings error, masked in every text.
SECRET_HEADERS: dict[str, Any] = {"secret": "headers"}
# An HTTP field name (RFC 9110's token).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A field value that can be sent as is: visible ASCII, inner spaces and tabs.
_HEADER_VALUE = re.compile(r"[!-~]+(?:[ \t]+[!-~]+)*")
# Headers the feed client sets itself, for the connection or for conditional requests: never configured.
CLIENT_HEADERS = frozenset({"host", "content-length", "if-none-match", "if-modified-since", "accept-encoding"})


# The open-data portal's GeoJSON exports of the boundaries, downloaded when no boundary path is configured.
OFFICIAL_COMMUNES_URL = "https://data.toulouse-metropole.fr/api/explore/v2.1/catalog/datasets/communes/exports/geojson"
OFFICIAL_QUARTIERS_URL = "https://data.toulouse-metropole.fr/api/explore/v2.1/catalog/datasets/quartiers-de-democratie-locale/exports/geojson"


class ConfigError(Exception):
    """Configuration is invalid; the message lists every bad value at once."""


# The formats a reference feed may have (Open311 is a live stream of requests, never a reference).
ReferenceFormat = Literal["opendatasoft", "ngsi-ld", "geojson"]


def _fills(feed_format: str, layer: str) -> bool:
    """Whether a feed of `feed_format` can fill `layer` (an adapter and the layer's record builder exist)."""
    return layer in LAYERS and feed_format in LAYERS[layer].formats


def _location(value: str, file_allowed: bool) -> str:
    """An http(s) URL, or (where `file_allowed`) a file path; anything else is refused."""
    scheme = urlparse(value).scheme
    if scheme in {"http", "https"} and urlparse(value).netloc:
        return value
    if file_allowed and not scheme and value.strip():
        return value
    raise ValueError("must be an http(s) URL" + (" or a file path" if file_allowed else ""))


def _known_fields(fields: dict[str, str], layer: str) -> None:
    unknown = sorted(set(fields) - LAYERS[layer].canonical_fields)
    if unknown:
        known = ", ".join(sorted(LAYERS[layer].canonical_fields))
        raise ValueError(f"unknown field(s) {', '.join(unknown)} for layer {layer}; known: {known}")


def _check_headers(headers: dict[str, str], info: ValidationInfo, kind: str) -> dict[str, str]:
    """Refuse headers that cannot be sent or that the client sets itself, naming the feed and header, never a value."""
    feed = f"{kind} {info.data.get('name', '?')}"
    seen: set[str] = set()
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{feed}: header name {name!r} is not a valid HTTP header name")
        if name.lower() in CLIENT_HEADERS:
            raise ValueError(f"{feed}: header {name} is set by the feed client itself and cannot be configured")
        if name.lower() in seen:
            raise ValueError(f"{feed}: header {name} is given more than once (header names ignore case)")
        if not _HEADER_VALUE.fullmatch(value):
            raise ValueError(
                f"{feed}: the value of header {name} must be printable ASCII, not empty, with no space at either end"
            )
        seen.add(name.lower())
    if "authorization" in seen and _url_credentials(info.data.get("url", "")):
        # httpx would send the URL's user and password as Basic authentication in place of the header.
        raise ValueError(f"{feed}: header Authorization and a user:password in url cannot both be set")
    return headers


def _url_credentials(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def _deadline_after_timeout(deadline: float, info: ValidationInfo) -> float:
    timeout = info.data.get("timeout_seconds")
    if timeout is not None and deadline < timeout:
        raise ValueError(f"must be at least timeout_seconds ({timeout:g}): one slow read would always miss it")
    return deadline


class ReferenceSettings(BaseModel):
    """A feed read less often than the live one and joined to its rows (see Merged sources in the README)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    format: ReferenceFormat
    url: str = Field(json_schema_extra=SECRET_USERINFO)
    fields: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict, json_schema_extra=SECRET)
    # Sent with every request to the feed's own origin (e.g. Authorization = "Bearer ..."); values are secret.
    headers: dict[str, str] = Field(default_factory=dict, json_schema_extra=SECRET_HEADERS)
    values: dict[str, str] = Field(default_factory=dict)
    crs: str = "EPSG:4326"
    on: str = "id"
    max_distance_m: float = Field(150.0, gt=0, le=5000)
    refresh_hours: float = Field(24.0, gt=0, le=24 * 366)
    required: bool = True
    timeout_seconds: float = Field(30.0, gt=0, le=300)
    # Whole read, retries included: references are read seldom and may be large exports.
    deadline_seconds: float = Field(300.0, gt=0, le=3600)
    max_megabytes: float = Field(64.0, gt=0, le=1024)
    # Unset: the format's own (a comma for Opendatasoft's French portals, a point for the others).
    decimal_separator: Literal[".", ","] | None = None
    # Hosts a redirect may lead to; a redirect to any other host than the feed's own is refused.
    allowed_redirect_hosts: tuple[str, ...] = ()

    @field_validator("deadline_seconds")
    @classmethod
    def _deadline(cls, value: float, info: ValidationInfo) -> float:
        return _deadline_after_timeout(value, info)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        return _check_headers(value, info, "reference")

    @field_validator("crs")
    @classmethod
    def _crs(cls, value: str) -> str:
        return check_crs(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        return _location(value, info.data.get("format") == "geojson")


class SourceSettings(BaseModel):
    """One real feed: its format, the layer it fills, where it is and how its fields map to the layer's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    format: Literal["opendatasoft", "open311", "ngsi-ld", "geojson", "gbfs"]
    layer: str
    url: str = Field(json_schema_extra=SECRET_USERINFO)
    fields: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict, json_schema_extra=SECRET)
    # Sent with every request to the feed's own origin (e.g. Authorization = "Bearer ..."); values are secret.
    headers: dict[str, str] = Field(default_factory=dict, json_schema_extra=SECRET_HEADERS)
    statuses: dict[str, str] = Field(default_factory=dict)
    values: dict[str, str] = Field(default_factory=dict)
    crs: str = "EPSG:4326"
    timeout_seconds: float = Field(15.0, gt=0, le=300)
    # Whole fetch, pages and retries included: a feed trickling bytes must not hold its collector forever.
    deadline_seconds: float = Field(120.0, gt=0, le=3600)
    max_megabytes: float = Field(64.0, gt=0, le=1024)
    # Unset: the format's own (a comma for Opendatasoft's French portals, a point for the others).
    decimal_separator: Literal[".", ","] | None = None
    # Hosts a redirect may lead to; a redirect to any other host than the feed's own is refused.
    allowed_redirect_hosts: tuple[str, ...] = ()
    lookback_days: float = Field(90.0, gt=0, le=3660)
    window_days: float = Field(7.0, gt=0, le=90)
    cap: int = Field(1000, ge=10)
    references: tuple[ReferenceSettings, ...] = ()

    @field_validator("deadline_seconds")
    @classmethod
    def _deadline(cls, value: float, info: ValidationInfo) -> float:
        return _deadline_after_timeout(value, info)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        return _check_headers(value, info, "source")

    @field_validator("crs")
    @classmethod
    def _crs(cls, value: str) -> str:
        return check_crs(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        return _location(value, info.data.get("format") == "geojson")

    @model_validator(mode="after")
    def _layer_fits(self) -> SourceSettings:
        if not _fills(self.format, self.layer):
            fits = ", ".join(name for name, layer in LAYERS.items() if self.format in layer.formats)
            raise ValueError(f"format {self.format} cannot fill layer {self.layer!r} (it fills: {fits})")
        _known_fields({**self.fields, **self.values}, self.layer)
        statuses = LAYERS[self.layer].statuses
        wrong = sorted({v for v in self.statuses.values() if v not in statuses})
        if wrong:
            known = ", ".join(sorted(statuses)) or "none for this layer"
            raise ValueError(f"unknown status(es) {', '.join(wrong)} for layer {self.layer}; known: {known}")
        for reference in self.references:
            if not _fills(reference.format, self.layer):
                raise ValueError(f"reference {reference.name}: format {reference.format} cannot fill {self.layer}")
            _known_fields({**reference.fields, **reference.values}, self.layer)
            if reference.on not in {"nearest", *LAYERS[self.layer].canonical_fields}:
                raise ValueError(f"reference {reference.name}: on must be nearest or a field of {self.layer}")
        return self


def normalise_name(raw: str) -> str:
    """A manager's name as compared everywhere: stripped, Unicode NFKC, case-folded (" ALICE\u2002" is "alice")."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


class ManagerAccount(BaseModel):
    """One manager who may sign in: a name and a password hash made by `python -m dashboard.auth hash-password`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[^\s:,]+$", max_length=64)
    password_hash: str = Field(json_schema_extra=SECRET)

    @field_validator("name")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("password_hash")
    @classmethod
    def _werkzeug_hash(cls, value: str) -> str:
        if not _PASSWORD_HASH.fullmatch(value):
            raise ValueError("not a password hash; make one with: python -m dashboard.auth hash-password")
        return value


class Settings(BaseModel):
    """Every setting of the dashboard, with its default and meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    redis_url: str | None = Field(
        None,
        description="Redis: redis://, rediss://, unix://, redis+sentinel:// or redis+cluster:// (see Running in production). Unset: an in-process stand-in (all-in-one mode).",  # noqa: E501
        json_schema_extra=SECRET_USERINFO,
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on (python app.py).")
    port: int = Field(8050, ge=1, le=65535, description="Port the web server listens on (python app.py).")
    poll_seconds: float = Field(
        5.0, ge=0.5, le=300, description="How often each browser asks whether any layer has changed."
    )
    poll_marks_seconds: float = Field(
        0.25,
        ge=0,
        le=5,
        description="How long a web worker answers polls from its last read of the layers' versions and statuses (0: every poll reads Redis).",  # noqa: E501
    )
    refresh_seconds: float | None = Field(
        None, gt=0, le=86400, description="Overrides every source's refresh interval (demos, tests). Unset: per layer."
    )
    history_days: float = Field(7.0, gt=0, le=366, description="How long each layer's history is kept in Redis.")
    leader_ttl_seconds: float = Field(
        30.0, ge=3, le=3600, description="Leader lock lifetime: a dead collector's source is taken over within it."
    )
    backoff_max_seconds: float = Field(
        600.0, ge=1, le=86400, description="Longest pause between retries of a failing source."
    )
    jitter_ratio: float = Field(
        0.1, ge=0, le=0.5, description="Random spread of each refresh interval, as a fraction of it."
    )
    redis_timeout_seconds: float = Field(
        2.0, gt=0, le=60, description="Connect and read timeout for Redis; a poll fails fast after it."
    )
    demo_seed: int = Field(31555, ge=0, description="Seed of the demonstration feeds (same seed, same data).")
    demo_speed: float = Field(
        1.0, gt=0, le=10000, description="Simulated time runs this many times faster in the demonstration feeds."
    )
    demo_faults: tuple[str, ...] = Field(
        (),
        description="Layers whose demonstration feed fails after its first fetch (comma list), to rehearse outages.",
    )
    tile_url: str | None = Field(
        None,
        description="XYZ raster tile URL with {z}/{x}/{y} for the basemap. Unset: an offline basemap, no network.",
    )
    tile_attribution: str = Field("", description="Attribution shown for the tile source.")
    communes_path: str | None = Field(
        None,
        description="GeoJSON of the communes (properties code, nom): file path or http(s) URL. Unset: CITYOPS_COMMUNES_URL.",  # noqa: E501
    )
    quartiers_path: str | None = Field(
        None,
        description="GeoJSON of Toulouse's quartiers (properties quartier, nom_quartier): file path or http(s) URL.",
    )
    boundaries_download: bool = Field(
        True,
        description="With no CITYOPS_COMMUNES_PATH, download the boundaries from the URLs below on first start (false: none).",  # noqa: E501
    )
    communes_url: str = Field(
        OFFICIAL_COMMUNES_URL, description="Where the communes are downloaded from when no path is set (a mirror)."
    )
    quartiers_url: str = Field(
        OFFICIAL_QUARTIERS_URL, description="Where the quartiers are downloaded from when no path is set (a mirror)."
    )
    boundaries_cache_dir: Path = Field(
        Path(".cache/boundaries"), description="Where boundary files given as URLs are downloaded, once."
    )
    secret_key: str | None = Field(
        None,
        min_length=16,
        description="Flask secret shared by all web workers. Unset: a random one per process (single process only).",
        json_schema_extra=SECRET,
    )
    managers: tuple[ManagerAccount, ...] = Field(
        (),
        description="Managers who may sign in: [[managers]] tables (name, password_hash) or name:hash,... (see Managers' login).",  # noqa: E501
    )
    session_hours: float = Field(
        12.0, gt=0, le=720, description="A manager's sign-in lasts this long, then the login page is shown again."
    )
    session_cookie_secure: bool | None = Field(
        None,
        description="Send the session cookie over HTTPS only. Unset: on, except in all-in-one mode (no REDIS_URL).",
    )
    login_rate_limit: str = Field(
        "5 per minute", description="Failed sign-ins allowed per address and user name, like 5 per minute."
    )
    login_rate_limit_per_address: str = Field(
        "30 per hour", description="Failed sign-ins allowed per client address, whatever the user names (spraying)."
    )
    login_rate_limit_per_account: str = Field(
        "60 per hour",
        description="Failed sign-ins allowed per user name, from all addresses together (distributed guessing).",
    )
    proxy_count: int = Field(
        0,
        ge=0,
        le=5,
        description="Reverse proxies in front of the server whose X-Forwarded-For/-Proto/-Host are trusted.",
    )
    proxy_user_from: tuple[str, ...] = Field(
        (),
        description="Proxy addresses or networks (space-separated) whose user header signs a manager in. Unset: off.",
    )
    proxy_user_header: str = Field(
        "X-Forwarded-User",
        pattern=r"^[A-Za-z0-9-]+$",
        description="Header carrying the signed-in user's name from a trusted proxy (CITYOPS_PROXY_USER_FROM).",
    )
    wall_token: str | None = Field(
        None,
        min_length=12,
        description="Display token for the operations wall (/wall/?token=... or X-Display-Token). Unset: wall closed.",
        json_schema_extra=SECRET,
    )
    wall_cycle_seconds: float = Field(
        20.0, ge=3, le=3600, description="How long the wall highlights each layer before moving to the next."
    )
    wall_trend_hours: float = Field(6.0, gt=0, le=168, description="How many hours the wall's trend charts show.")
    embed_frame_ancestors: tuple[str, ...] = Field(
        ("'self'",),
        description="Sites that may frame the public embeds (/embed/), space-separated, like https://www.toulouse.fr.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Logging level.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or as one JSON object each (time, level, logger, message, source, request).",
    )
    metrics_token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token a Prometheus scraper sends to /metrics. Unset: /metrics for signed-in managers only.",
        json_schema_extra=SECRET,
    )
    collector_metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port on 127.0.0.1 where a collector process serves its metrics. Unset: not served.",
    )
    prometheus_multiproc_dir: Path | None = Field(
        None,
        description="Folder where web workers write their metrics, summed by /metrics (gunicorn). Unset: one process.",
    )
    sources: tuple[SourceSettings, ...] = Field(
        (),
        description="Real feeds, as [[sources]] tables in the TOML file (see Real feeds). Unset: the demonstration feeds.",  # noqa: E501
    )
    alarms: AlarmSettings = Field(
        default_factory=AlarmSettings,
        description="Threshold alarm rules, as an [alarms] table in the TOML file only (see Alarms). Unset: the defaults.",  # noqa: E501
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            # An unset variable in a compose file: never fall back to the all-in-one mode and its demo account.
            raise ValueError(f"is empty; give a {REDIS_URL_FORMS} URL, or unset it for the all-in-one mode")
        if value is not None:
            parse_redis_url(value)
        return value

    @field_validator("demo_faults")
    @classmethod
    def _known_layers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(LAYERS))
        if unknown:
            raise ValueError(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}")
        return value

    @field_validator("communes_path", "quartiers_path")
    @classmethod
    def _path_or_web_url(cls, value: str | None) -> str | None:
        if value is not None and "://" in value and urlparse(value).scheme not in {"http", "https"}:
            raise ValueError("must be a file path or an http(s) URL")
        return value

    @field_validator("communes_url", "quartiers_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return _location(value, file_allowed=False)

    @field_validator("sources")
    @classmethod
    def _one_source_per_layer(cls, value: tuple[SourceSettings, ...]) -> tuple[SourceSettings, ...]:
        # A source writes its layer's whole snapshot: two sources on one layer would overwrite each other.
        for what, names in (("source name", [s.name for s in value]), ("layer", [s.layer for s in value])):
            doubles = sorted({name for name in names if names.count(name) > 1})
            if doubles:
                raise ValueError(f"{what}(s) used by more than one source: {', '.join(doubles)}")
        return value

    @field_validator("embed_frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # A source ends up in a response header: no separators or quotes a site could use to widen the policy.
        bad = [v for v in value if v != "'self'" and not _FRAME_SOURCE.fullmatch(v)]
        if bad or not value:
            raise ValueError(f"expected 'self' or http(s) origins like https://www.toulouse.fr, got {' '.join(bad)!r}")
        return value

    @field_validator("proxy_user_from")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = []
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                bad.append(item)
        if bad:
            raise ValueError(f"expected IP addresses or networks like 10.0.0.5 or 10.0.0.0/24, got {' '.join(bad)!r}")
        return value

    @field_validator("login_rate_limit", "login_rate_limit_per_address", "login_rate_limit_per_account")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError("expected a rate like 5 per minute or 20/hour") from None
        return value

    @field_validator("managers")
    @classmethod
    def _one_account_per_name(cls, value: tuple[ManagerAccount, ...]) -> tuple[ManagerAccount, ...]:
        names = [account.name for account in value]
        doubles = sorted({name for name in names if names.count(name) > 1})
        if doubles:
            raise ValueError(
                f"manager name(s) listed more than once (case and Unicode variants alike): {', '.join(doubles)}"
            )
        return value

    def redactor(self) -> Redactor:
        """What masks this deployment's secrets (keys, passwords, tokens) in any text before it is stored or shown."""
        return Redactor(_secret_values(self), {name for source in _feeds(self) for name in source.params})

    @property
    def all_in_one(self) -> bool:
        """True in the all-in-one mode (`make run`): no REDIS_URL, so an in-process Redis stand-in."""
        return self.redis_url is None

    @property
    def secure_cookies(self) -> bool:
        """Whether the session cookie is sent over HTTPS only (CITYOPS_SESSION_COOKIE_SECURE, else by mode)."""
        return not self.all_in_one if self.session_cookie_secure is None else self.session_cookie_secure

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is not None and not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("must contain {z}, {x} and {y}")
        return value


# Settings too structured for an environment variable: set in the TOML file only, as these tables.
_FILE_ONLY = {"sources": "[[sources]] tables", "alarms": "an [alarms] table"}


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    # Both are read by their libraries too (redis-py's convention, prometheus_client's multiprocess mode).
    return field.upper() if field in ("redis_url", "prometheus_multiproc_dir") else ENV_PREFIX + field.upper()


def _from_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    known = {env_name(name): name for name in Settings.model_fields}
    for var, raw in environ.items():
        if var in known:
            field = known[var]
            if field in _FILE_ONLY:
                problems.append(f"{var}: {field} are set as {_FILE_ONLY[field]} in the {CONFIG_ENV} file only")
            elif field == "demo_faults":
                values[field] = tuple(part.strip() for part in raw.split(",") if part.strip())
            elif field in ("embed_frame_ancestors", "proxy_user_from"):
                values[field] = tuple(raw.split())
            elif field == "managers":
                values[field] = _accounts_from_text(raw)
            elif raw.strip() == "" and Settings.model_fields[field].default is None and field != "redis_url":
                values[field] = None
            else:
                values[field] = raw
        elif var.startswith(ENV_PREFIX) and var != CONFIG_ENV:
            problems.append(f"{var}: unknown setting")
    return values, problems


def _accounts_from_text(raw: str) -> tuple[dict[str, str], ...]:
    """`name:hash,name:hash` (commas or spaces between accounts) as account tables; the name ends at the first colon."""
    accounts = []
    for item in raw.replace(",", " ").split():
        name, _, password_hash = item.partition(":")
        accounts.append({"name": name, "password_hash": password_hash})
    return tuple(accounts)


def _from_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as err:
        raise ConfigError(f"{CONFIG_ENV}={path}: cannot read the file ({err.strerror})") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{CONFIG_ENV}={path}: not valid TOML ({err})") from err
    return data


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the config file and environment (default os.environ), then `overrides`."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if environ.get(CONFIG_ENV):
        values.update(_from_file(Path(environ[CONFIG_ENV])))
    env_values, problems = _from_environment(environ)
    if "prometheus_multiproc_dir" in values:  # prometheus_client reads the environment before any setting
        problems.append("prometheus_multiproc_dir: set PROMETHEUS_MULTIPROC_DIR in the environment, not in the file")
    values.update(env_values)
    values.update(overrides)
    try:
        settings = Settings(**values)
    except ValidationError as err:
        problems.extend(_describe(error) for error in err.errors())
    if problems:
        raise ConfigError("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
    return settings


def _describe(error: Any) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = env_name(field) if field in Settings.model_fields else field
    if len(error["loc"]) > 1:
        name += "[" + ".".join(str(part) for part in error["loc"][1:]) + "]"  # e.g. CITYOPS_SOURCES[0.url]
    return f"{name}: {error['msg']}{_shown_value(error)}"


def _shown_value(error: Any) -> str:
    """The rejected value for the message, unless it is (or may hold) a secret: then only what is wrong is said."""
    value = error.get("input")
    if _SECRET_FIELDS & set(error["loc"]) or error["type"] == "extra_forbidden":  # a misplaced key may be a secret
        return ""
    if isinstance(value, dict | list | tuple):  # whole tables repeat every value in them, secrets included
        return ""
    return f" (got {URLS_ONLY.text(repr(value))})"


def _secret_marker(field: Any) -> str | None:
    extra = field.json_schema_extra
    return extra.get("secret") if isinstance(extra, dict) else None


# The names of the settings marked secret, wherever they sit (a source's params, a manager's password hash).
_SECRET_FIELDS = frozenset(
    name
    for model in (Settings, SourceSettings, ReferenceSettings, ManagerAccount)
    for name, field in model.model_fields.items()
    if _secret_marker(field)
)


def _feeds(settings: Settings) -> list[SourceSettings | ReferenceSettings]:
    return [feed for source in settings.sources for feed in (source, *source.references)]


def _secret_values(model: BaseModel) -> set[str]:
    """Every secret string in `model`: values marked SECRET or SECRET_HEADERS, passwords of SECRET_USERINFO URLs."""
    found: set[str] = set()
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        marker = _secret_marker(field)
        if isinstance(value, BaseModel):
            found |= _secret_values(value)
        elif isinstance(value, tuple):
            found |= {s for item in value if isinstance(item, BaseModel) for s in _secret_values(item)}
        elif marker == "value" and isinstance(value, str):
            found.add(value)
        elif marker == "value" and isinstance(value, dict):
            found |= {str(item) for item in value.values()}
        elif marker == "userinfo" and isinstance(value, str):
            found |= _url_password(value)
        elif marker == "headers" and isinstance(value, dict):
            found |= {secret for item in value.values() for secret in header_secrets(str(item))}
    return found


def _url_password(url: str) -> set[str]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return set()
    return {password} if password else set()
