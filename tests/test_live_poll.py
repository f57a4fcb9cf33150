"""The managers' poll: an unchanged tick answers from a small read; what changes the page still redraws it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from app import create_app
from dashboard.layers import LAYERS
from dashboard.models import SourceState, SourceStatus
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import parking_result, poll_body, sign_in_client

CALLBACK = "/_dash-update-component"


def _write_parking(store: Store, when: datetime | None = None, occupied: int = 100) -> None:
    result = parking_result(occupied, when=when)
    store.write_snapshot("parking", result, source="t", demo=False, summary=LAYERS["parking"].summarise(result.records))


def _poll(client: FlaskClient, seen: dict | None, filters: dict | None = None) -> dict:
    """The poll's answer: the outputs it sent (a view only when the page must change)."""
    body = poll_body(filters)
    body["state"][0]["value"] = seen
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 200
    return response.get_json()["response"]


def _client(store: Store, marks_seconds: float) -> FlaskClient:
    settings = load_settings({}, poll_marks_seconds=marks_seconds)
    return sign_in_client(create_app(settings, store=store).test_client())


@pytest.fixture
def client(store: Store) -> FlaskClient:
    """Each poll reads Redis afresh (no per-worker moment of reuse), so a write is seen by the next poll."""
    return _client(store, 0)


def test_an_unchanged_poll_reads_neither_statuses_nor_summaries_and_sends_only_the_clock(client, store):
    _write_parking(store)
    store.write_status(SourceStatus("parking", "t", SourceState.OK, last_attempt=datetime.now(UTC)))
    view = _poll(client, None)["view"]["data"]
    store.redis.config_resetstat()
    before = time.time() * 1000
    answer = _poll(client, view)
    assert set(answer) == {"poll-ok"} and answer["poll-ok"]["data"] >= before - 1000
    stats = store.redis.info("commandstats")
    # The full read takes every status whole (HGETALL) and each head with its summary; the check does neither:
    # per layer, its version and data time, and the status fields shown.
    assert "cmdstat_hgetall" not in stats and "cmdstat_hget" not in stats
    assert stats["cmdstat_hmget"]["calls"] == 2 * len(LAYERS)


def test_a_collector_reporting_again_without_news_leaves_the_poll_unchanged(client, store):
    _write_parking(store)
    store.write_status(SourceStatus("parking", "t", SourceState.OK, last_attempt=datetime.now(UTC)))
    view = _poll(client, None)["view"]["data"]
    later = datetime.now(UTC) + timedelta(seconds=30)
    store.write_status(SourceStatus("parking", "t", SourceState.OK, last_attempt=later, fetch_seconds=0.4))
    assert "view" not in _poll(client, view)


def test_a_source_failing_without_a_new_version_redraws_its_badge(client, store):
    _write_parking(store)
    store.write_status(SourceStatus("parking", "t", SourceState.OK))
    view = _poll(client, None)["view"]["data"]
    failing = SourceStatus(
        "parking", "t", SourceState.DOWN, last_error="HTTP 503", failing_since=datetime.now(UTC), consecutive_failures=2
    )
    store.write_status(failing)
    redrawn = _poll(client, view)["view"]["data"]
    assert redrawn["badges"]["parking"]["state"] == "down" and "HTTP 503" in redrawn["banner"]


def test_data_ageing_past_their_budget_redraw_the_banner_without_any_new_version(client, store):
    budget = LAYERS["parking"].freshness_seconds
    _write_parking(store, when=datetime.now(UTC) - timedelta(seconds=budget - 2))
    view = _poll(client, None)["view"]["data"]
    assert view["badges"]["parking"]["state"] == "ok" and view["banner"] == ""
    assert "view" not in _poll(client, view)  # still within its budget: nothing to redraw
    time.sleep(2.5)
    aged = _poll(client, view)["view"]["data"]
    assert aged["badges"]["parking"]["state"] == "stale" and aged["banner"]
    assert "view" not in _poll(client, aged)  # stale now, and it stays so without a new fetch


def test_new_filters_redraw_the_tiles_even_with_the_same_versions(client, store):
    _write_parking(store)
    view = _poll(client, None)["view"]["data"]
    narrowed = _poll(client, view, filters={"commune": "31555"})["view"]["data"]
    assert narrowed["area"] and narrowed["area"] != view["area"]


def test_one_read_answers_a_workers_polls_for_a_moment_then_changes_show(store):
    client = _client(store, 1.0)
    _write_parking(store)
    view = _poll(client, None)["view"]["data"]
    store.redis.config_resetstat()
    for _ in range(5):
        assert "view" not in _poll(client, view)
    stats = store.redis.info("commandstats")
    assert "cmdstat_hmget" not in stats and "cmdstat_hget" not in stats  # five polls, no read of the layers
    _write_parking(store, occupied=101)
    assert "view" not in _poll(client, view)  # within the moment: the write is not seen yet
    time.sleep(1.1)
    assert _poll(client, view)["view"]["data"]["versions"]["parking"] == view["versions"]["parking"] + 1


def test_a_fetch_that_changed_nothing_keeps_the_version_and_moves_only_the_data_time(client, store):
    first = datetime.now(UTC) - timedelta(minutes=4)
    _write_parking(store, when=first)
    view = _poll(client, None)["view"]["data"]
    _write_parking(store, when=first + timedelta(minutes=3))  # the same car parks, the same counts
    assert [entry.fetched_at for entry in store.history("parking")] == [first]  # no new history entry either
    redrawn = _poll(client, view)["view"]["data"]
    assert redrawn["versions"] == view["versions"]  # the map keeps its traces
    assert redrawn["badges"]["parking"]["at"] == view["badges"]["parking"]["at"] + 180_000
    _write_parking(store, when=first + timedelta(minutes=4), occupied=120)
    assert _poll(client, redrawn)["view"]["data"]["versions"]["parking"] == view["versions"]["parking"] + 1
