"""The alarms' Dash callbacks through Flask's test client on a real Redis: cheap polls and acknowledgement rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import g

from app import create_app
from dashboard.alarm_store import AlarmStore
from dashboard.alarms import Alarm, Evaluation
from dashboard.settings import load_settings
from dashboard.store import Store

SINCE = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
PANEL = "..alarms-list.children...alarms-shown.data.."
ACK = '..{"alarm":["MATCH"],"type":"alarm-ack-note"}.children...{"alarm":["MATCH"],"type":"alarm-ack"}.hidden..'


@pytest.fixture
def app(redis_server, redis_client):
    server = create_app(load_settings({}, redis_url=redis_server.url), store=Store(redis_client))
    server.config["manager"] = None

    @server.before_request
    def _signed_in_as() -> None:  # what the managers' login does on every authenticated request
        if server.config["manager"]:
            g.manager = server.config["manager"]

    return server


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


def test_the_panel_is_sent_only_when_the_alarms_version_moved(app, alarm):
    client = app.test_client()
    first = _poll(client, None)
    assert first.status_code == 200
    body = first.get_json()["response"]
    assert body["alarms-shown"]["data"] == 1
    assert "Parking rempli à 97 % (seuil 95 %)" in first.get_data(as_text=True)
    unchanged = _poll(client, 1)
    assert unchanged.status_code == 204 and unchanged.data == b""


def test_acknowledging_needs_a_signed_in_manager(app, alarm, redis_client):
    client = app.test_client()
    refused = _acknowledge(client, alarm.id).get_json()["response"]
    assert list(refused.values())[0]["children"] == "Acquittement refusé : aucun responsable connecté."
    assert AlarmStore(redis_client).active()[0].acknowledged_by == ""

    app.config["manager"] = "camille.durand"
    done = _acknowledge(client, alarm.id).get_json()["response"]
    (stored,) = AlarmStore(redis_client).active()
    assert stored.acknowledged_by == "camille.durand"
    note = list(done.values())[0]["children"]
    assert note.startswith("Acquittée par camille.durand le ") and note.endswith("(heure de Paris, CET)")
    assert list(done.values())[1]["hidden"] is True
    assert _poll(client, 1).status_code == 200  # the acknowledgement moved the version: the panel is redrawn


def test_acknowledging_an_alarm_that_is_gone_says_so(app, alarm):
    app.config["manager"] = "camille.durand"
    response = _acknowledge(app.test_client(), "no-such-alarm").get_json()["response"]
    assert list(response.values())[0]["children"] == "Cette alarme n'est plus active."


@pytest.mark.parametrize("alarm_id", [12, "x" * 65])
def test_an_odd_alarm_id_changes_nothing(app, alarm, alarm_id):
    app.config["manager"] = "camille.durand"
    response = _acknowledge(app.test_client(), alarm_id)
    assert response.status_code == 204
