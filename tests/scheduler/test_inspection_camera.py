"""Inspections go only to vehicles whose camera can fly them (model required, GSD under ceiling)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fleet.errors import InfeasibleMission
from fleet.model import CameraModel, Capabilities, GeoPoint
from fleet.patterns import plan_inspection
from fleet.scheduler import UnassignedReason, schedule
from tests.scheduler.helpers import CAMERA, area_inspection, check_schedule, drone, problem

FAST = {"time_limit_s": 2.0, "max_iterations": 200, "seed": 1}
# A 1/2.3" sensor with a short lens: coarser pixels, so a coarse GSD is reached lower down.
SMALL = CameraModel(6.17, 4.55, 4.5, 4000, 3000, name="1/2.3in")


def with_camera(vid: str, camera: CameraModel):  # type: ignore[no-untyped-def]
    return replace(drone(vid, "dock0"), capabilities=Capabilities(camera=camera, gimbal=True))


def reasons(s):  # type: ignore[no-untyped-def]
    return {u.mission_id: (u.reason, u.detail) for u in s.unassigned}


def test_required_camera_model_goes_only_to_a_vehicle_carrying_it() -> None:
    survey = replace(area_inspection(), camera_required=True)
    p = problem([with_camera("small", SMALL), with_camera("big", CAMERA)], [survey])
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    assert s.assignment() == {"survey": "big"}
    alone = schedule(problem([with_camera("small", SMALL)], [survey]), **FAST)
    reason, detail = reasons(alone)["survey"]
    assert reason is UnassignedReason.NO_CAPABLE_VEHICLE
    assert "not the required '1-inch'" in detail


def test_gsd_the_camera_reaches_only_above_the_ceiling_is_refused() -> None:
    coarse = replace(area_inspection(), gsd_cm_per_px=5.0)  # the 1-inch camera needs 182 m
    assert CAMERA.distance_for_gsd_m(5.0) > coarse.ceiling_agl_m
    assert SMALL.distance_for_gsd_m(5.0) <= coarse.ceiling_agl_m
    p = problem([with_camera("big", CAMERA), with_camera("small", SMALL)], [coarse])
    s = schedule(p, **FAST)
    assert check_schedule(p, s) == []
    assert s.assignment() == {"survey": "small"}
    alone = schedule(problem([with_camera("big", CAMERA)], [coarse]), **FAST)
    reason, detail = reasons(alone)["survey"]
    assert reason is UnassignedReason.NO_CAPABLE_VEHICLE
    assert "above the 150 m ceiling" in detail


def test_pattern_altitude_comes_from_the_flying_vehicles_camera() -> None:
    survey = area_inspection()
    home = GeoPoint(139.699, 35.689)
    for camera in (CAMERA, SMALL):
        plan = plan_inspection(survey, with_camera("v", camera), home, check_battery=False)
        assert plan.scan.camera_distance_m == pytest.approx(camera.distance_for_gsd_m(2.0))
    with pytest.raises(InfeasibleMission, match="ceiling"):
        plan_inspection(replace(survey, gsd_cm_per_px=5.0), with_camera("v", CAMERA), home)
