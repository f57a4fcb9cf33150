"""Every malformed request to the three pages answers a 4xx JSON error, never a 500, and bodies are bounded."""

from __future__ import annotations

import copy
import io

import orjson
import pytest

from app import create_app
from dashboard.http_errors import MAX_BODY_BYTES
from dashboard.layers import LAYERS
from dashboard.settings import load_settings
from dashboard.store import Store
from tests.factories import parking_result, poll_body, sign_in_client

TOKEN = "wall-display-token-1"
MANAGERS, WALL, EMBED = "/_dash-update-component", "/wall/_dash-update-component", "/embed/_dash-update-component"
VIEW = {"versions": {"parking": 1}, "kpis": {"parking": {"value": "12 %", "detail": "2 parcs"}}, "filters": None}
ACK = {"alarm": "a1", "type": "alarm-ack"}


def _body(output: str, inputs: list, state: list = (), changed: int | None = 0) -> dict:
    """A callback request as Dash posts it; `inputs`/`state` are (id, property, value); `changed`: an input's index."""
    names = output.strip(".").split("...") if output.startswith("..") else [output]
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in names]
    items = [[{"id": i, "property": p, "value": v} for i, p, v in part] for part in (inputs, state)]
    changed_ids = [] if changed is None else [f"{inputs[changed][0]}.{inputs[changed][1]}"]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": items[0],
        "state": items[1],
        "changedPropIds": changed_ids,
    }


# One request per server callback of each page, as its page sends it: (route, body).
CALLBACKS = {
    "manager poll": (MANAGERS, poll_body({"statuses": ["new"]})),
    "manager map": (
        MANAGERS,
        _body(
            "..map.figure...map-versions.data..",
            [
                ("view", "data", VIEW),
                ("layer-toggle", "value", ["parking"]),
                ("map", "relayoutData", {"map.zoom": 15, "map._derived": {"coordinates": [[1.4, 43.6]] * 4}}),
                ("show-settled", "value", []),
            ],
            [("map-versions", "data", {"parking": [1, ""]}), ("lang", "data", "fr")],
        ),
    ),
    "filters": (
        MANAGERS,
        _body(
            "..filters.data...filter-message.children...page-url.search..",
            [("status-filter", "value", ["new"]), ("category-filter", "value", []), ("window-filter", "value", "7d")],
            [("lang", "data", "en")],
        ),
    ),
    "categories": (
        MANAGERS,
        _body(
            "category-filter.options",
            [("view", "data", {**VIEW, "categories": ["voirie"]})],
            [("category-filter", "options", [{"label": "x", "value": "x"}]), ("category-filter", "value", ["x"])],
        ),
    ),
    "filter reset": (
        MANAGERS,
        _body(
            "..status-filter.value...category-filter.value...window-filter.value..", [("filter-reset", "n_clicks", 1)]
        ),
    ),
    "table": (
        MANAGERS,
        _body(
            "..table.rowData...table.columnDefs...table.csvExportParams...table-note.children...table-shown.data"
            "...table-region.aria-label...table-download.href..",
            [("view", "data", VIEW), ("table-layer", "value", "parking")],
            [("table-shown", "data", None), ("table", "csvExportParams", {}), ("lang", "data", "fr")],
        ),
    ),
    "alarms": (
        MANAGERS,
        _body(
            "..alarms-list.children...alarms-shown.data..",
            [("poll", "n_intervals", 1)],
            [("alarms-shown", "data", None), ("lang", "data", "fr")],
        ),
    ),
    "sources": (
        MANAGERS,
        _body(
            "..sources-list.children...sources-shown.data..",
            [("poll", "n_intervals", 1)],
            [("sources-shown", "data", None), ("lang", "data", "fr")],
        ),
    ),
    "acknowledge": (
        MANAGERS,
        {
            **_body(
                '..{"alarm":["MATCH"],"type":"alarm-ack-note"}.children...{"alarm":["MATCH"],"type":"alarm-ack"}.hidden..',
                [(ACK, "n_clicks", 1)],
                [("lang", "data", "fr")],
                changed=None,
            ),
            "outputs": [
                {"id": {**ACK, "type": "alarm-ack-note"}, "property": "children"},
                {"id": ACK, "property": "hidden"},
            ],
            "changedPropIds": ['{"alarm":"a1","type":"alarm-ack"}.n_clicks'],
        },
    ),
    "details select": (
        MANAGERS,
        _body(
            "details-selected.data",
            [
                ("map", "clickData", {"points": [{"curveNumber": 0, "customdata": ["capitole"]}]}),
                ("details-close", "n_clicks", None),
            ],
            [("map-versions", "data", {"parking": [1, ""]}), ("view", "data", VIEW), ("lang", "data", "fr")],
        ),
    ),
    "details panel": (
        MANAGERS,
        _body(
            "..details.hidden...details-title.children...details-subtitle.children...details-body.children"
            "...details-shown.data..",
            [("details-selected", "data", {"layer": "parking", "id": "capitole"}), ("view", "data", VIEW)],
            [("details-shown", "data", None), ("lang", "data", "fr")],
        ),
    ),
    "wall poll": (
        WALL,
        _body(
            "..view.data...store-down-since.data...poll-ok.data..",
            [("poll", "n_intervals", 1)],
            [("view", "data", None), ("store-down-since", "data", None), ("lang", "data", "fr")],
        ),
    ),
    "wall map": (
        WALL,
        _body(
            "..map.figure...map-versions.data..",
            [("view", "data", VIEW)],
            [("map-versions", "data", None), ("lang", "data", "fr")],
        ),
    ),
    "wall alarms": (
        WALL,
        _body(
            "..alarm-lines.data...alarms-shown.data..",
            [("poll", "n_intervals", 1)],
            [("alarms-shown", "data", 3), ("lang", "data", "fr")],
        ),
    ),
    "wall highlight": (
        WALL,
        _body(
            "..highlight-title.children...highlight-value.children...highlight-detail.children...highlight.style"
            "...trend.figure...trend-range.children...highlight-shown.data..",
            [("cycle", "n_intervals", 1), ("view", "data", VIEW)],
            [("highlight-shown", "data", ["parking", 1]), ("lang", "data", "fr")],
        ),
    ),
}

