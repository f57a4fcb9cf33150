"""Demonstration Nacelles feed: three consultation pods, one fixed, two moved between public spaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.models import FetchResult, NacelleRecord, NacelleStatus
from dashboard.sources.demo.base import DemoSource
from dashboard.sources.demo.clock import PARIS
from dashboard.sources.demo.noise import Stream, keyed_rng
from dashboard.sources.demo.places import NACELLE_EVENTS, NACELLE_PLACES, NacellePlace

_STINT_DAYS = 3  # the movable pods may change place every third day
_MOVE_HOURS = (8, 20)  # local hours of the half-day a move takes, on the first day of a stint
_OPEN_HOURS = (10, 19)  # local opening hours of a placed pod
_FIXED_PLACE = 0  # index in NACELLE_PLACES of allées Jules-Guesde, where Nacelle 1 always stays
_MOVABLE_PLACES = tuple(i for i in range(len(NACELLE_PLACES)) if i != _FIXED_PLACE)
_PODS = 3


@dataclass(frozen=True, slots=True)
class _Position:
    """Where a pod is during a stint, and whether it is still on its way there."""

    place: NacellePlace
    stint: int
    in_transit: bool


def _movable_places(seed: int, stint: int) -> tuple[int, int]:
    """Places (indices in NACELLE_PLACES) of Nacelles 2 and 3 during `stint`: two different ones of the three."""
    first, second = keyed_rng(seed, Stream.NACELLE_MOVES, stint).permutation(len(_MOVABLE_PLACES))[:2]
    return _MOVABLE_PLACES[first], _MOVABLE_PLACES[second]


def _position(seed: int, pod: int, local: datetime) -> _Position:
    """Where pod `pod` (0-based) is at local (Europe/Paris) time `local`."""
    day = local.date().toordinal()
    stint, day_in_stint = divmod(day, _STINT_DAYS)
    # A stint starts when moves start on its first day; before that the last stint goes on.
    if day_in_stint == 0 and local.hour < _MOVE_HOURS[0]:
        stint -= 1
    if pod == 0:
        return _Position(NACELLE_PLACES[_FIXED_PLACE], stint, in_transit=False)
    place = _movable_places(seed, stint)[pod - 1]
    moved = place != _movable_places(seed, stint - 1)[pod - 1]
    moving = moved and day_in_stint == 0 and _MOVE_HOURS[0] <= local.hour < _MOVE_HOURS[1]
    return _Position(NACELLE_PLACES[place], stint, in_transit=moving)


def _event(seed: int, place: NacellePlace, stint: int) -> str:
    """The consultation held at `place` during `stint`; places never share one during a stint."""
    order = keyed_rng(seed, Stream.NACELLE_EVENTS, stint).permutation(len(NACELLE_EVENTS))
    return NACELLE_EVENTS[int(order[NACELLE_PLACES.index(place)])]


class DemoNacellesSource(DemoSource):
    """Positions, status and current consultation of the three Nacelles, deterministic in (seed, time).

    A pod in transit is shown at its destination, so the map never puts it between two places (across
    the Garonne, say); `place` then names the destination and `event` is empty.
    """

    name = "demo-nacelles"
    layer = "nacelles"

    def fetch(self, now: datetime) -> FetchResult:
        """Every pod at the simulated time matching real time `now`."""
        sim = self.clock.sim(now)
        local = sim.astimezone(PARIS)
        records = []
        for pod in range(_PODS):
            position = _position(self.seed, pod, local)
            if position.in_transit:
                status, event = NacelleStatus.IN_TRANSIT, ""
            else:
                is_open = _OPEN_HOURS[0] <= local.hour < _OPEN_HOURS[1]
                status = NacelleStatus.OPEN if is_open else NacelleStatus.CLOSED
                event = _event(self.seed, position.place, position.stint)
            records.append(
                NacelleRecord(
                    id=f"nacelle-{pod + 1}",
                    name=f"Nacelle {pod + 1}",
                    lon=position.place.lon,
                    lat=position.place.lat,
                    status=status,
                    place=position.place.name,
                    event=event,
                )
            )
        return FetchResult(records=tuple(records), fetched_at=sim)
