"""Read-only HTTP API of the threshold alarms: /api/v1/alarms (active and recently cleared)."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, request

from dashboard.alarm_view import alarm_json
from dashboard.i18n import normalise_language
from dashboard.store import AlarmStore, StoreUnavailable

_CLEARED_SHOWN = 50


def _json(payload: object, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type="application/json")


def create_alarm_api(alarms: AlarmStore) -> Blueprint:
    """The alarms blueprint: active alarms (most serious first) and the last cleared ones, with an ETag."""
    api = Blueprint("alarm_api", __name__)

    @api.get("/api/v1/alarms")
    def alarm_list() -> Response:
        lang = normalise_language(request.args.get("lang"))
        try:
            version = alarms.version()
            etag = f"alarms-{version}-{lang}"
            if request.if_none_match.contains(etag):
                response = Response(status=304)
            else:
                body = {
                    "version": version,
                    "active": [alarm_json(a, lang) for a in alarms.active()],
                    "cleared": [alarm_json(a, lang) for a in alarms.cleared(_CLEARED_SHOWN)],
                }
                response = _json(body)
        except StoreUnavailable as err:
            return _json({"error": str(err), "status": 503}, status=503)
        response.set_etag(etag)
        return response

    return api
