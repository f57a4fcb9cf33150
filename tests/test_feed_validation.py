"""Per-record validation shared by the adapters: each bad row is rejected with its reason, drift fails the feed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.models import ReportStatus
from dashboard.sources import SourceError
from dashboard.sources.validate import apply_mapping, pick, validate_rows

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _parking(**changes):
    row = {"id": "capitole", "name": "Capitole", "lon": 1.4440, "lat": 43.6045, "capacity": 748, "occupied": 100}
    return {**row, **changes}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (_parking(lon=43.6045, lat=1.4440), "latitude et longitude inversées"),
        (_parking(lon=2.3522, lat=48.8566), "hors de la zone couverte"),
        (_parking(occupied=900), "occupation hors de la capacité (900 sur 748)"),
        (_parking(capacity="beaucoup"), "« capacity » n'est pas un nombre"),
        (_parking(capacity=-3), "« capacity » n'est pas un entier positif"),
        (_parking(lat=True), "« lat » n'est pas un nombre"),
        (_parking(lon=float("nan")), "n'est pas un nombre fini"),
        (_parking(name={"fr": "Capitole"}), "« name » n'est pas un texte"),
        (_parking(occupied=None), "champ « occupied » manquant"),
        (_parking(updated_at="2026-11-25T12:00:00Z"), "« updated_at » dans le futur"),
        (_parking(updated_at="hier"), "« updated_at » n'est pas une date"),
        (_parking(updated_at="2026-11-25T07:00:00"), "sans fuseau horaire"),
        (_parking(capacity="1,234"), "« capacity » ambigu (« 1,234 » : virgule décimale ou séparateur de milliers ?)"),
    ],
    ids=[
        "swapped",
        "out-of-area",
        "over-capacity",
        "text-capacity",
        "negative",
        "bool",
        "nan",
        "object-name",
        "missing",
        "future",
        "bad-date",
        "naive-date",
        "ambiguous-comma",
    ],
)
def test_a_bad_row_is_rejected_with_its_reason(row, reason):
    result = validate_rows("parking", [_parking(id="ok"), row], NOW)
    assert [r.id for r in result.records] == ["ok"]
    assert len(result.rejected) == 1
    assert reason in result.rejected[0]
    assert result.rejected[0].startswith("capitole : ")


def test_good_rows_accept_strings_free_spaces_and_a_small_clock_skew():
    rows = [
        _parking(lon="1.4440", lat="43,6045", capacity="748", occupied="100"),
        _parking(id="carmes", occupied=None, free=40, updated_at="2026-11-25T08:05:00+00:00"),
    ]
    result = validate_rows("parking", rows, NOW)
    assert result.rejected == ()
    assert [(r.lat, r.occupied) for r in result.records] == [(43.6045, 100), (43.6045, 708)]


def test_duplicate_ids_keep_the_first_row():
    result = validate_rows("parking", [_parking(occupied=1), _parking(occupied=2)], NOW)
    assert [r.occupied for r in result.records] == [1]
    assert result.rejected == ("capitole : identifiant en double",)


def test_a_field_missing_from_most_rows_is_schema_drift():
    rows = [_parking(id=f"p{i}", capacity=None) for i in range(3)] + [_parking()]
    with pytest.raises(SourceError, match="format du flux modifié : champ « capacity » absent de 3 lignes sur 4"):
        validate_rows("parking", rows, NOW)


def test_reports_take_their_canonical_status_and_dates():
    row = {
        "id": "42",
        "category": "Propreté",
        "status": "in_progress",
        "lon": 1.44,
        "lat": 43.6,
        "created_at": "2026-11-20T09:00:00+01:00",
        "updated_at": None,
    }
    record = validate_rows("reports", [row], NOW).records[0]
    assert record.status is ReportStatus.IN_PROGRESS
    assert record.created_at == record.updated_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    rejected = validate_rows("reports", [row, {**row, "id": "43", "status": "lost"}], NOW).rejected
    assert rejected == (
        "43 : statut « lost » inconnu : à traduire dans « statuses » de la source"
        " (vers new, acknowledged, in_progress, resolved, closed)",
    )


def test_mapping_paths_reach_into_lists_and_json_text():
    row = {"geo": {"coordinates": [1.44, 43.6]}, "location": '{"coords": {"latitude": 43.6}}', "n": 3}
    assert pick(row, "geo.coordinates.1") == 43.6
    assert pick(row, "location.coords.latitude") == 43.6
    assert pick(row, "n.value") is None
    assert apply_mapping(row, {"lon": "geo.coordinates.0", "x": "missing.path"}) == {"lon": 1.44, "x": None}


def _meter(**changes):
    row = {"id": "m1", "name": "Capitole", "lon": 1.4440, "lat": 43.6045, "power_w": 18_000, "typical_kw": 12}
    return {**row, **changes}


def _pod(**changes):
    row = {"id": "n1", "name": "Nacelle 1", "lon": 1.4497, "lat": 43.6009, "status": "open", "place": "Jules-Guesde"}
    return {**row, **changes}


@pytest.mark.parametrize(
    ("layer", "row", "reason"),
    [
        ("energy", _meter(power_w=-5), "puissance négative"),
        ("energy", _meter(power_w=None), "champ « power_kw » manquant"),
        ("energy", _meter(typical_kw=None), "aucune consommation typique"),
        ("energy", _meter(typical_kw=None, typical_mwh_year="n/a"), "« typical_mwh_year » n'est pas un nombre"),
        ("energy", _meter(observed_at="2026-11-26T08:00:00Z"), "« observed_at » dans le futur"),
        ("nacelles", _pod(status="démontée"), "statut inconnu ('démontée')"),
        ("nacelles", _pod(lon=43.6009, lat=1.4497), "latitude et longitude inversées"),
    ],
)
def test_bad_energy_and_nacelle_rows_are_rejected_with_their_reason(layer, row, reason):
    good = _meter(id="ok") if layer == "energy" else _pod(id="ok")
    result = validate_rows(layer, [good, row], NOW)
    assert [r.id for r in result.records] == ["ok"]
    assert len(result.rejected) == 1 and reason in result.rejected[0]


def test_energy_power_and_typical_load_in_any_unit():
    kw, mwh = validate_rows(
        "energy", [_meter(power_w=None, power_kw="7,5"), _meter(id="m2", typical_kw=None, typical_mwh_year=87.6)], NOW
    ).records
    assert (kw.power_kw, kw.typical_kw, kw.site_type) == (7.5, 12.0, "autre")
    assert (mwh.power_kw, mwh.typical_kw) == (18.0, pytest.approx(10.0))


def test_the_snapshot_time_is_the_newest_observation_unless_the_feed_dates_itself():
    rows = [_parking(id="a", updated_at="2026-11-25T06:00:00Z"), _parking(id="b", updated_at="2026-11-25T06:30:00Z")]
    assert validate_rows("parking", rows, NOW).fetched_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    # A rejected row's date does not count; the feed's own date wins; without dates, the fetch's.
    rows.append(_parking(id="c", updated_at="2026-11-25T07:45:00Z", occupied=9999))
    assert validate_rows("parking", rows, NOW).fetched_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    given = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert validate_rows("parking", rows, NOW, fetched_at=given).fetched_at == given
    assert validate_rows("parking", [_parking()], NOW).fetched_at == NOW
    # Reports are dated by the fetch, whatever their last update.
    report = {
        "id": "r",
        "category": "x",
        "status": "new",
        "lon": 1.44,
        "lat": 43.6,
        "created_at": "2026-11-20T08:00:00Z",
    }
    assert validate_rows("reports", [report], NOW).fetched_at == NOW
