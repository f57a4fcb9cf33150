"""The demonstration feeds: deterministic, plausible, inside the Métropole, and able to simulate an outage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dashboard.models import BikeStationStatus, NacelleStatus, ReportStatus
from dashboard.sources import Source, SourceError
from dashboard.sources.demo import SimulatedClock, build_demo_sources
from dashboard.sources.demo.places import (
    BIKE_STATIONS,
    CAR_PARKS,
    ENERGY_SITES,
    NACELLE_PLACES,
    POPULATION_CENTRES,
    REPORT_CATEGORIES,
)

PARIS = ZoneInfo("Europe/Paris")
SEED = 31555
MONDAY = datetime(2026, 11, 23, tzinfo=PARIS)
SUNDAY = datetime(2026, 11, 29, tzinfo=PARIS)
# The Métropole's bounding box, written out rather than imported so a wrong constant cannot hide a wrong point.
LON_MIN, LAT_MIN, LON_MAX, LAT_MAX = 1.2038, 43.5167, 1.6318, 43.7672
COMMUNES_GEOJSON = Path(__file__).resolve().parents[2] / "shared" / "data" / "toulouse-metropole-communes.geojson"
STATUS_ORDER = list(ReportStatus)


def at(day: datetime, hours: float) -> datetime:
    """UTC instant `hours` after local midnight of `day`."""
    return (day + timedelta(hours=hours)).astimezone(UTC)


def demo(seed: int = SEED, **options) -> dict[str, Source]:
    """Every layer's demonstration source by layer, on a real-time clock (simulated time = `now`)."""
    return {source.layer: source for source in build_demo_sources(seed, origin=MONDAY.astimezone(UTC), **options)}


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return demo()


def open_reports(source: Source, now: datetime) -> int:
    return sum(record.status.is_open for record in source.fetch(now).records)


# --- clock and determinism -------------------------------------------------------------------------------------


def test_simulated_clock_runs_faster_from_its_origin():
    origin = datetime(2026, 11, 23, 8, tzinfo=UTC)
    clock = SimulatedClock(origin, speed=60)
    assert clock.sim(origin) == origin
    assert clock.sim(origin + timedelta(minutes=1)) == origin + timedelta(hours=1)
    assert clock.sim(origin + timedelta(minutes=1)).tzinfo == UTC
    with pytest.raises(ValueError):
        clock.sim(datetime(2026, 11, 23, 8, 1))
    with pytest.raises(ValueError):
        SimulatedClock(origin, speed=0)


def test_sources_report_simulated_time():
    origin = datetime(2026, 11, 23, 8, tzinfo=UTC)
    for source in build_demo_sources(SEED, speed=60, origin=origin):
        assert source.fetch(origin + timedelta(minutes=2)).fetched_at == origin + timedelta(hours=2)


@pytest.mark.parametrize("layer", ["parking", "energy", "reports", "nacelles", "bikes"])
def test_same_seed_and_time_give_identical_records(layer):
    now = at(MONDAY, 11.25)
    first, second = demo()[layer].fetch(now), demo()[layer].fetch(now)
    assert first.records == second.records
    assert first.fetched_at == second.fetched_at == now


def test_another_seed_gives_other_data():
    now = at(MONDAY, 11.25)
    ours, theirs = demo(SEED), demo(SEED + 1)
    for layer in ("parking", "energy", "reports", "bikes"):
        assert ours[layer].fetch(now).records != theirs[layer].fetch(now).records
    ours_moves = [ours["nacelles"].fetch(at(MONDAY, 24 * day + 12)).records for day in range(15)]
    theirs_moves = [theirs["nacelles"].fetch(at(MONDAY, 24 * day + 12)).records for day in range(15)]
    assert ours_moves != theirs_moves


def test_fetch_does_not_depend_on_call_history(sources):
    now = at(MONDAY, 15)
    fresh = demo()["reports"].fetch(now)
    sources["reports"].fetch(at(MONDAY, 9))
    assert sources["reports"].fetch(now).records == fresh.records


# --- counts and positions --------------------------------------------------------------------------------------


def test_record_counts(sources):
    now = at(MONDAY, 12)
    assert len(sources["parking"].fetch(now).records) >= 20
    assert len(sources["energy"].fetch(now).records) >= 10
    assert [r.id for r in sources["nacelles"].fetch(now).records] == ["nacelle-1", "nacelle-2", "nacelle-3"]


