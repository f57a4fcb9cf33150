"""Malformed callback requests get a clear 400 instead of an exception deep inside Dash (a 500)."""

from __future__ import annotations

from typing import Any

import dash
from flask import Response, jsonify, request

_MESSAGE = "Requête de mise à jour invalide / Invalid update request"


def _well_formed(body: Any, callback_map: dict[str, Any]) -> bool:
    if not isinstance(body, dict) or body.get("output") not in callback_map:
        return False
    declared = callback_map[body["output"]]
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if not isinstance(items, list):
            return False
        # Pattern-matching callbacks send lists of such dicts; ours never do, so one level is enough.
        if not all(isinstance(item, dict) and "id" in item and "property" in item for item in items):
            return False
        # Values are handed to the callback by position: one missing would shift the rest.
        if len(items) != len(declared.get(part, ())):
            return False
    return True


def reject_malformed_callback_requests(app: dash.Dash) -> None:
    """Answer 400 to a POST on the app's callback route whose output is unknown or whose inputs do not fit it."""
    route = app.config.requests_pathname_prefix + "_dash-update-component"

    @app.server.before_request
    def _check_callback_request() -> Response | None:
        if request.method != "POST" or request.path != route:
            return None
        if _well_formed(request.get_json(silent=True), app.callback_map):
            return None
        response = jsonify({"error": _MESSAGE, "status": 400})
        response.status_code = 400
        return response
