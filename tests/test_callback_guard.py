"""Malformed requests to any page's callback route get a JSON 400, never a 500."""

from __future__ import annotations

import pytest

from app import create_app
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import sign_in_client

TOKEN = "wall-display-token-1"
ROUTES = ["/_dash-update-component", "/embed/_dash-update-component", "/wall/_dash-update-component"]


@pytest.fixture
def client(redis_client):
    client = create_app(load_settings({}, wall_token=TOKEN), store=Store(redis_client)).test_client()
    return sign_in_client(client)  # the managers' callbacks need a signed-in manager


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": []},
        {"output": "..view.data...store-down-since.data..", "inputs": "poll"},
        {"output": "..view.data...store-down-since.data..", "inputs": ["poll"]},
        ["not", "an", "object"],
    ],
)
def test_malformed_callback_request_is_a_400(client, route, body):
    response = client.post(route, json=body, headers={"X-Display-Token": TOKEN})
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_unparseable_body_is_a_400(client):
    response = client.post(ROUTES[0], data="garbage", content_type="application/json")
    assert response.status_code == 400


def test_a_well_formed_poll_still_goes_through(client):
    body = {
        "output": "..view.data...store-down-since.data..",
        "outputs": [{"id": "view", "property": "data"}, {"id": "store-down-since", "property": "data"}],
        "inputs": [{"id": "poll", "property": "n_intervals", "value": 1}],
        "state": [
            {"id": "view", "property": "data", "value": None},
            {"id": "store-down-since", "property": "data", "value": None},
            {"id": "lang", "property": "data", "value": "fr"},
        ],
        "changedPropIds": ["poll.n_intervals"],
    }
    assert client.post(ROUTES[0], json=body).status_code in (200, 204)
