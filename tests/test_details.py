"""The details panel's pure parts: history turned into series, trails, timelines and panels, from a fake history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from dash import html

from dashboard.details import (
    DAY_BUCKET,
    WEEK_BUCKET,
    Inputs,
    bucketed,
    build_panel,
    day_start,
    gone_panel,
    panel_kind,
    records_by_id,
    site_series,
    trail,
    window,
)
from dashboard.layers import LAYERS
from dashboard.layers.bikes import BikesSummary
from dashboard.layers.energy import EnergySummary, summarise_energy
from dashboard.layers.nacelles import NacellesSummary, summarise_nacelles
from dashboard.layers.parking import ParkingSummary, summarise_parking
from dashboard.models import (
    EnergyRecord,
    NacelleRecord,
    NacelleStatus,
    ParkingRecord,
    ReportPersonal,
    ReportRecord,
    ReportStatus,
)
from layouts.details import details_body

END = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 16:00 in Paris (CET)


def _parking(occupied: int) -> tuple[ParkingRecord, ...]:
    return (
        ParkingRecord("capitole", "Capitole", 1.444, 43.6045, 748, occupied, "garage"),
        ParkingRecord("arenes", "Arènes", 1.418, 43.593, 300, 10, "park_and_ride"),
    )


def _parking_history(minutes: int, step: int = 1) -> list[tuple[datetime, ParkingSummary]]:
    """A summary every `step` minutes for `minutes` before END: Capitole's occupancy is the minute of the hour."""
    points = []
    for back in range(minutes, -1, -step):
        moment = END - timedelta(minutes=back)
        points.append((moment, summarise_parking(_parking(moment.minute))))
    return points


def test_site_series_reads_one_site_and_skips_entries_without_it():
    stored = [{"occupied_by_site": {"capitole": 5}}, {"occupied_by_site": {"arenes": 1}}, {}]
    points = [(END, ParkingSummary.from_stored(item)) for item in stored]
    assert site_series(points, "occupied_by_site", "capitole") == [(END, 5.0)]
    assert site_series(points, "occupied_by_site", "nowhere") == []
    with pytest.raises(ValueError, match="no per-site field 'free'"):
        site_series(points, "free", "capitole")


def test_a_week_of_minutes_becomes_hourly_means_and_a_day_five_minute_means():
    series = site_series(_parking_history(7 * 24 * 60), "occupied_by_site", "capitole")
    assert len(series) == 7 * 24 * 60 + 1
    week = bucketed(window(series, END, timedelta(days=7)), WEEK_BUCKET)
    assert len(week) == 7 * 24 + 1  # the last bucket holds only END itself
    assert week[0][1] == pytest.approx(29.5)  # mean of minutes 0..59
    assert week[0][0].utcoffset() == timedelta(hours=1)  # buckets on the city's clock
    day = bucketed(window(series, END, timedelta(days=1)), DAY_BUCKET)
    assert len(day) == 24 * 12 + 1
    assert day[1][1] == pytest.approx(7.0)  # minutes 5..9 of the hour
    assert bucketed([], DAY_BUCKET) == []


def test_window_keeps_only_the_span_before_the_end():
    series = [(END - timedelta(hours=h), float(h)) for h in (30, 20, 2, 0)]
    assert [value for _moment, value in window(series, END, timedelta(days=1))] == [20.0, 2.0, 0.0]


def test_day_start_is_midnight_in_paris():
    assert day_start(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)).isoformat() == "2026-11-25T00:00:00+01:00"
    assert day_start(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)).isoformat() == "2026-07-01T00:00:00+02:00"


def _nacelle(place: str, status: NacelleStatus, lon: float) -> NacelleRecord:
    return NacelleRecord("nacelle-1", "Nacelle 1", lon, 43.6, status, place, "")


def test_trail_lists_each_place_once_with_its_arrival_time():
    sequence = [
        ("Daurade", NacelleStatus.OPEN, 1.44),
        ("Daurade", NacelleStatus.CLOSED, 1.44),
        ("Jardin des Plantes", NacelleStatus.IN_TRANSIT, 1.45),
        ("Jardin des Plantes", NacelleStatus.OPEN, 1.45),
        ("Daurade", NacelleStatus.OPEN, 1.44),
    ]
    points = [
        (END + timedelta(hours=i), summarise_nacelles([_nacelle(place, status, lon)]))
        for i, (place, status, lon) in enumerate(sequence)
    ]
    stays = trail(points, "nacelle-1")
    assert [(s.place, s.status, s.arrived) for s in stays] == [
        ("Daurade", "open", END),
        ("Jardin des Plantes", "in_transit", END + timedelta(hours=2)),
        ("Daurade", "open", END + timedelta(hours=4)),
    ]
    assert trail(points, "nacelle-2") == []


