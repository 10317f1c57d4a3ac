"""Routes to mission items: take-off, a waypoint per airborne point, landing; heights above home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airspace.route import Route, Waypoint
from firmware_bridge.mission_item import MavCmd
from fleet.runner.items import drive_items, flight_items

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _route(points: list[tuple[float, float, float]]) -> Route:
    wps = tuple(
        Waypoint(lon, lat, 40.0 + agl, 40.0, T0 + timedelta(seconds=10 * i))
        for i, (lon, lat, agl) in enumerate(points)
    )
    return Route(wps, length_m=1.0, duration_s=10.0 * (len(wps) - 1))


def test_flight_items_take_off_fly_and_land_with_heights_above_home() -> None:
    route = _route([(139.70, 35.69, 0), (139.70, 35.69, 45), (139.71, 35.69, 60),
                    (139.71, 35.70, 45), (139.71, 35.70, 0)])  # fmt: skip
    items = flight_items(route)
    assert [i.command for i in items] == [MavCmd.NAV_TAKEOFF] + [MavCmd.NAV_WAYPOINT] * 3 + [
        MavCmd.DO_CHANGE_SPEED,
        MavCmd.NAV_LAND,
    ]
    assert items[0].z == pytest.approx(45.0)
    assert [i.z for i in items[1:4]] == pytest.approx([45.0, 60.0, 45.0])
    assert (items[-1].lon_deg, items[-1].lat_deg) == (139.71, 35.70)


def test_a_route_on_the_ground_cannot_be_flown() -> None:
    with pytest.raises(ValueError, match="never leaves the ground"):
        flight_items(_route([(139.70, 35.69, 0), (139.71, 35.69, 0)]))


def test_drive_items_skip_the_start_and_stay_on_the_ground() -> None:
    items = drive_items(_route([(139.70, 35.69, 0), (139.701, 35.69, 0), (139.702, 35.69, 0)]))
    assert [i.command for i in items] == [MavCmd.NAV_WAYPOINT] * 2 + [
        MavCmd.DO_CHANGE_SPEED,
        MavCmd.NAV_WAYPOINT,
    ]
    assert all(i.z == 0.0 for i in items)
    assert (items[-1].lon_deg, items[-1].lat_deg) == (139.702, 35.69)


def test_a_retimed_leg_is_flown_at_the_cruise_speed_it_stores() -> None:
    from fleet.lifecycle import MissionState
    from fleet.runner.observer import build_plan
    from fleet.runner.store import LegRecord, MissionWork, VehicleRecord
    from fleet.service.legs import PlannedLeg, leg_to_json
    from fleet.service.timing import SpeedProfile, retime

    planned = _route([(139.70, 35.69, 0), (139.70, 35.69, 45), (139.71, 35.69, 45),
                      (139.71, 35.69, 0)])  # fmt: skip
    timed = retime(planned, SpeedProfile(cruise_speed_mps=12.0, accel_mps2=3.0))
    stored = leg_to_json(PlannedLeg(1, timed, True, cruise_speed_mps=12.0))
    leg = LegRecord(0, 1, stored, None)
    work = MissionWork(1, 1, "delivery", MissionState.APPROVED, 0.0, (leg,))
    vehicle = VehicleRecord(1, "d1", "multicopter", "udp://:14540", 1, 1)
    plan = build_plan(work, leg, vehicle)
    speeds = [i.param2 for i in plan.items if i.command == MavCmd.DO_CHANGE_SPEED]
    assert speeds[0] == 12.0  # not the slower average speed of the retimed segments