@pytest.mark.parametrize("day", [MONDAY, SUNDAY])
@pytest.mark.parametrize("hour", [4, 12, 20])
def test_hundreds_of_reports_are_open_at_every_hour(sources, day, hour):
    assert 1500 <= open_reports(sources["reports"], at(day, hour)) <= 4000


@pytest.mark.parametrize("layer", ["parking", "energy", "reports", "nacelles", "bikes"])
def test_every_position_lies_in_the_metropole(sources, layer):
    for now in (at(MONDAY, 3), at(SUNDAY, 16)):
        for record in sources[layer].fetch(now).records:
            assert LON_MIN <= record.lon <= LON_MAX and LAT_MIN <= record.lat <= LAT_MAX, record


def test_places_lie_in_the_commune_they_name():
    geometry = pytest.importorskip("shapely.geometry")
    point = geometry.Point
    if not COMMUNES_GEOJSON.exists():
        pytest.skip(f"no commune boundaries at {COMMUNES_GEOJSON}")
    features = json.loads(COMMUNES_GEOJSON.read_text(encoding="utf-8"))["features"]
    # IGN spells L'Union "Union".
    communes = {
        "L'Union" if f["properties"]["nom"] == "Union" else f["properties"]["nom"]: geometry.shape(f["geometry"])
        for f in features
    }
    labelled = [(p.name, p.commune, p.lon, p.lat) for p in (*CAR_PARKS, *ENERGY_SITES, *POPULATION_CENTRES)]
    labelled += [(p.name, "Toulouse", p.lon, p.lat) for p in NACELLE_PLACES]
    misplaced = [name for name, commune, lon, lat in labelled if not communes[commune].contains(point(lon, lat))]
    assert misplaced == []


# --- parking ---------------------------------------------------------------------------------------------------


def _share(records, site_type: str) -> float:
    sites = [r for r in records if r.site_type == site_type]
    return sum(r.occupied for r in sites) / sum(r.capacity for r in sites)


def test_occupancy_is_a_whole_number_within_capacity(sources):
    for hour in range(0, 24 * 7, 5):
        for record in sources["parking"].fetch(at(MONDAY, hour)).records:
            assert isinstance(record.occupied, int)
            assert 0 <= record.occupied <= record.capacity, record


def test_park_and_ride_fills_on_weekday_mornings(sources):
    parking = sources["parking"]
    for day in range(5):
        morning = _share(parking.fetch(at(MONDAY + timedelta(days=day), 8.5)).records, "park_and_ride")
        night = _share(parking.fetch(at(MONDAY + timedelta(days=day), 3)).records, "park_and_ride")
        assert morning > 0.5 > 0.15 > night
    assert _share(parking.fetch(at(SUNDAY, 8.5)).records, "park_and_ride") < 0.2


def test_centre_garages_are_busiest_on_saturday_afternoon(sources):
    parking = sources["parking"]
    saturday = _share(parking.fetch(at(SUNDAY - timedelta(days=1), 17)).records, "garage")
    assert saturday > _share(parking.fetch(at(SUNDAY, 17)).records, "garage")
    assert saturday > _share(parking.fetch(at(MONDAY, 17)).records, "garage")
    assert saturday > _share(parking.fetch(at(MONDAY, 9)).records, "garage")


def test_occupancy_drifts_a_little_from_one_minute_to_the_next(sources):
    readings = [sources["parking"].fetch(at(MONDAY, 10) + timedelta(minutes=m)).records for m in range(61)]
    steps = [
        abs(a.occupied - b.occupied) / a.capacity
        for x, y in zip(readings, readings[1:], strict=False)
        for a, b in zip(x, y, strict=True)
    ]
    assert max(steps) <= 0.03
    assert readings[0] != readings[30]


# --- energy ----------------------------------------------------------------------------------------------------


def test_power_stays_near_typical_most_of_the_time_with_some_anomalies(sources):
    ratios = []
    for step in range(0, 7 * 24 * 3, 1):  # a week, every 20 minutes
        for record in sources["energy"].fetch(at(MONDAY, step / 3)).records:
            assert record.typical_kw > 0 and record.power_kw >= 0, record
            ratios.append(record.power_kw / record.typical_kw)
    near = sum(abs(ratio - 1) <= 0.2 for ratio in ratios) / len(ratios)
    assert near >= 0.9
    assert any(ratio >= 1.4 for ratio in ratios)


