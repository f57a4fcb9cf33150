"""Small builders of records and fetch results for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from dashboard.api import create_api
from dashboard.areas import Geography
from dashboard.auth import install_manager_login
from dashboard.models import FetchResult, ParkingRecord
from dashboard.settings import load_settings
from dashboard.snapshots import SnapshotReader
from dashboard.store import Store
from tests.live_app import TOKEN_FIELD


def form_token(client: FlaskClient, path: str = "/login") -> str:
    """The anti-forgery token the form at `path` carries for this client's session (from the session once signed in)."""
    page = client.get(path)
    found = TOKEN_FIELD.search(page.get_data(as_text=True))
    if found:
        return found.group(1)
    with client.session_transaction() as session:
        return session["csrf"]


def sign_in_client(client: FlaskClient, user: str = "demo", password: str = "demo") -> FlaskClient:
    """Sign a Flask test client in through the login form (the all-in-one demo account by default); returns it."""
    token = form_token(client)
    response = client.post("/login", data={"username": user, "password": password, "csrf_token": token})
    assert response.status_code == 303, f"sign-in as {user!r} failed with {response.status_code}"
    return client


def api_client(store: Store, geography: Geography) -> FlaskClient:
    """A test client of the JSON API alone (no Dash apps) behind the managers' login, signed in as demo."""
    app = Flask(__name__)
    app.secret_key = "test-secret-test-secret"
    install_manager_login(app, load_settings({}), store)
    app.register_blueprint(create_api(SnapshotReader(store), geography))
    return sign_in_client(app.test_client())


def parking_result(occupied: int = 100, when: datetime | None = None, rejected: tuple[str, ...] = ()) -> FetchResult:
    """A two-car-park fetch result."""
    records = (
        ParkingRecord("capitole", "Capitole", 1.4440, 43.6045, 748, occupied, "garage"),
        ParkingRecord("arenes", "Arènes", 1.4180, 43.5930, 300, 10, "park_and_ride"),
    )
    return FetchResult(records=records, fetched_at=when or datetime.now(UTC), rejected=rejected)


def poll_body(filters=None, changed: str = "poll.n_intervals") -> dict:
    """The managers' page poll as Dash posts it to `_dash-update-component` (nothing on screen yet, French)."""
    return {
        "output": "..view.data...store-down-since.data...poll-ok.data..",
        "outputs": [
            {"id": "view", "property": "data"},
            {"id": "store-down-since", "property": "data"},
            {"id": "poll-ok", "property": "data"},
        ],
        "inputs": [
            {"id": "poll", "property": "n_intervals", "value": 1},
            {"id": "filters", "property": "data", "value": filters},
        ],
        "state": [
            {"id": "view", "property": "data", "value": None},
            {"id": "store-down-since", "property": "data", "value": None},
            {"id": "lang", "property": "data", "value": "fr"},
        ],
        "changedPropIds": [changed],
    }


def write_demo_layers(store: Store, seed: int = 31555) -> None:
    """A snapshot of every layer from the demo feeds (pages that wait for any layer's data are never cached)."""
    from dashboard.layers import LAYERS
    from dashboard.sources.demo import build_demo_sources

    for source in build_demo_sources(seed):
        result = source.fetch(datetime.now(UTC))
        summary = LAYERS[source.layer].summarise(result.records)
        store.write_snapshot(source.layer, result, source=source.name, demo=True, summary=summary)
