"""One decoded copy per layer version and process, whoever reads it: figures, details, public API, alarms."""

from __future__ import annotations

import dataclasses
import gc
import threading
import time
import weakref
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask_caching import Cache

from dashboard import keys
from dashboard.alarms import AlarmEvaluator
from dashboard.api import create_api
from dashboard.areas import Geography
from dashboard.collectors.alarm_job import AlarmJob
from dashboard.details_cache import DetailsCache
from dashboard.filters import Filters
from dashboard.layers import LAYERS
from dashboard.layers.parking import ParkingFullRule
from dashboard.models import FetchResult
from dashboard.public import public_snapshot, shared_public_snapshot
from dashboard.snapshots import SnapshotReader
from dashboard.store import AlarmStore, LeaderLock, Store, StoreUnavailable, connect
from dashboard.view_cache import FigureCache
from tests.factories import parking_result
from tests.redis_server import free_port


class CountingStore(Store):
    """The real store on the real Redis, counting the snapshots it decodes (and slow to decode them)."""

    def __init__(self, *args, delay: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decodes = 0
        self.delay = delay

    def snapshot(self, layer):
        self.decodes += 1
        time.sleep(self.delay)  # long enough for other threads to arrive while the first one decodes
        return super().snapshot(layer)


def _write(store: Store, occupied: int) -> int:
    records = parking_result(occupied).records
    located = (
        dataclasses.replace(records[0], commune_code="31555"),
        dataclasses.replace(records[1], commune_code="31069"),
    )
    result = FetchResult(records=located, fetched_at=datetime.now(UTC))
    return store.write_snapshot(
        "parking", result, source="t", demo=False, summary=LAYERS["parking"].summarise(result.records)
    )


def test_figures_details_public_api_and_alarms_share_one_decode_of_a_version(redis_client):
    store = CountingStore(redis_client)
    snapshots = SnapshotReader(store)
    version = _write(store, 740)  # Capitole: 740 of 748, an alarm
    server = Flask(__name__)
    cache = Cache(server, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": redis_client})
    server.register_blueprint(create_api(snapshots, Geography(areas={})))
    figures, details = FigureCache(snapshots, cache), DetailsCache(snapshots, cache)
    leader = LeaderLock(redis_client, keys.alarms_leader(), ttl_seconds=30)
    assert leader.hold()
    rule = ParkingFullRule(id="parking-full", kind="parking_full", threshold_percent=95, hold_minutes=0)
    alarms = AlarmJob(snapshots, AlarmStore(redis_client), leader, AlarmEvaluator([rule]), interval=15)
    with server.app_context():
        assert figures.traces("parking", version, "fr")[0] == version
        assert figures.traces("parking", version, "en", public=True)[0] == version
        assert figures.table("parking", version, "fr", Filters())["version"] == version
        assert details.panel("parking", "capitole", version, "en")[1]["title"] == "Capitole"
    http = server.test_client()
    assert http.get("/api/v1/layers/parking").get_json()["version"] == version
    public_file = http.get(f"/api/v1/public/layers/parking/{version}.geojson")
    assert public_file.status_code == 200 and public_file.get_json()["version"] == version
    assert [alarm.name for alarm in alarms.run_once().raised] == ["Capitole"]
    assert store.decodes == 1 and snapshots.decodes == 1


def test_the_embed_and_the_public_files_share_one_redacted_copy(store):
    snapshots = SnapshotReader(store)
    version = _write(store, 100)
    snapshot = snapshots.snapshot("parking", version)
    public = shared_public_snapshot(snapshots, snapshot)
    assert shared_public_snapshot(snapshots, snapshot) is public
    assert public.source == "" and public is not snapshot
    # One commune's view is cut from the shared copy, and equals redacting that commune alone.
    toulouse = shared_public_snapshot(snapshots, snapshot, "31555")
    assert [r.id for r in toulouse.records] == ["capitole"]
    assert toulouse == public_snapshot(snapshot, "31555")


def test_threads_asking_for_a_version_not_decoded_yet_wait_for_one_decode(redis_client):
    store = CountingStore(redis_client, delay=0.2)
    snapshots = SnapshotReader(store)
    version = _write(store, 100)
    start = threading.Barrier(8)
    results = []

    def reader():
        start.wait()
        results.append(snapshots.snapshot("parking", version))

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.decodes == 1
    assert len(results) == 8 and all(result is results[0] for result in results)
    assert results[0].version == version


def test_a_new_version_replaces_the_old_one_which_is_released(store):
    snapshots = SnapshotReader(store)
    first = snapshots.snapshot("parking", _write(store, 100))
    derived = shared_public_snapshot(snapshots, first)  # kept with its version
    gone, gone_derived = weakref.ref(first), weakref.ref(derived)
    assert snapshots.snapshot("parking") is first  # the head has not moved: no new decode
    del first, derived
    second_version = _write(store, 200)
    second = snapshots.snapshot("parking")
    gc.collect()
    assert second.version == second_version and snapshots.decodes == 2
    assert gone() is None and gone_derived() is None
    # An older version asked for after a new one landed gets the newest, without decoding again.
    assert snapshots.snapshot("parking", second_version - 1) is second and snapshots.decodes == 2


def test_a_version_that_disappears_is_no_data_and_redis_down_raises_store_unavailable(store, redis_client):
    snapshots = SnapshotReader(store)
    version = _write(store, 100)
    kept = weakref.ref(snapshots.snapshot("parking", version))
    redis_client.delete(keys.snapshot("parking"))  # Redis lost its data
    assert snapshots.snapshot("parking") is None
    gc.collect()
    assert kept() is None
    down = SnapshotReader(Store(connect(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)))
    with pytest.raises(StoreUnavailable):
        down.snapshot("parking")
    with pytest.raises(StoreUnavailable):
        down.snapshot("parking", 5)
