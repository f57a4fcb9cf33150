"""Many alarms of one kind (overdue reports at city size) are one line in the managers' panel, opened on demand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from dashboard.alarm_view import panel_blocks
from dashboard.alarms import Alarm, Evaluation
from dashboard.settings import load_settings
from dashboard.store import AlarmStore, Store
from tests.factories import sign_in_client

SINCE = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
MANAGER, PASSWORD = "camille.durand", "alarm-groups-password"
GROUP_ACK = {"kind": "reports_overdue", "type": "alarm-ack-group"}
GROUP_NOTE = {"kind": "reports_overdue", "type": "alarm-ack-group-note"}


def overdue(number: int, category: str, count: int) -> Alarm:
    """An overdue-reports alarm on one category with `count` reports past their limit."""
    return Alarm(
        f"overdue-{number}",
        "reports-overdue",
        "reports_overdue",
        "warning",
        "reports",
        category,
        category,
        count,
        30,
        SINCE + timedelta(minutes=number),
        SINCE,
    )


def city_alarms() -> list[Alarm]:
    """40 overdue categories (Voirie the worst, then Éclairage), one full car park and one source down."""
    categories = [overdue(i, f"Catégorie {i:02d}", 5 + i) for i in range(1, 39)]
    full = Alarm(
        "p1", "parking-full", "parking_full", "warning", "parking", "capitole", "Capitole", 97, 95, SINCE, SINCE
    )
    down = Alarm("s1", "source-down", "source_down", "critical", "bikes", "gbfs", "gbfs", 12, 10, SINCE, SINCE)
    return [down, overdue(39, "Voirie", 212), overdue(40, "Éclairage", 88), *categories, full]


def test_forty_overdue_categories_are_one_line_naming_the_worst_with_their_counts():
    blocks = panel_blocks(city_alarms(), "fr")
    groups = [block for block in blocks if block["kind"]]
    (group,) = groups
    assert group["kind"] == "reports_overdue" and len(group["rows"]) == 40
    assert group["summary"].startswith("Signalements en retard : 40 catégories — Voirie (212), Éclairage (88), ")
    assert group["summary"].endswith("…")
    singles = [row["id"] for block in blocks if not block["kind"] for row in block["rows"]]
    assert singles == ["s1", "p1"]  # a kind with few alarms keeps its own rows
    assert blocks[0]["rows"][0]["id"] == "s1"  # the most serious first, as before
    english = [block for block in panel_blocks(city_alarms(), "en") if block["kind"]][0]
    assert english["summary"].startswith("Overdue reports: 40 categories — Voirie (212), Éclairage (88), ")


def test_two_alarms_of_a_kind_stay_two_rows():
    blocks = panel_blocks([overdue(1, "Voirie", 12), overdue(2, "Propreté", 9)], "fr")
    assert [block["kind"] for block in blocks] == [None] and len(blocks[0]["rows"]) == 2


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


def _id(pattern: dict, *, matched: bool = False) -> str:
    """A pattern-matching id as Dash writes it in a request (with MATCH in the callback's output string)."""
    return json.dumps({**pattern, "kind": ["MATCH"]} if matched else pattern, separators=(",", ":"), sort_keys=True)


def _acknowledge_group(client):
    return client.post(
        "/_dash-update-component",
        json={
            "output": f"..{_id(GROUP_NOTE, matched=True)}.children...{_id(GROUP_ACK, matched=True)}.hidden..",
            "outputs": [
                {"id": GROUP_NOTE, "property": "children"},
                {"id": GROUP_ACK, "property": "hidden"},
            ],
            "inputs": [{"id": GROUP_ACK, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{_id(GROUP_ACK)}.n_clicks"],
            "state": [{"id": "lang", "property": "data", "value": "fr"}],
        },
    )


def test_acknowledging_the_group_acknowledges_each_of_its_alarms_and_no_other(app, redis_client):
    alarms = AlarmStore(redis_client)
    alarms.update(lambda _state: Evaluation(raised=tuple(city_alarms())))
    refused = _acknowledge_group(app.test_client())
    assert refused.status_code == 401
    answer = _acknowledge_group(sign_in_client(app.test_client(), MANAGER, PASSWORD))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    note, hidden = answer.get_json()["response"].values()
    assert note["children"].startswith("40 alarmes acquittées par camille.durand le ") and hidden["hidden"] is True
    by_kind = {(a.kind, a.acknowledged_by) for a in alarms.active()}
    assert by_kind == {("reports_overdue", MANAGER), ("parking_full", ""), ("source_down", "")}