# (callback, "inputs"/"state", index, a value of the wrong type) — every input and state of every callback.
WRONG_VALUES = [
    ("manager poll", "inputs", 0, "1"),
    ("manager poll", "inputs", 1, {"statuses": "lost", "window": 7, "commune": ["x"]}),
    ("manager poll", "inputs", 1, "junk"),
    ("manager poll", "state", 0, ["not", "a", "view"]),
    ("manager poll", "state", 1, 17),
    ("manager poll", "state", 2, ["fr"]),
    ("manager map", "inputs", 0, {"versions": ["parking"]}),
    ("manager map", "inputs", 1, "parking"),
    ("manager map", "inputs", 2, ["map.zoom", 15]),
    ("manager map", "inputs", 3, "settled"),
    ("manager map", "state", 0, ["parking", 1]),
    ("manager map", "state", 0, {"parking": "1"}),
    ("manager map", "state", 1, 1),
    ("filters", "inputs", 0, "new"),
    ("filters", "inputs", 1, ["voirie", {"a": 1}]),
    ("filters", "inputs", 2, ["7d"]),
    ("filters", "state", 0, "de"),
    ("categories", "inputs", 0, {"versions": {}, "categories": "voirie"}),
    ("categories", "state", 0, [{"label": "x"}]),
    ("categories", "state", 1, "x"),
    ("filter reset", "inputs", 0, -1),
    ("table", "inputs", 0, [1]),
    ("table", "inputs", 1, ["parking"]),
    ("table", "state", 0, ["parking"]),
    ("table", "state", 1, "params"),
    ("table", "state", 2, None),
    ("alarms", "inputs", 0, 1.5),
    ("alarms", "state", 0, ["unavailable"]),
    ("alarms", "state", 1, {"lang": "fr"}),
    ("sources", "inputs", 0, -2),
    ("sources", "state", 0, {"digest": "x"}),
    ("sources", "state", 1, "de"),
    ("acknowledge", "inputs", 0, "1"),
    ("acknowledge", "state", 0, ""),
    ("details select", "inputs", 0, ["points"]),
    ("details select", "inputs", 1, "close"),
    ("details select", "state", 0, {"reports": ["1", ""]}),
    ("details select", "state", 1, ["view"]),
    ("details select", "state", 2, "de"),
    ("details panel", "inputs", 0, {"layer": "parking", "id": 7}),
    ("details panel", "inputs", 1, {"versions": {"parking": "9"}}),
    ("details panel", "state", 0, ["parking", "capitole"]),
    ("details panel", "state", 1, None),
    ("wall poll", "inputs", 0, [1]),
    ("wall poll", "state", 0, {"kpis": {}}),
    ("wall poll", "state", 1, ["since"]),
    ("wall poll", "state", 2, "fr-FR"),
    ("wall map", "inputs", 0, "view"),
    ("wall map", "state", 0, {"parking": [1]}),
    ("wall map", "state", 1, 0),
    ("wall alarms", "inputs", 0, "tick"),
    ("wall alarms", "state", 0, [3]),
    ("wall alarms", "state", 1, None),
    ("wall highlight", "inputs", 0, "2"),
    ("wall highlight", "inputs", 1, {"versions": {"parking": 1}, "kpis": {"parking": {"value": 3}}}),
    ("wall highlight", "state", 0, "parking"),
    ("wall highlight", "state", 1, 2),
]


@pytest.fixture
def client(redis_client):
    store = Store(redis_client)
    records = parking_result().records
    store.write_snapshot(
        "parking", parking_result(), source="test", demo=False, summary=LAYERS["parking"].summarise(records)
    )
    client = create_app(load_settings({}, wall_token=TOKEN), store=store).test_client()
    return sign_in_client(client)  # the managers' callbacks need a signed-in manager


def _post(client, route: str, body, **kwargs):
    return client.post(route, json=body, headers={"X-Display-Token": TOKEN}, **kwargs)