def test_offices_draw_more_on_weekday_afternoons_than_at_night(sources):
    def typical(now: datetime) -> float:
        return sum(r.typical_kw for r in sources["energy"].fetch(now).records if r.site_type == "administration")

    assert typical(at(MONDAY, 15)) > 2 * typical(at(MONDAY, 3))
    assert typical(at(MONDAY, 15)) > 2 * typical(at(SUNDAY, 15))


# --- reports ---------------------------------------------------------------------------------------------------


def test_a_report_keeps_its_identity_and_never_goes_back(sources):
    reports = sources["reports"]
    before = {r.id: r for r in reports.fetch(at(MONDAY, 11)).records}
    for later in (at(MONDAY, 11) + timedelta(minutes=10), at(MONDAY, 17)):
        after = {r.id: r for r in reports.fetch(later).records}
        common = before.keys() & after.keys()
        assert len(common) > 0.8 * len(before)
        for report_id in common:
            old, new = before[report_id], after[report_id]
            assert (new.category, new.created_at, new.lon, new.lat) == (old.category, old.created_at, old.lon, old.lat)
            assert STATUS_ORDER.index(new.status) >= STATUS_ORDER.index(old.status)
            # updated_at is the time of the last transition: it moves exactly when the status does.
            assert (new.updated_at > old.updated_at) == (new.status != old.status)
        assert any(before[i].status != after[i].status for i in common)
        # Reports leave the feed a day after closing, or when they fall out of its 30-day window.
        for report_id in before.keys() - after.keys():
            gone = before[report_id]
            aged_out = gone.created_at <= later - timedelta(days=30)
            assert aged_out or gone.status is ReportStatus.CLOSED, gone


def test_report_snapshot_holds_open_and_recently_closed_reports(sources):
    now = at(MONDAY, 12.6)
    records = sources["reports"].fetch(now).records
    assert len({r.id for r in records}) == len(records)
    assert all(r.id.startswith("R") and r.id[1:].isdigit() for r in records)
    for record in records:
        assert now - timedelta(days=30) < record.created_at <= record.updated_at <= now, record
        if record.status is ReportStatus.NEW:
            assert record.updated_at == record.created_at, record
        if record.status is ReportStatus.CLOSED:
            assert record.updated_at > now - timedelta(days=1), record
    assert {r.status for r in records} == set(ReportStatus)
    assert any(r.status.is_open and r.created_at < now - timedelta(days=14) for r in records)


def test_about_1300_reports_arrive_per_day_mostly_by_day(sources):
    end = at(MONDAY + timedelta(days=3), 0)
    created = [r.created_at for r in sources["reports"].fetch(end).records if r.created_at > end - timedelta(days=1)]
    assert 1000 <= len(created) <= 1600
    night = sum(c.astimezone(PARIS).hour < 6 for c in created)
    late_morning = sum(9 <= c.astimezone(PARIS).hour < 12 for c in created)
    assert late_morning > 5 * night


def test_report_categories_follow_the_allo_toulouse_mix(sources):
    end = at(MONDAY + timedelta(days=3), 0)
    arrivals = [r for r in sources["reports"].fetch(end).records if r.created_at > end - timedelta(days=1)]
    cleanliness = sum(r.category == "Propreté et déchets" for r in arrivals) / len(arrivals)
    parking = sum(r.category == "Stationnement" for r in arrivals) / len(arrivals)
    assert 0.44 <= cleanliness <= 0.55
    assert 0.05 <= parking <= 0.12
    assert {r.category for r in arrivals} <= {c.label for c in REPORT_CATEGORIES}


# --- nacelles --------------------------------------------------------------------------------------------------


def test_nacelles_open_by_day_and_close_at_night(sources):
    nacelles = sources["nacelles"]
    for day in range(12):
        date = MONDAY + timedelta(days=day)
        afternoon = nacelles.fetch(at(date, 14)).records
        assert all(r.status is NacelleStatus.OPEN for r in afternoon if r.status is not NacelleStatus.IN_TRANSIT)
        assert all(r.status is NacelleStatus.CLOSED for r in nacelles.fetch(at(date, 23)).records)


