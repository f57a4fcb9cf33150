"""Panels read from a real redis-server: built once per (layer, version, record), polite about gone records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_caching import Cache

from dashboard import keys
from dashboard.details import clicked_record
from dashboard.details_cache import DetailsCache
from dashboard.figures import trace_slots
from dashboard.layers import LAYERS
from dashboard.models import FetchResult, ReportPersonal, ReportRecord, ReportStatus
from dashboard.snapshots import SnapshotReader
from dashboard.store import Store
from tests.factories import parking_result


def _details(store: Store) -> tuple[Flask, DetailsCache]:
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_HOST": store.redis})
    return app, DetailsCache(SnapshotReader(store), cache)


def _write_parking(store: Store, occupied: int, when: datetime) -> int:
    result = parking_result(occupied, when)
    return store.write_snapshot(
        "parking", result, source="t", demo=False, summary=LAYERS["parking"].summarise(result.records), now=when
    )


def test_a_car_park_panel_is_built_once_per_version_from_history(store, redis_client):
    app, details = _details(store)
    now = datetime.now(UTC)
    for minutes, occupied in ((30, 100), (20, 200), (10, 300)):
        version = _write_parking(store, occupied, now - timedelta(minutes=minutes))
    with app.app_context():
        built, panel = details.panel("parking", "capitole", version, "en")
        assert built == version and panel["title"] == "Capitole"
        day = next(trace for trace in panel["figure"]["data"] if trace["name"] == "Occupied spaces")
        assert sorted(day["y"]) == [100, 200, 300]
        redis_client.delete(keys.history("parking"), keys.snapshot("parking"))  # the next viewer needs neither
        assert details.panel("parking", "capitole", version, "en") == (version, panel)


def test_a_record_no_longer_in_the_snapshot_gets_a_polite_panel(store):
    app, details = _details(store)
    version = _write_parking(store, 100, datetime.now(UTC))
    with app.app_context():
        assert details.panel("parking", "demolished", version, "fr")[1]["title"] == "Élément introuvable"
        # Before any data, too.
        assert "no longer in the data" in details.panel("energy", "x", 0, "en")[1]["note"]


def test_a_report_panel_reads_its_timeline(store):
    app, details = _details(store)
    layer = LAYERS["reports"]
    created = datetime.now(UTC) - timedelta(hours=2)
    for status, hours in ((ReportStatus.NEW, 2), (ReportStatus.IN_PROGRESS, 1)):
        when = datetime.now(UTC) - timedelta(hours=hours)
        record = ReportRecord("AT-9", "Voirie", status, 1.44, 43.6, created, when)
        notes = ReportPersonal(description="Sac devant le 4", status_notes=f"Noté à {hours} h")
        version = store.write_snapshot(
            "reports",
            FetchResult((record,), when, personal={"AT-9": notes}),
            source="t",
            demo=False,
            summary=layer.summarise([record]),
            timeline={record.id: layer.timeline(record)},
        )
    with app.app_context():
        panel = details.panel("reports", "AT-9", version, "en")[1]
    assert [what for _when, what in panel["timeline"]] == ["first seen: New", "New → In progress"]
    # The personal fields are read by id from their own hash, as the latest write left them.
    facts = [tuple(fact) for fact in panel["facts"]]
    assert ("Description", "Sac devant le 4") in facts and ("Handling notes", "Noté à 1 h") in facts


def test_a_click_names_the_layer_and_the_record_or_nothing():
    layer_of_trace = {i: name for name, indices in trace_slots(LAYERS).items() for i in indices}
    parking = trace_slots(LAYERS)["parking"][0]
    reports = trace_slots(LAYERS)["reports"][2]
    assert clicked_record({"points": [{"curveNumber": parking, "customdata": "garage-capitole"}]}, layer_of_trace) == {
        "layer": "parking",
        "id": "garage-capitole",
    }
    report_click = {"points": [{"curveNumber": reports, "customdata": ["R1", "Voirie", "25/11/2026 10:00"]}]}
    assert clicked_record(report_click, layer_of_trace) == {"layer": "reports", "id": "R1"}
    for bad in (
        None,
        {},
        {"points": []},
        {"points": ["x"]},
        {"points": [{"curveNumber": 0, "location": "31555", "customdata": "Toulouse"}]},  # the area shading
        {"points": [{"curveNumber": 999, "customdata": "x"}]},
        {"points": [{"curveNumber": parking, "customdata": 12}]},
        {"points": [{"curveNumber": parking, "customdata": "x" * 500}]},
        {"points": [{"curveNumber": "1", "customdata": "x"}]},
    ):
        assert clicked_record(bad, layer_of_trace) is None


def test_history_is_read_as_shared_digests_of_the_windows_that_are_over(store, redis_client):
    app, details = _details(store)
    now = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)
    for minutes in range(30, -1, -1):  # one entry a minute for the last half hour
        _write_parking(store, 100 + minutes, now - timedelta(minutes=minutes))
    with app.app_context():
        points = details.history_points("parking", timedelta(hours=1), now=now)
        # Windows of 5 minutes ended a minute ago (11:30 to 11:55) are digests, one point each; since 11:55, raw.
        digested = [p for p in points if p[1].sites == 0]  # a digest keeps the per-site means only
        assert len(digested) == 5 and len(points) == 5 + 6
        assert digested[-1][1].occupied_by_site["capitole"] == 108.0  # 11:50:30 to 11:54:30: 110 down to 106
        # A second viewer finds every digest in the cache: with the history gone, only the raw part changes.
        redis_client.delete(keys.history("parking"))
        again = details.history_points("parking", timedelta(hours=1), now=now)
        assert again == digested
