"""Malformed requests to any page's callback route get a JSON 400, never a 500."""

from __future__ import annotations

import pytest

from app import create_app
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import poll_body, sign_in_client

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
    body = poll_body()
    assert client.post(ROUTES[0], json=body).status_code in (200, 204)
    # The same poll without one of its inputs would shift every value: refused, not a 500.
    short = {**body, "inputs": body["inputs"][:1]}
    assert client.post(ROUTES[0], json=short).status_code == 400


@pytest.mark.parametrize("filters", [{"statuses": ["lost"], "window": "1y", "commune": "x"}, {"categories": ["?"]}])
def test_a_poll_with_forged_filter_values_is_answered_not_a_500(client, filters):
    body = poll_body(filters, changed="filters.data")
    response = client.post(ROUTES[0], json=body)
    assert response.status_code in (200, 204)


def test_unknown_filter_values_sent_to_the_filter_callback_are_dropped_and_named(client):
    body = {
        "output": "..filters.data...filter-message.children...page-url.search..",
        "outputs": [
            {"id": "filters", "property": "data"},
            {"id": "filter-message", "property": "children"},
            {"id": "page-url", "property": "search"},
        ],
        "inputs": [
            {"id": "status-filter", "property": "value", "value": ["lost", "new"]},
            {"id": "category-filter", "property": "value", "value": ["Nope"]},
            {"id": "window-filter", "property": "value", "value": "1y"},
        ],
        "state": [{"id": "lang", "property": "data", "value": "en"}],
        "changedPropIds": ["status-filter.value"],
    }
    response = client.post(ROUTES[0], json=body)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer["filters"]["data"] == {
        "commune": "",
        "quartier": "",
        "statuses": ["new"],
        "categories": [],
        "window": "all",
    }
    message = answer["filter-message"]["children"]
    assert message.startswith("Filter values ignored") and "“lost”" in message and "“Nope”" in message
    assert "Report status “lost”" in message and "“1y”" in message
    assert answer["page-url"]["search"] == "?lang=en&status=new"
