"""The alarms' Dash callbacks through Flask's test client on a real Redis: cheap polls and acknowledgement rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from dashboard.alarms import Alarm, Evaluation
from dashboard.settings import load_settings
from dashboard.store import AlarmStore, Store
from tests.factories import sign_in_client

SINCE = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
PANEL = "..alarms-list.children...alarms-shown.data.."
ACK = '..{"alarm":["MATCH"],"type":"alarm-ack-note"}.children...{"alarm":["MATCH"],"type":"alarm-ack"}.hidden..'


MANAGER, PASSWORD = "camille.durand", "alarm-callbacks-password"


@pytest.fixture
def app(redis_server, redis_client):
    settings = load_settings(
        {
            "CITYOPS_MANAGERS": f"{MANAGER}:{generate_password_hash(PASSWORD)}",
            "CITYOPS_SESSION_COOKIE_SECURE": "false",
        },
        redis_url=redis_server.url,
    )
    return create_app(settings, store=Store(redis_client))


def _signed_in(app):
    return sign_in_client(app.test_client(), MANAGER, PASSWORD)


@pytest.fixture
def alarm(redis_client) -> Alarm:
    raised = Alarm(
        "a1", "parking-full", "parking_full", "warning", "parking", "capitole", "Capitole", 97, 95, SINCE, SINCE
    )
    AlarmStore(redis_client).update(lambda _state: Evaluation(raised=(raised,)))
    return raised


def _poll(client, shown, lang="fr"):
    return client.post(
        "/_dash-update-component",
        json={
            "output": PANEL,
            "outputs": [{"id": "alarms-list", "property": "children"}, {"id": "alarms-shown", "property": "data"}],
            "inputs": [{"id": "poll", "property": "n_intervals", "value": 7}],
            "changedPropIds": ["poll.n_intervals"],
            "state": [
                {"id": "alarms-shown", "property": "data", "value": shown},
                {"id": "lang", "property": "data", "value": lang},
            ],
        },
    )


def _acknowledge(client, alarm_id):
    button = {"alarm": alarm_id, "type": "alarm-ack"}
    return client.post(
        "/_dash-update-component",
        json={
            "output": ACK,
            "outputs": [
                {"id": {"alarm": alarm_id, "type": "alarm-ack-note"}, "property": "children"},
                {"id": button, "property": "hidden"},
            ],
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
            "state": [{"id": "lang", "property": "data", "value": "fr"}],
        },
    )


def test_the_panel_is_sent_only_when_the_alarms_version_moved(app, alarm, redis_client):
    client = _signed_in(app)
    first = _poll(client, None)
    assert first.status_code == 200
    body = first.get_json()["response"]
    version = AlarmStore(redis_client).version()
    assert body["alarms-shown"]["data"] == version
    assert "Parking rempli à 97 % (seuil 95 %)" in first.get_data(as_text=True)
    unchanged = _poll(client, version)
    assert unchanged.status_code == 204 and unchanged.data == b""


def test_acknowledging_needs_a_signed_in_manager(app, alarm, redis_client):
    refused = _acknowledge(app.test_client(), alarm.id)
    assert refused.status_code == 401  # the managers' callbacks are closed without a session
    assert AlarmStore(redis_client).active()[0].acknowledged_by == ""

    client = _signed_in(app)
    done = _acknowledge(client, alarm.id).get_json()["response"]
    (stored,) = AlarmStore(redis_client).active()
    assert stored.acknowledged_by == MANAGER
    note = list(done.values())[0]["children"]
    assert note.startswith("Acquittée par camille.durand le ")
    assert note.endswith(("(heure de Paris, CET)", "(heure de Paris, CEST)"))
    assert list(done.values())[1]["hidden"] is True
    # The acknowledgement moved the version: the panel is redrawn.
    assert _poll(client, AlarmStore(redis_client).version() - 1).status_code == 200


def test_acknowledging_an_alarm_that_is_gone_says_so(app, alarm):
    response = _acknowledge(_signed_in(app), "no-such-alarm").get_json()["response"]
    assert list(response.values())[0]["children"] == "Cette alarme n'est plus active."


@pytest.mark.parametrize("alarm_id", [12, "x" * 65])
def test_an_odd_alarm_id_changes_nothing(app, alarm, alarm_id):
    response = _acknowledge(_signed_in(app), alarm_id)
    assert response.status_code == 204