def test_nacelles_move_between_the_2016_places(sources):
    nacelles = sources["nacelles"]
    place_names = {p.name for p in NACELLE_PLACES}
    seen: dict[str, set[str]] = {"nacelle-1": set(), "nacelle-2": set(), "nacelle-3": set()}
    transits = 0
    for hour in range(0, 24 * 15, 2):
        records = nacelles.fetch(at(MONDAY, hour)).records
        placed = [r for r in records if r.status is not NacelleStatus.IN_TRANSIT]
        assert len({r.place for r in placed}) == len(placed)
        for record in records:
            assert record.place in place_names
            seen[record.id].add(record.place)
            if record.status is NacelleStatus.IN_TRANSIT:
                transits += 1
                assert record.event == ""
            else:
                assert record.event
    assert seen["nacelle-1"] == {"Allées Jules-Guesde"}
    assert len(seen["nacelle-2"]) >= 2 and len(seen["nacelle-3"]) >= 2
    assert "Allées Jules-Guesde" not in seen["nacelle-2"] | seen["nacelle-3"]
    assert transits > 0


# --- simulated outage ------------------------------------------------------------------------------------------


def test_faulty_feed_succeeds_once_then_fails():
    sources = demo(faults=("parking",))
    parking = sources["parking"]
    assert (parking.name, parking.layer, parking.demo) == ("demo-parking", "parking", True)
    assert parking.fetch(at(MONDAY, 9)).records
    with pytest.raises(SourceError, match="Panne simulée"):
        parking.fetch(at(MONDAY, 9) + timedelta(minutes=1))
    with pytest.raises(SourceError):
        parking.fetch(at(MONDAY, 9) + timedelta(minutes=2))
    energy = sources["energy"]
    assert energy.fetch(at(MONDAY, 9)).records and energy.fetch(at(MONDAY, 9) + timedelta(minutes=1)).records


def test_unknown_fault_layer_is_refused():
    with pytest.raises(ValueError, match="weather"):
        build_demo_sources(SEED, faults=("weather",))


# --- bikes -----------------------------------------------------------------------------------------------------


def _bikes_by_role(records, role: str) -> float:
    """Share of the docks holding a bike at the open stations of `role`."""
    roles = {str(station.number): station.role for station in BIKE_STATIONS}
    chosen = [r for r in records if roles[r.id] == role and r.status is BikeStationStatus.OPEN]
    return sum(r.bikes_available for r in chosen) / sum(r.capacity for r in chosen)


def test_bike_stations_are_many_distinct_and_consistent(sources):
    for now in (at(MONDAY, 3), at(MONDAY, 8.5), at(SUNDAY, 16)):
        records = sources["bikes"].fetch(now).records
        assert len(records) >= 50 and len({r.id for r in records}) == len(records)
        for r in records:
            assert r.bikes_available >= 0 and r.docks_available >= 0
            assert r.bikes_available + r.docks_available <= r.capacity
            assert r.last_reported <= now and now - r.last_reported < timedelta(minutes=1)


def test_bikes_leave_homes_for_the_centre_on_weekday_mornings(sources):
    for day in range(5):  # Monday to Friday
        night = sources["bikes"].fetch(at(MONDAY, 24 * day + 5)).records
        morning = sources["bikes"].fetch(at(MONDAY, 24 * day + 10)).records
        assert _bikes_by_role(morning, "residential") < _bikes_by_role(night, "residential") - 0.2
        assert _bikes_by_role(morning, "centre") > _bikes_by_role(night, "centre") + 0.2
        assert _bikes_by_role(morning, "campus") > _bikes_by_role(night, "campus") + 0.3


def test_bike_stations_drift_minute_by_minute_and_some_are_empty_or_full(sources):
    first = sources["bikes"].fetch(at(MONDAY, 8)).records
    later = sources["bikes"].fetch(at(MONDAY, 8.25)).records
    changed = sum(a.bikes_available != b.bikes_available for a, b in zip(first, later, strict=True))
    assert 5 <= changed < len(first)  # a quarter of an hour moves some stations, not the whole network at once
    week = [sources["bikes"].fetch(at(MONDAY, hour)).records for hour in range(0, 24 * 7, 3)]
    assert any(r.is_empty for records in week for r in records)
    assert any(r.is_full for records in week for r in records)


def test_one_station_closed_per_day_and_one_not_renting_in_the_morning(sources):
    for day in range(7):
        morning = sources["bikes"].fetch(at(MONDAY, 24 * day + 10)).records
        evening = sources["bikes"].fetch(at(MONDAY, 24 * day + 18)).records
        closed = [r for r in morning if r.status is BikeStationStatus.CLOSED]
        assert len(closed) == 1 and closed[0].bikes_available == closed[0].docks_available == 0
        assert sum(r.status is BikeStationStatus.NOT_RENTING for r in morning) == 1
        assert sum(r.status is BikeStationStatus.NOT_RENTING for r in evening) == 0
