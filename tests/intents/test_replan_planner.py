"""The fixes wired to the real planner on a generated city: busy volumes become zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airspace.city import generate_city
from airspace.deconfliction import (
    Accepted,
    DeconflictionEngine,
    FixKind,
    FixSettings,
    FlightRequest,
    PlanRequest,
    Reserved,
    plan_and_reserve,
)
from airspace.deconfliction.replan import planner_for, volume_as_zone
from airspace.intents import new_intent
from airspace.planner import Planner
from airspace.route import AltitudeReference
from airspace.zones import ZoneKind
from tests.intents.helpers import disc

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(
        generate_city(seed=5, n_buildings=120), min_cruise_agl_m=40.0, ceiling_agl_m=120.0
    )


def test_volume_becomes_a_temporary_restriction() -> None:
    v = disc(0, 0, 80.0, 50.0, 90.0, 0, 600)
    zone = volume_as_zone(v, "busy-1")
    assert zone.kind is ZoneKind.TEMPORARY_RESTRICTION
    assert zone.altitude_reference is AltitudeReference.W84
    assert (zone.floor_m, zone.ceiling_m) == (50.0, 90.0)
    assert (zone.start, zone.end) == (v.time_start, v.time_end)


def test_second_flight_on_the_same_path_gets_a_fix(planner: Planner) -> None:
    city = planner.city
    lon0, lat0 = city.frame.lon0_deg, city.frame.lat0_deg
    route_planner = planner_for(planner, (lon0 - 0.004, lat0, 0.0), (lon0 + 0.004, lat0, 0.0))
    engine = DeconflictionEngine()
    first = plan_and_reserve(engine, route_planner, FlightRequest("a", "op1", T0))
    assert isinstance(first, Reserved) and first.fix.kind is FixKind.NONE
    second = plan_and_reserve(engine, route_planner, FlightRequest("b", "op2", T0))
    assert isinstance(second, Reserved) and second.fix.kind is not FixKind.NONE
    assert not engine.find_conflicts(second.accepted.intent.volumes, exclude=("b",))


def test_reroute_avoids_a_busy_column(planner: Planner) -> None:
    city = planner.city
    lon0, lat0 = city.frame.lon0_deg, city.frame.lat0_deg
    route_planner = planner_for(planner, (lon0 - 0.004, lat0, 0.0), (lon0 + 0.004, lat0, 0.0))
    straight = route_planner(PlanRequest(T0))
    mid = straight.waypoints[len(straight.waypoints) // 2]
    from tests.intents.helpers import ORIGIN

    x, y = ORIGIN.to_xy_m(mid.lon_deg, mid.lat_deg)
    column = disc(x, y, 60.0, -100.0, 1000.0, -3600, 7200)
    engine = DeconflictionEngine()
    assert isinstance(engine.reserve(new_intent("column", "op9", (column,))), Accepted)
    settings = FixSettings(cruise_alternatives_agl_m=())
    result = plan_and_reserve(engine, route_planner, FlightRequest("c", "op1", T0), settings)
    assert isinstance(result, Reserved) and result.fix.kind is FixKind.REROUTE
