"""Malformed requests to a page get a clear 4xx instead of an exception deep inside Dash (a 500).

A callback request is checked before Dash reads it: its shape, that its inputs and states are the ones the
callback declares, and that each value has the type its component holds (VALUE_TYPES). A callback therefore
never receives a value it was not written for, and a new callback whose values have no declared type stops
the app at start-up rather than answering 500s.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal, Required

import dash
import orjson
from dash.exceptions import DependencyException
from flask import Response, request
from pydantic import Field, StrictInt, StrictStr, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12
from werkzeug.exceptions import BadRequest, NotFound

from dashboard.http_errors import error_response
from dashboard.i18n import LANGUAGES
from layouts import ids
from layouts.ids import details_part

Count = Annotated[StrictInt, Field(ge=0)] | None  # n_clicks, n_intervals
Language = Literal[LANGUAGES]


class Kpi(TypedDict):
    value: StrictStr
    detail: StrictStr


class FilterData(TypedDict, total=False):
    """dashboard.filters.Filters.to_dict(); the values themselves are checked by parse_filters."""

    commune: StrictStr | None
    quartier: StrictStr | None
    statuses: list[StrictStr]
    categories: list[StrictStr]
    window: StrictStr


class View(TypedDict, total=False):
    """dashboard.view.build_view(), as far as the callbacks read it; the rest is only compared and sent back."""

    versions: Required[dict[StrictStr, StrictInt]]
    kpis: dict[StrictStr, Kpi]
    filters: FilterData | None
    categories: list[StrictStr] | None
    stamp: StrictStr
    due: StrictInt | None


class Option(TypedDict):
    label: StrictStr
    value: StrictStr


class Selection(TypedDict):
    layer: StrictStr
    id: StrictStr


# The type of the value each (component id, property) holds, for every input and state of a server callback.
# Pattern-matching ids are named by their "type". Containers are lax only so that a JSON array fills a tuple.
VALUE_TYPES: dict[tuple[str, str], Any] = {
    (ids.POLL, "n_intervals"): Count,
    (ids.CYCLE, "n_intervals"): Count,
    (ids.FILTER_RESET, "n_clicks"): Count,
    (ids.ALARM_ACK, "n_clicks"): Count,
    (ids.ALARM_ACK_GROUP, "n_clicks"): Count,
    (details_part("close"), "n_clicks"): Count,
    (ids.LANG, "data"): Language,
    (ids.VIEW, "data"): View | None,
    (ids.STORE_DOWN_SINCE, "data"): StrictStr | None,
    (ids.FILTERS, "data"): FilterData | None,
    # Managers and wall: layer -> [version, filters key].
    (ids.MAP_VERSIONS, "data"): dict[StrictStr, tuple[StrictInt, StrictStr]] | None,
    (ids.LAYER_TOGGLE, "value"): list[StrictStr] | None,
    (ids.SHOW_SETTLED, "value"): list[StrictStr] | None,
    # Read defensively by dashboard.figures.map_viewport (zoom and corners after a move).
    (ids.MAP, "relayoutData"): dict[StrictStr, Any] | None,
    (ids.COMMUNE_FILTER, "value"): StrictStr | None,
    (ids.QUARTIER_FILTER, "value"): StrictStr | None,
    (ids.STATUS_FILTER, "value"): list[StrictStr] | None,
    (ids.CATEGORY_FILTER, "value"): list[StrictStr] | None,
    (ids.CATEGORY_FILTER, "options"): list[Option] | None,
    (ids.WINDOW_FILTER, "value"): StrictStr | None,
    (ids.AREA_SHADING, "value"): StrictStr | None,
    (ids.AREA_SHADING_SHOWN, "data"): tuple[StrictStr | None, StrictInt] | None,
    (ids.TABLE_LAYER, "value"): StrictStr | None,
    (ids.TABLE_SHOWN, "data"): tuple[StrictStr, StrictInt, StrictStr, Language] | None,
    (ids.TABLE, "csvExportParams"): dict[StrictStr, Any] | None,
    (ids.ALARMS_SHOWN, "data"): StrictInt | StrictStr | None,
    (ids.SOURCES_SHOWN, "data"): StrictStr | None,
    (ids.MAP, "clickData"): dict[StrictStr, Any] | None,  # read defensively by dashboard.details.clicked_record
    (details_part("selected"), "data"): Selection | None,
    (details_part("shown"), "data"): tuple[StrictStr, StrictStr, StrictInt] | None,
    (ids.HIGHLIGHT_SHOWN, "data"): tuple[StrictStr, StrictInt] | None,
}

_WILDCARDS = (["MATCH"], ["ALL"], ["ALLSMALLER"])
_ID_VALUE = StrictStr | StrictInt  # what a pattern-matching id may hold where the callback has a wildcard


@cache
def _adapter(key: tuple[str, str]) -> TypeAdapter[Any]:
    return TypeAdapter(VALUE_TYPES[key])


def _declared_id(component_id: str) -> str | dict[str, Any]:
    # Dash keeps a pattern-matching id as its JSON text in the callback map.
    return orjson.loads(component_id) if component_id.startswith("{") else component_id


def _type_key(dependency: dict[str, str]) -> tuple[str, str]:
    declared = _declared_id(dependency["id"])
    return (declared["type"] if isinstance(declared, dict) else declared, dependency["property"])


def _id_fits(posted: Any, declared: str | dict[str, Any]) -> bool:
    if isinstance(declared, str):
        return posted == declared
    if not isinstance(posted, dict) or posted.keys() != declared.keys():
        return False
    return all(isinstance(posted[k], str | int) if v in _WILDCARDS else posted[k] == v for k, v in declared.items())


def _item_fits(item: Any, dependency: dict[str, str]) -> bool:
    """A posted input/state (one dict: our pattern callbacks use MATCH only) is the declared one, typed as it holds."""
    if not isinstance(item, dict) or item.get("property") != dependency["property"]:
        return False
    if not _id_fits(item.get("id"), _declared_id(dependency["id"])):
        return False
    try:
        _adapter(_type_key(dependency)).validate_python(item.get("value"))
    except ValidationError:
        return False
    return True


def _outputs_fit(outputs: Any, callback: dict[str, Any]) -> bool:
    many = isinstance(callback["outputs_indices"], list)
    items = outputs if many and isinstance(outputs, list) else [outputs] if not many else None
    if items is None or (many and len(items) != len(callback["outputs_indices"])):
        return False
    return all(
        isinstance(o, dict) and isinstance(o.get("property"), str) and isinstance(o.get("id"), str | dict)
        for o in items
    )


def _changed_fit(changed: Any, inputs: list[Any]) -> bool:
    """Each changed prop id names one of the posted inputs (Dash parses pattern ids in them as JSON)."""
    if not isinstance(changed, list):
        return False
    posted = [(item["id"], item["property"]) for item in inputs]
    for prop_id in changed:
        if not isinstance(prop_id, str):
            return False
        name, _, prop = prop_id.rpartition(".")
        try:
            component = orjson.loads(name) if name.startswith("{") else name
        except orjson.JSONDecodeError:
            return False
        if (component, prop) not in posted:
            return False
    return True


def well_formed(body: Any, callback_map: dict[str, Any]) -> bool:
    """Whether `body` is a request the page could have sent to one of the app's server-side callbacks."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return False
    callback = callback_map.get(body["output"])
    if callback is None or "callback" not in callback:  # unknown, or a clientside callback
        return False
    for part in ("inputs", "state"):
        items, declared = body.get(part, []), callback[part]
        # Values reach the callback by position: each must be the declared input, in its place, of its type.
        if not isinstance(items, list) or len(items) != len(declared):
            return False
        if not all(_item_fits(item, dependency) for item, dependency in zip(items, declared, strict=True)):
            return False
    return _outputs_fit(body.get("outputs"), callback) and _changed_fit(body.get("changedPropIds", []), body["inputs"])


def _untyped(app: dash.Dash) -> list[str]:
    return sorted(
        f"{key[0]}.{key[1]}"
        for callback in app.callback_map.values()
        if "callback" in callback
        for key in map(_type_key, callback["inputs"] + callback["state"])
        if key not in VALUE_TYPES
    )


def reject_malformed_callback_requests(app: dash.Dash) -> None:
    """Answer 400 to a callback request the app's pages could not have sent, 404 to an unknown component file.

    Call it after the app's callbacks are registered: it refuses to start if one has an input or state
    whose type VALUE_TYPES does not declare.
    """
    missing = _untyped(app)
    if missing:
        raise TypeError(f"callbacks/guard.py VALUE_TYPES declares no type for: {', '.join(missing)}")
    route = app.config.requests_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def _check_callback_request() -> Response | None:
        if request.method != "POST" or request.path != route:
            return None
        # Parsed once (orjson, depth-limited) and kept by Flask for Dash; too large a body is a 413 unread.
        if not well_formed(request.get_json(silent=True), app.callback_map):
            raise BadRequest()
        return None

    @app.server.errorhandler(DependencyException)
    def _unknown_component_file(_err: DependencyException) -> Response:
        return error_response(NotFound.code)
