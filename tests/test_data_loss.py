"""Redis losing its data (a restart without persistence, a FLUSHALL): versions never repeat, the app rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from flask import Flask
from flask_caching import Cache

from app import create_app
from dashboard import keys
from dashboard.details_cache import DetailsCache
from dashboard.layers import LAYERS
from dashboard.settings import load_settings
from dashboard.snapshots import SnapshotReader
from dashboard.store import AlarmStore, Store
from dashboard.view_cache import FigureCache
from tests.factories import parking_result
from tests.redis_server import RedisServer
from tests.test_alarm_store import Collectors


def _lose_data(c: Collectors) -> None:
    """FLUSHALL, then each job takes its lock again as the collectors' loop does on its next turn."""
    c.redis.flushall()
    assert c.source.leader.hold() and c.alarm_job.leader.hold()


def _write(store: Store, occupied: int = 100, when: datetime | None = None) -> int:
    result = parking_result(occupied, when)
    summary = LAYERS["parking"].summarise(result.records)
    return store.write_snapshot("parking", result, source="demo", demo=False, summary=summary, now=when)


def test_versions_after_a_restart_without_persistence_are_greater_than_any_before():
    server = RedisServer()
    server.start()
    try:
        store = Store(redis.Redis.from_url(server.url))
        before = [_write(store, occupied) for occupied in (100, 101, 102)]
        assert before[1:] == [before[0] + 1, before[0] + 2]  # one more per new content
        server.stop()
        server.start()  # nothing kept
        after = [_write(store, occupied) for occupied in (100, 101, 102)]
    finally:
        server.stop()
    assert min(after) > max(before)


def test_the_alarms_version_after_a_flush_is_greater_than_before(store, redis_client):
    c = Collectors(store, redis_client, [parking_result(748)] * 12)
    c.alarm_job.evaluator.rules = (c.alarm_job.evaluator.rules[0].model_copy(update={"hold_minutes": 0}),)
    c.tick(1)
    (alarm,) = c.alarms.active()
    c.alarms.acknowledge(alarm.id, "camille.durand", datetime.now(UTC))
    before = c.alarms.version()
    _lose_data(c)
    c.tick(1)
    assert c.alarms.version() > before


@pytest.fixture
def client(redis_client):
    return create_app(load_settings({}), store=Store(redis_client)).test_client()


def test_a_public_etag_from_before_a_flush_never_gets_a_304_after_it(client, store, redis_client):
    path = "/api/v1/public/layers/parking"  # redirects to the current version's immutable file
    old_etags, old_files = [], []
    for occupied in (100, 200, 300):
        _write(store, occupied)
        response = client.get(path, follow_redirects=True)
        old_etags.append(response.headers["ETag"])
        old_files.append(response.request.path)
    redis_client.flushall()
    for occupied in (400, 500, 600):
        _write(store, occupied)
        response = client.get(path, headers={"If-None-Match": ", ".join(old_etags)}, follow_redirects=True)
        assert response.status_code == 200 and response.headers["ETag"] not in old_etags
        assert response.request.path not in old_files  # a new version is a new URL, never an old one
        assert sum(f["properties"]["occupied"] for f in response.get_json()["features"]) >= occupied


def test_the_first_write_into_an_empty_redis_records_when_the_data_began(store, redis_client):
    assert store.born() is None
    first = _write(store)
    _write(store)
    assert int(redis_client.get(keys.born())) == first  # the server's clock in ms: the first version
    assert abs(store.born().timestamp() - store.server_time()) < 5
    redis_client.flushall()
    _write(store)
    assert int(redis_client.get(keys.born())) > first


def test_alarms_come_back_from_the_data_after_a_flush_and_holds_restart(store, redis_client):
    c = Collectors(store, redis_client, [parking_result(748)] * 30)
    c.tick(10)
    (alarm,) = c.tick(1).raised
    AlarmStore(redis_client).acknowledge(alarm.id, "camille.durand", datetime.now(UTC))
    _lose_data(c)
    lost_at = c.clock()
    restarted = c.tick(10)
    assert restarted.raised == () and restarted.pending_started == {"parking-full|capitole": lost_at}
    assert c.alarms.active() == []
    (back,) = c.tick(1).raised
    assert back.name == "Capitole" and back.acknowledged_by == ""
    assert [a.id for a in c.alarms.active()] == [back.id]


@pytest.mark.parametrize("path", ["/api/v1/public/layers/parking", "/api/v1/public/layers/parking/1.geojson"])
def test_a_public_layer_without_data_is_a_404_no_cache_keeps(client, path):
    response = client.get(path + "?lang=en")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_the_versions_document_is_not_cached_while_a_layer_waits_for_data(client):
    response = client.get("/api/v1/public/versions?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    parking = response.get_json()["layers"]["parking"]
    assert parking["version"] is None and parking["state"] == "waiting" and parking["url"] is None


def test_the_managers_api_answers_a_layer_without_data_uncached(store, redis_client):
    from flask import Flask

    from dashboard.api import create_api
    from dashboard.areas import Geography

    app = Flask(__name__)
    app.register_blueprint(create_api(SnapshotReader(store), Geography(areas={})))
    http = app.test_client()
    for path in ("/api/v1/layers/parking", "/api/v1/layers"):
        assert http.get(path).headers["Cache-Control"] == "no-store"
    _write(store)
    assert "no-store" not in http.get("/api/v1/layers/parking").headers.get("Cache-Control", "")


def _history_since(store: Store, start: datetime) -> int:
    """Write a snapshot at `start` and one now; return the latest version."""
    _write(store, 100, start)
    return _write(store, 200, datetime.now(UTC))


def test_a_history_that_began_inside_the_charts_window_says_since_when(store):
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    began = datetime.now(UTC) - timedelta(hours=3)
    version = _history_since(store, began)
    paris = began.astimezone(ZoneInfo("Europe/Paris"))
    day, time, zone = paris.strftime("%d/%m"), paris.strftime("%H:%M"), paris.tzname()
    with app.app_context():
        _figure, span = figures.trend("parking", version, "fr", 6)
        assert span.endswith(f"Historique disponible depuis le {day} à {time} (heure de Paris, {zone})")
        _figure, span = figures.trend("parking", version, "en", 2)  # the window starts after history began
        assert "History" not in span and "min" in span
        _built, panel = DetailsCache(figures.snapshots, figures.cache).panel("parking", "capitole", version, "en")
    assert panel["history_note"] == f"History available since {day} at {time} (Paris time, {zone})"


def test_a_history_as_long_as_it_is_kept_gets_no_note(store):
    app = Flask(__name__)
    figures = FigureCache(
        SnapshotReader(store), Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    )
    # Trimmed by age, the oldest entry kept is a little inside the week's window: not a history begun late.
    version = _history_since(store, datetime.now(UTC) - timedelta(days=7) + timedelta(hours=1))
    with app.app_context():
        _built, panel = DetailsCache(figures.snapshots, figures.cache).panel("parking", "capitole", version, "fr")
    assert panel["history_note"] == "" and panel["figure"] is not None
