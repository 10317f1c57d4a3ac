"""A survey larger than one battery is scheduled as separate trips, one per part."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fleet.errors import InfeasibleMission
from fleet.model import AreaTarget, GeoPoint, Inspection, TimeWindow
from fleet.patterns import LocalFrame, plan_inspection, survey_parts
from fleet.scheduler import StopKind, UnassignedReason, schedule
from tests.scheduler.helpers import CAMERA, T0, check_schedule, docks, drone, problem

FRAME = LocalFrame(139.70, 35.69)


def big_survey(width_m: float = 1200.0, height_m: float = 900.0) -> Inspection:
    ring = [(0.0, 0.0), (width_m, 0.0), (width_m, height_m), (0.0, height_m)]
    window = TimeWindow(T0, T0 + timedelta(hours=8))
    return Inspection("big", AreaTarget(tuple(FRAME.to_lon_lat(ring))), CAMERA, 2.0, window)


def test_big_survey_is_flown_part_by_part_with_a_swap_between() -> None:
    small = drone("d0", "dock1", battery_wh=120.0, camera=True)
    survey = big_survey()
    dock = docks()[1]
    home = GeoPoint(dock.lon_deg, dock.lat_deg)
    with pytest.raises(InfeasibleMission, match="split the target"):
        plan_inspection(survey, small, home)  # one battery is not enough
    p = problem([small], [survey], hours=9)
    s = schedule(p, time_limit_s=3.0, max_iterations=300, seed=1)
    assert check_schedule(p, s) == []  # each trip within the battery, swaps between trips
    assert s.assignment() == {"big": "d0"}
    parts = survey_parts(survey, small, home, small.mission_energy_wh * 0.85)
    assert len(parts) >= 2
    flown = {
        st.part: (n, st.point.lon_lat)
        for n, (_, trip) in enumerate(s.trips)
        for st in trip.stops
        if st.kind is StopKind.INSPECT
    }
    assert sorted(flown) == list(range(len(parts)))
    assert len({n for n, _ in flown.values()}) == len(parts)  # one trip per part
    for j, part in enumerate(parts):
        assert flown[j][1] == pytest.approx(part.plan.entry_lon_lat)


def test_parts_that_cannot_all_be_flown_in_the_window_leave_the_whole_survey_out() -> None:
    small = drone("d0", "dock1", battery_wh=120.0, camera=True)
    short = replace(big_survey(), window=TimeWindow(T0, T0 + timedelta(minutes=30)))
    p = problem([small], [short], hours=9)
    s = schedule(p, time_limit_s=2.0, max_iterations=200, seed=1)
    assert check_schedule(p, s) == []
    assert s.assignment() == {}
    assert [(u.mission_id, u.reason) for u in s.unassigned] == [
        ("big", UnassignedReason.FLEET_BUSY)
    ]
