"""Hides credentials (feed keys, passwords, tokens) in URLs and texts before they are stored, shown or logged."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

MASK = "***"
# Query parameters that carry a credential whatever the feed (compared case-insensitively).
SECRET_QUERY_NAMES = frozenset({"key", "token", "apikey", "api_key", "access_token", "password", "secret", "signature"})
# A known value shorter than this (a page size, a dataset name) is too common to hide everywhere in a text;
# in a URL it is still hidden by its parameter's name.
MIN_SECRET_LENGTH = 8
# A URL inside free text: a scheme, then everything up to a space, a quote or a bracket.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>()\[\]{}«»]+")


def redact_url(url: str, secret_params: Iterable[str] = ()) -> str:
    """`url` with its user name and password masked, and the values of credential-like or `secret_params` parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:  # unreadable (a bad IPv6 host): nothing in it can be told apart from a secret
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    names = SECRET_QUERY_NAMES | {name.lower() for name in secret_params}
    query = "&".join(_masked_pair(pair, names) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _masked_pair(pair: str, names: frozenset[str] | set[str]) -> str:
    name, equals, _value = pair.partition("=")
    return f"{name}={MASK}" if equals and unquote_plus(name).lower() in names else pair


def header_secrets(value: str) -> set[str]:
    """What to mask for a secret header value: the value, and its credentials alone ("Bearer t" hides "t" too)."""
    scheme, _, credentials = value.partition(" ")
    return {value, credentials.strip()} if scheme and credentials.strip() else {value}


class Redactor:
    """Masks a deployment's known secrets wherever they appear in a text, and credentials in any URL in it."""

    def __init__(self, secrets: Iterable[str] = (), secret_params: Iterable[str] = ()) -> None:
        variants = {form for secret in secrets for form in (secret, quote(secret, safe=""), quote_plus(secret))}
        known = sorted((v for v in variants if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)
        # Longest first, so that a secret containing another one is masked whole.
        self._known = re.compile("|".join(map(re.escape, known))) if known else None
        self._params = frozenset(name.lower() for name in secret_params)

    def url(self, url: str) -> str:
        """`url` safe to store, show or log."""
        return self._mask_known(redact_url(url, self._params))

    def text(self, text: str) -> str:
        """`text` (an error message, an upstream answer) safe to store, show or log."""
        return self._mask_known(_URL_IN_TEXT.sub(lambda match: redact_url(match.group(0), self._params), text))

    def _mask_known(self, text: str) -> str:
        return self._known.sub(MASK, text) if self._known else text


# Masks credentials in URLs only: for code that knows no configured secret (a settings error, a bare feed client).
URLS_ONLY = Redactor()
