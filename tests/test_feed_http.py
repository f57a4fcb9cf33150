"""The feed HTTP client against a local server: retries, Retry-After, conditional requests, size cap, bad bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.sources import SourceError
from dashboard.sources.http import USER_AGENT, FeedClient, retry_after_seconds
from tests.feed_server import Reply, json_reply

HTML = Reply(body=b"<!DOCTYPE html><html><body>Maintenance</body></html>", headers={"Content-Type": "text/html"})


def _client(**kwargs) -> FeedClient:
    options = {"timeout": 0.3, "connect_timeout": 0.3, "retries": 1, "backoff": 0.0, "sleep": lambda _s: None}
    return FeedClient(**{**options, **kwargs})


@pytest.mark.parametrize(
    ("reply", "message", "retry_after"),
    [
        (Reply(200, b"{}", delay=0.6), "délai de lecture dépassé", None),
        (Reply(500, b"oops"), "erreur du serveur (HTTP 500)", None),
        (Reply(429, b"", {"Retry-After": "120"}), "trop de requêtes", 120),
        (Reply(400, b'{"error_code": "InvalidODSQL", "message": "offset trop grand"}'), "offset trop grand", None),
        (Reply(200, b'{"results": [{"id": 1}, {"id"', {"Content-Type": "application/json"}), "JSON tronqué", None),
        (Reply(200, b'{"results": [01]}', {"Content-Type": "application/json"}), "JSON invalide", None),
        (HTML, "page HTML reçue au lieu de JSON", None),
        (Reply(200, b"  <html>oops</html>"), "page HTML reçue au lieu de JSON", None),
        (Reply(200, b""), "réponse vide", None),
        (json_reply({"results": ["x" * 5000]}), "réponse trop volumineuse", None),
    ],
    ids=["timeout", "500", "429", "400", "truncated", "invalid", "html", "html-no-type", "empty", "oversized"],
)
def test_a_bad_answer_is_one_clear_source_error(feed_server, reply, message, retry_after):
    feed_server.route("/feed", reply)
    with pytest.raises(SourceError) as err:
        _client(max_bytes=4096).get_json(f"{feed_server.url}/feed")
    assert message in str(err.value)
    assert err.value.retry_after == retry_after


def test_an_unreachable_server_is_a_connection_error():
    with pytest.raises(SourceError, match="connexion impossible"):
        _client(retries=0).get_json("http://127.0.0.1:9/feed")


def test_a_server_error_is_retried_with_backoff(feed_server):
    answers = iter([Reply(503), Reply(502), json_reply({"ok": True})])
    feed_server.route("/feed", lambda _hit: next(answers))
    pauses: list[float] = []
    client = FeedClient(retries=2, backoff=0.5, sleep=pauses.append)
    assert client.get_json(f"{feed_server.url}/feed") == {"ok": True}
    assert pauses == [0.5, 1.0]


def test_a_streamed_body_is_cut_off_past_the_limit_even_without_a_length(feed_server):
    big = b"[" + b'"xxxxxxxx",' * 2000 + b'"x"]'
    feed_server.route("/feed", Reply(200, big, {"Content-Length": ""}))
    with pytest.raises(SourceError, match="trop volumineuse"):
        _client(max_bytes=1000).get_json(f"{feed_server.url}/feed")


def test_conditional_requests_reuse_the_last_document_on_304(feed_server):
    def handler(hit):
        if hit.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return json_reply({"version": 1}, ETag='"v1"', **{"Last-Modified": "Wed, 25 Nov 2026 08:00:00 GMT"})

    feed_server.route("/feed", handler)
    client = _client()
    first = client.get_json(f"{feed_server.url}/feed", {"limit": 10})
    again = client.get_json(f"{feed_server.url}/feed", {"limit": 10})
    assert first == again == {"version": 1}
    assert feed_server.hits[1].headers["if-modified-since"] == "Wed, 25 Nov 2026 08:00:00 GMT"
    assert feed_server.hits[0].headers["user-agent"] == USER_AGENT


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30
    assert retry_after_seconds("Wed, 25 Nov 2026 08:02:00 GMT", now) == 120
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


TOKEN = {"Authorization": "Bearer CANARY-TOKEN-1234", "X-Api-Key": "CANARY-KEY-5678"}


def test_configured_headers_go_with_every_request_to_the_feed(feed_server):
    def handler(hit):
        if hit.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return json_reply({"version": 1}, ETag='"v1"')

    feed_server.route("/old", Reply(301, b"moved", {"Location": "/feed"}))  # the same host: the headers follow
    feed_server.route("/feed", handler)
    client = _client(headers=TOKEN)
    assert client.get_json(f"{feed_server.url}/old") == client.get_json(f"{feed_server.url}/old") == {"version": 1}
    assert [hit.path for hit in feed_server.hits] == ["/old", "/feed", "/old", "/feed"]
    for hit in feed_server.hits:
        assert hit.headers["authorization"] == "Bearer CANARY-TOKEN-1234"
        assert hit.headers["x-api-key"] == "CANARY-KEY-5678"
        assert hit.headers["user-agent"] == USER_AGENT
    assert feed_server.hits[3].headers["if-none-match"] == '"v1"'  # the conditional request carries them too


def test_a_redirect_to_another_allowed_host_does_not_carry_the_headers(feed_server):
    # The same server under another name: "localhost" is another host than "127.0.0.1" for the client.
    elsewhere = feed_server.url.replace("127.0.0.1", "localhost") + "/elsewhere"
    feed_server.route("/feed", Reply(302, b"moved", {"Location": elsewhere}))
    feed_server.route("/elsewhere", json_reply({"moved": True}))
    client = _client(headers=TOKEN, allowed_redirect_hosts=["localhost"])
    assert client.get_json(f"{feed_server.url}/feed") == {"moved": True}
    first, moved = feed_server.hits
    assert first.headers["authorization"] == "Bearer CANARY-TOKEN-1234" and first.headers["x-api-key"]
    assert moved.path == "/elsewhere" and moved.headers["host"].startswith("localhost:")
    assert "authorization" not in moved.headers and "x-api-key" not in moved.headers
    assert moved.headers["user-agent"] == USER_AGENT  # the client's own headers still go
    # The next fetch starts from the feed's own host again, with its headers.
    feed_server.route("/feed", json_reply({"back": True}))
    assert client.get_json(f"{feed_server.url}/feed") == {"back": True}
    assert feed_server.hits[-1].headers["x-api-key"] == "CANARY-KEY-5678"


def test_an_error_page_echoing_a_header_value_is_masked(feed_server):
    def echo(hit):
        token = hit.headers["authorization"].removeprefix("Bearer ")
        return Reply(403, f'{{"message": "token {token} expired, key {hit.headers["x-api-key"]}"}}'.encode())

    feed_server.route("/feed", echo)
    with pytest.raises(SourceError) as err:
        _client(headers=TOKEN).get_json(f"{feed_server.url}/feed")
    assert str(err.value) == f"HTTP 403 : {feed_server.url}/feed (token *** expired, key ***)"
