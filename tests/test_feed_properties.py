"""Whatever a feed answers, the collector neither crashes nor replaces good data with garbage."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.sources.validate import METROPOLE
from tests.feed_server import Reply, json_reply
from tests.test_feed_adapters import ODS_PATH, ods_parking_rows
from tests.test_feed_collector import _job

scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=12)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner))
plausible = st.one_of(
    json_values,
    st.integers(0, 300),
    st.builds(str, st.integers(0, 300)),
    st.fixed_dictionaries({"lon": st.floats(-10, 50) | json_values, "lat": st.floats(-10, 50) | json_values}),
)
rows = st.fixed_dictionaries(
    {"id": plausible, "nom": plausible, "geo_point_2d": plausible, "nb_places": plausible},
    optional={"places_disponibles": plausible},
)
pages = st.builds(lambda total, results: {"total_count": total, "results": results}, plausible, st.lists(rows))
bodies = st.one_of(
    pages.map(lambda page: json.dumps(page).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_any_answer_leaves_a_valid_snapshot(store, redis_client, feed_server, body):
    redis_client.flushdb()
    feed_server.route(f"{ODS_PATH}/records", json_reply({"total_count": 3, "results": ods_parking_rows(3)}))
    job = _job(store, redis_client, feed_server)
    job.run_once()
    good = store.snapshot("parking")

    feed_server.route(f"{ODS_PATH}/records", Reply(200, body, {"Content-Type": "application/json"}))
    assert job.run_once() > 0

    snapshot = store.snapshot("parking")
    status = store.status("parking")
    assert "erreur inattendue" not in status.last_error
    if snapshot.version == good.version:
        assert snapshot.records == good.records
    else:
        assert snapshot.records
        for record in snapshot.records:
            assert METROPOLE.contains(record.lon, record.lat)
            assert 0 <= record.occupied <= record.capacity
            assert record.id and record.name