def _assert_json_error(response, status: int = 400) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    payload = response.get_json()
    assert payload["status"] == status
    french, english = payload["error"].split(" / ")
    assert french and english and french != english


@pytest.mark.parametrize("name", list(CALLBACKS))
def test_each_callback_request_as_its_page_sends_it_goes_through(client, name):
    route, body = CALLBACKS[name]
    response = _post(client, route, body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(("name", "part", "index", "value"), WRONG_VALUES)
def test_a_value_of_the_wrong_type_is_a_400(client, name, part, index, value):
    route, body = CALLBACKS[name]
    body = copy.deepcopy(body)
    body[part][index]["value"] = value
    _assert_json_error(_post(client, route, body))


def test_every_input_and_state_of_every_callback_has_a_wrong_value_in_the_table():
    covered = {(name, part, index) for name, part, index, _value in WRONG_VALUES}
    wanted = {
        (name, part, i)
        for name, (_r, body) in CALLBACKS.items()
        for part in ("inputs", "state")
        for i in range(len(body[part]))
    }
    assert wanted == covered


@pytest.mark.parametrize("name", list(CALLBACKS))
@pytest.mark.parametrize(
    "change",
    [
        {"changedPropIds": "poll.n_intervals"},
        {"changedPropIds": [{"id": "poll"}]},
        {"changedPropIds": ["{not json.n_clicks"]},
        {"changedPropIds": ["lang.data"]},  # not one of the inputs
        {"outputs": "map.figure"},
        {"outputs": [{"id": "map", "property": "figure"}] * 9},
        {"outputs": None},
        {"state": "lang"},
        {"inputs": [{"id": "somewhere-else", "property": "value", "value": 1}]},
    ],
)
def test_a_request_of_the_wrong_shape_is_a_400(client, name, change):
    route, body = CALLBACKS[name]
    _assert_json_error(_post(client, route, {**body, **change}))


def test_inputs_in_the_wrong_order_are_a_400(client):
    route, body = CALLBACKS["manager map"]
    swapped = {**body, "state": body["state"][::-1]}
    _assert_json_error(_post(client, route, swapped))


def test_a_clientside_callback_is_not_run_on_the_server(client):
    body = _body("table.exportDataAsCsv", [("table-export", "n_clicks", 1)])
    _assert_json_error(_post(client, MANAGERS, body))


@pytest.mark.parametrize("route", [MANAGERS, WALL, EMBED])
@pytest.mark.parametrize("depth", [40, 995, 5000])
def test_deeply_nested_json_is_a_400(client, route, depth):
    body = "[" * depth + "]" * depth
    response = client.post(route, data=body, content_type="application/json", headers={"X-Display-Token": TOKEN})
    _assert_json_error(response)


def test_the_embed_has_no_server_callback_to_post_to(client):
    body = _body(
        "..map.figure...map-versions.data...embed-status.data..",
        [("poll", "n_intervals", 1)],
        [("embed-plan", "data", {"layer": "parking", "commune": ""}), ("map-versions", "data", {})],
    )
    _assert_json_error(_post(client, EMBED, body))


@pytest.mark.parametrize("route", [MANAGERS, WALL])
def test_a_value_nested_deeper_than_a_page_sends_is_a_400(client, route):
    name = {MANAGERS: "table", WALL: "wall poll"}[route]
    body = copy.deepcopy(CALLBACKS[name][1])
    nested: object = "deep"
    for _ in range(60):
        nested = {"x": nested}
    body["state"][-2]["value"] = {"versions": {}, "x": nested} if name == "wall poll" else nested
    _assert_json_error(_post(client, route, body))


@pytest.mark.parametrize("route", [MANAGERS, WALL, EMBED])
def test_an_oversized_body_is_a_413(client, route):
    body = orjson.dumps({"output": "x", "pad": "x" * (MAX_BODY_BYTES + 1)})
    response = client.post(route, data=body, content_type="application/json", headers={"X-Display-Token": TOKEN})
    _assert_json_error(response, 413)


class _Unread(io.RawIOBase):
    """A request body that records whether anyone read it."""

    read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        type(self).read_from = True
        buffer[:1] = b"["
        return 1


@pytest.mark.parametrize("route", [MANAGERS, EMBED])
def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(client, route):
    _Unread.read_from = False
    huge = {"wsgi.input": _Unread(), "CONTENT_LENGTH": str(30 * 1024 * 1024)}
    response = client.post(route, content_type="application/json", environ_overrides=huge)
    _assert_json_error(response, 413)
    assert not _Unread.read_from


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/x/y.js",
        "/wall/_dash-component-suites/x/y.js",
        "/embed/_dash-component-suites/x/y.js",
        "/_dash-component-suites/dash/nope.js",
        "/embed/_dash-component-suites/dash/../../etc/passwd",
    ],
)
def test_an_unknown_component_file_is_a_404(client, path):
    response = client.get(path, headers={"X-Display-Token": TOKEN})
    _assert_json_error(response, 404)