def test_parking_panel_names_the_car_park_and_draws_a_day_and_a_week():
    record = _parking(12)[0]
    panel = build_panel("parking", record, Inputs(points=_parking_history(3 * 24 * 60, 5), as_of=END), "fr")
    assert panel.title == "Capitole"
    assert "Stationnement" in panel.subtitle and "parking en ouvrage" in panel.subtitle
    assert ("Capacité", "748") in panel.facts
    data = panel.figure["data"]
    occupied = [trace for trace in data if trace["name"] == "Places occupées"]
    assert len(occupied) == 2
    assert len(occupied[0]["x"]) == 24 * 12 + 1 and len(occupied[1]["x"]) == 3 * 24 + 1
    # Wall-clock Paris times on the axis, and the zone in its title.
    assert str(occupied[0]["x"][-1]).startswith("2026-11-25T16:00") or str(occupied[0]["x"][-1]).startswith(
        "2026-11-25 16:00"
    )
    titles = [note["text"] for note in panel.figure["layout"]["annotations"]]
    assert titles == [
        "Dernières 24 h (moyennes sur 5 min) · heure de Paris (CET)",
        "7 derniers jours (moyennes horaires) · heure de Paris (CET)",
    ]
    # Each chart spans its whole window, whatever history there is yet.
    assert [str(x)[:16] for x in panel.figure["layout"]["xaxis2"]["range"]] in (
        ["2026-11-18T16:00", "2026-11-25T16:00"],
        ["2026-11-18 16:00", "2026-11-25 16:00"],
    )
    assert panel.note.startswith("Données du 25/11/2026 16:00 (CET)")


def test_parking_panel_without_history_says_so():
    panel = build_panel("parking", _parking(12)[0], Inputs(as_of=END), "en")
    assert panel.figure is None and panel.timeline_empty == "No history yet."


def test_energy_panel_draws_today_from_paris_midnight_against_typical():
    def site(power: float, typical: float) -> EnergyRecord:
        return EnergyRecord("capitole-e", "Capitole", 1.44, 43.6, power, typical, "administration")

    points = [
        (END - timedelta(hours=h), summarise_energy([site(100 + h, 90)])) for h in range(40, -1, -1)
    ]  # since yesterday; Paris midnight is 23:00 UTC
    panel = build_panel("energy", site(100, 90), Inputs(points=points, as_of=END), "en")
    power, typical = (
        next(tr for tr in panel.figure["data"] if tr["name"] == name) for name in ("Power drawn", "Typical")
    )
    assert len(power["y"]) == 17  # hourly entries from Paris midnight (23:00 UTC) to 16:00 Paris
    assert power["y"][0] == 116  # the entry at midnight itself, nothing of the day before
    assert set(typical["y"]) == {90}
    assert ("Against typical", "+11%") in panel.facts or ("Against typical", "+11 %") in panel.facts


def test_energy_panel_copes_with_history_written_before_typical_was_kept():
    record = EnergyRecord("e", "École", 1.44, 43.6, 10, 9, "ecole")
    older = EnergySummary.from_stored({"power_by_site": {"e": 10}})  # as stored then: no schema, no typical
    points = [(END - timedelta(minutes=m), older) for m in range(30, -1, -10)]
    panel = build_panel("energy", record, Inputs(points=points, as_of=END), "fr")
    typical = next(tr for tr in panel.figure["data"] if tr["name"] == "Habituel")
    assert list(typical["x"]) == []


@dataclass
class _Change:
    value: str
    previous: str
    at: datetime


REPORT = ReportRecord("AT-1", "Propreté", ReportStatus.IN_PROGRESS, 1.44, 43.6, END - timedelta(days=1), END)
PERSONAL = ReportPersonal(
    description="Dépôt sauvage rue X",
    status_notes="Équipe prévenue",
    address="3 rue X, Toulouse",
    agency_responsible="Direction de la propreté",
    photo_url="https://photos.example.org/at-1.jpg",
)


def test_report_panel_shows_its_timeline():
    changes = [_Change("new", "", END - timedelta(days=1)), _Change("in_progress", "new", END)]
    panel = build_panel("reports", REPORT, Inputs(timeline=changes), "fr")
    assert panel.title == "Signalement : Propreté"
    assert panel.timeline == [
        ("24/11/2026 16:00 (CET)", "vu pour la première fois : Nouveau"),
        ("25/11/2026 16:00 (CET)", "Nouveau → En cours"),
    ]
    assert ("Créé le", "24/11/2026 16:00 (CET)") in panel.facts
    assert panel.links == []
    empty = build_panel("reports", REPORT, Inputs(), "en")
    assert empty.timeline == [] and empty.timeline_empty == "No status change recorded."


def test_report_panel_shows_the_personal_fields_it_is_given_in_both_languages():
    french = build_panel("reports", REPORT, Inputs(personal=PERSONAL), "fr")
    assert {
        ("Description", "Dépôt sauvage rue X"),
        ("Notes de traitement", "Équipe prévenue"),
        ("Adresse", "3 rue X, Toulouse"),
        ("Service responsable", "Direction de la propreté"),
    } <= set(french.facts)
    assert french.links == [("Photo", "Voir la photo (nouvel onglet)", "https://photos.example.org/at-1.jpg")]
    english = build_panel("reports", REPORT, Inputs(personal=PERSONAL), "en")
    assert ("Handling notes", "Équipe prévenue") in english.facts
    assert ("Responsible department", "Direction de la propreté") in english.facts
    assert english.links == [("Photo", "View the photo (new tab)", "https://photos.example.org/at-1.jpg")]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/x.jpg", "ftp://h/x.jpg"])
def test_a_photo_is_linked_only_when_its_url_is_http_or_https(url):
    panel = build_panel("reports", REPORT, Inputs(personal=ReportPersonal(photo_url=url)), "fr")
    assert panel.links == [] and url not in repr(panel.to_dict())


def test_the_photo_link_opens_in_a_new_tab_without_the_opener_or_the_referrer():
    (link,) = [
        a
        for a in _walk(details_body(build_panel("reports", REPORT, Inputs(personal=PERSONAL), "fr").to_dict()))
        if isinstance(a, html.A)
    ]
    assert (link.href, link.target, link.rel) == (PERSONAL.photo_url, "_blank", "noopener noreferrer")


def _walk(component):
    """Every component in a tree of Dash components and lists."""
    if isinstance(component, list):
        for item in component:
            yield from _walk(item)
        return
    yield component
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        yield from _walk(children)


def test_nacelle_panel_lists_moves_latest_first_with_the_current_event():
    record = NacelleRecord("nacelle-1", "Nacelle 1", 1.44, 43.6, NacelleStatus.OPEN, "Daurade", "Budget participatif")
    points = [
        (END - timedelta(days=2), summarise_nacelles([_nacelle("Jardin des Plantes", NacelleStatus.OPEN, 1.45)])),
        (END, summarise_nacelles([_nacelle("Daurade", NacelleStatus.OPEN, 1.44)])),
    ]
    panel = build_panel("nacelles", record, Inputs(points=points), "fr")
    assert ("Événement", "Budget participatif") in panel.facts
    assert [text for _when, text in panel.timeline] == ["Daurade — Ouverte", "Jardin des Plantes — Ouverte"]


@dataclass(frozen=True)
class BikeStation:
    """A record of a layer without a panel of its own."""

    id: str
    name: str
    lon: float
    lat: float
    bikes: int
    docks: int
    electric: bool
    commune: str = ""
    quartier_name: str = ""
    description: str = "texte libre"  # a personal field, whatever the layer


def test_a_layer_without_its_own_panel_gets_its_fields_and_per_site_series():
    assert panel_kind("bikes") is panel_kind("another")
    record = BikeStation("st-1", "Capitole", 1.44, 43.6, 7, 20, True)
    points = [(END - timedelta(minutes=m), BikesSummary(bikes_by_site={"st-1": m})) for m in range(60, -1, -5)]
    panel = build_panel("bikes", record, Inputs(points=points, as_of=END), "en")
    assert panel.title == "Capitole" and panel.subtitle == LAYERS["bikes"].title("en")
    assert ("bikes", "7") in panel.facts and ("electric", "yes") in panel.facts
    assert all(label not in ("lon", "lat", "Description") for label, _value in panel.facts)
    assert [trace["name"] for trace in panel.figure["data"]] == ["bikes"]


def test_a_record_gone_from_the_snapshot_gets_a_polite_panel():
    assert records_by_id(_parking(1))["capitole"].name == "Capitole"
    assert "demolished" not in records_by_id(_parking(1))
    panel = gone_panel("parking", "en")
    assert panel.title == "Item not found" and "no longer in the data" in panel.note and panel.figure is None


def test_digests_keep_the_means_and_every_move_so_panels_read_the_same_from_them():
    from dashboard.details import digest, undigest

    points = _parking_history(60, 1)  # 61 entries, one a minute
    windows = [points[i : i + 5] for i in range(0, len(points), 5)]
    digested = undigest([digest(window) for window in windows] + [digest([])], ParkingSummary)
    assert len(digested) == len(windows)
    assert bucketed(site_series(digested, "occupied_by_site", "capitole"), DAY_BUCKET) == bucketed(
        site_series(points, "occupied_by_site", "capitole"), DAY_BUCKET
    )
    moves = [
        (END + timedelta(minutes=i), summarise_nacelles([_nacelle(place, NacelleStatus.OPEN, lon)]))
        for i, (place, lon) in enumerate((("Daurade", 1.44), ("Daurade", 1.44), ("Jardin", 1.45), ("Jardin", 1.45)))
    ]
    assert trail(undigest([digest(moves[:3]), digest(moves[3:])], NacellesSummary), "nacelle-1") == trail(
        moves, "nacelle-1"
    )
