"""Inspection patterns: coverage, spacing from overlaps, standoff, and the mission items."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from firmware_bridge.mission_item import MavCmd
from fleet.errors import InfeasibleMission
from fleet.model import (
    AreaTarget,
    CameraModel,
    CorridorTarget,
    GeoPoint,
    Inspection,
    StructureTarget,
    TimeWindow,
    Vehicle,
)
from fleet.patterns import LocalFrame, PatternPlan, plan_inspection
from fleet.patterns.survey import area_survey
from fleet.qgc_plan import QgcPlan, from_json, to_json

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=3))
FRAME = LocalFrame(139.70, 35.69)
HOME = GeoPoint(139.6950, 35.6850)
CAMERA = CameraModel(13.2, 8.8, 8.8, 5472, 3648, min_trigger_interval_s=2.0)
SLOW = settings(max_examples=25, deadline=None)


def _lon_lat(points_xy: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    return tuple(FRAME.to_lon_lat(points_xy))


def _xy(points: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    return np.array(FRAME.to_xy([(p[0], p[1]) for p in points]))


def _inspection(
    target: object, gsd: float = 2.0, front: float = 0.75, side: float = 0.65
) -> Inspection:
    return Inspection("i", target, CAMERA, gsd, WINDOW, front, side)  # type: ignore[arg-type]


def _commands(plan: PatternPlan) -> list[int]:
    return [int(item.command) for item in plan.items]


@st.composite
def star_polygons(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Star-shaped (often concave) polygons 40-400 m across, around the frame origin."""
    count = draw(st.integers(3, 9))
    angles = sorted(
        draw(
            st.lists(
                st.floats(0, 2 * math.pi),
                min_size=count,
                max_size=count,
                unique_by=lambda a: round(a, 2),
            )
        )
    )
    radii = draw(st.lists(st.floats(20, 200), min_size=count, max_size=count))
    points = [(r * math.cos(a), r * math.sin(a)) for r, a in zip(radii, angles, strict=True)]
    shape = Polygon(points)
    if not shape.is_valid or shape.area < 500:
        points = [(150 * math.cos(a), 100 * math.sin(a)) for a in (0, 2, 4)]
    return points


@SLOW
@given(
    polygon=star_polygons(),
    gsd=st.floats(1.5, 4.0),
    front=st.floats(0.5, 0.85),
    side=st.floats(0.4, 0.8),
    angle=st.none() | st.floats(0, 180),
)
def test_survey_covers_every_point_within_half_a_footprint(
    drone: Vehicle,
    polygon: list[tuple[float, float]],
    gsd: float,
    front: float,
    side: float,
    angle: float | None,
) -> None:
    insp = _inspection(AreaTarget(_lon_lat(polygon)), gsd, front, side)
    plan = area_survey(insp, drone, HOME, angle_deg=angle)
    across, along = plan.scan.footprint_m
    bearing = math.radians(plan.scan.track_angle_deg or 0.0)
    track = np.array([math.sin(bearing), math.cos(bearing)])
    normal = np.array([-track[1], track[0]])
    photos = _xy(plan.photo_points)
    area = Polygon(polygon)
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = area.bounds
    samples = [p for p in rng.uniform((x0, y0), (x1, y1), (400, 2)) if area.contains(Point(p))]
    for p in [*samples, *polygon]:
        d = photos - np.asarray(p)
        inside = (np.abs(d @ track) <= along / 2 + 1e-3) & (np.abs(d @ normal) <= across / 2 + 1e-3)
        assert inside.any(), f"{p} is not in any photo"


@SLOW
@given(front=st.floats(0.5, 0.85), side=st.floats(0.4, 0.8), angle=st.floats(0, 180))
def test_survey_spacing_and_trigger_follow_the_overlaps(
    drone: Vehicle, front: float, side: float, angle: float
) -> None:
    square = [(-150.0, -150.0), (150.0, -150.0), (150.0, 150.0), (-150.0, 150.0)]
    plan = area_survey(
        _inspection(AreaTarget(_lon_lat(square)), 2.0, front, side), drone, HOME, angle_deg=angle
    )
    across, along = CAMERA.footprint_m(CAMERA.distance_for_gsd_m(2.0))
    assert plan.scan.pass_spacing_m == pytest.approx(across * (1 - side))
    assert plan.scan.trigger_distance_m == pytest.approx(along * (1 - front))
    bearing = math.radians(plan.scan.track_angle_deg or 0.0)
    track = np.array([math.sin(bearing), math.cos(bearing)])
    photos = _xy(plan.photo_points)
    offsets = np.unique(np.round(photos @ np.array([-track[1], track[0]]), 1))
    assert np.diff(offsets) == pytest.approx(across * (1 - side), abs=0.2)
    gaps = np.linalg.norm(np.diff(photos, axis=0), axis=1)
    within_pass = gaps[gaps < across * (1 - side) * 0.99]
    assert within_pass == pytest.approx(along * (1 - front), abs=0.01)


def test_survey_altitude_items_and_photo_count(drone: Vehicle) -> None:
    rect = [(-200.0, -60.0), (200.0, -60.0), (200.0, 60.0), (-200.0, 60.0)]
    plan = plan_inspection(_inspection(AreaTarget(_lon_lat(rect)), gsd=2.5), drone, HOME)
    expected_alt = 0.025 * 8.8 * 5472 / 13.2  # gsd * focal * image_width / sensor_width
    waypoints = [i for i in plan.items if i.command == MavCmd.NAV_WAYPOINT]
    assert {round(w.z, 6) for w in waypoints} == {round(expected_alt, 6)}
    cmds = _commands(plan)
    assert cmds[:3] == [
        MavCmd.NAV_TAKEOFF,
        MavCmd.DO_CHANGE_SPEED,
        MavCmd.DO_GIMBAL_MANAGER_PITCHYAW,
    ]
    assert plan.items[2].param1 == -90.0 and cmds[-1] == MavCmd.NAV_RETURN_TO_LAUNCH
    triggers = [i.param1 for i in plan.items if i.command == MavCmd.DO_SET_CAM_TRIGG_DIST]
    assert triggers[0::2] == [plan.scan.trigger_distance_m] * (len(triggers) // 2)
    assert triggers[1::2] == [0.0] * (len(triggers) // 2)
    # The long side is 400 m: transects run along it, so few of them.
    assert plan.scan.track_angle_deg == pytest.approx(90.0)
    across = CAMERA.footprint_m(expected_alt)[0] * 0.35
    assert len(triggers) // 2 == math.ceil(120 / across)
    assert plan.photo_count > 0 and plan.flight_time_s > plan.distance_m / drone.cruise_speed_mps
    assert 0 < plan.energy_wh < drone.mission_energy_wh


@pytest.mark.parametrize(("home_x", "east_first"), [(600.0, True), (-600.0, False)])
def test_survey_enters_at_the_end_nearest_home(
    drone: Vehicle, home_x: float, east_first: bool
) -> None:
    rect = [(-300.0, -50.0), (300.0, -50.0), (300.0, 50.0), (-300.0, 50.0)]
    home = GeoPoint(*FRAME.to_lon_lat([(home_x, 0.0)])[0])
    plan = area_survey(_inspection(AreaTarget(_lon_lat(rect))), drone, home)
    first = next(i for i in plan.items if i.command == MavCmd.NAV_WAYPOINT)
    x, _ = FRAME.to_xy([(first.lon_deg, first.lat_deg)])[0]
    assert (x > 0) == east_first
    assert plan.entry_lon_lat == (first.lon_deg, first.lat_deg)
    last = [i for i in plan.items if i.command == MavCmd.NAV_WAYPOINT][-1]
    assert plan.exit_lon_lat == (last.lon_deg, last.lat_deg)


@st.composite
def polylines(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Polylines of 2-4 segments, 80-300 m each, turning at most 50 degrees at a vertex."""
    heading = draw(st.floats(0, 2 * math.pi))
    points = [(0.0, 0.0)]
    for _ in range(draw(st.integers(1, 3))):
        length = draw(st.floats(80, 300))
        x, y = points[-1]
        points.append((x + length * math.cos(heading), y + length * math.sin(heading)))
        heading += math.radians(draw(st.floats(-50, 50)))
    return points


@SLOW
@given(line=polylines(), width=st.floats(10, 120), side=st.floats(0.4, 0.8))
def test_corridor_covers_its_buffer(
    drone: Vehicle, line: list[tuple[float, float]], width: float, side: float
) -> None:
    insp = _inspection(CorridorTarget(_lon_lat(line), width), side=side)
    plan = plan_inspection(insp, drone, HOME, check_battery=False)
    across, along = plan.scan.footprint_m
    reach = math.hypot(across, along) / 2  # half a footprint, corner to centre
    corridor = LineString(line).buffer(width / 2, cap_style="flat")
    photos = _xy(plan.photo_points)
    rng = np.random.default_rng(1)
    x0, y0, x1, y1 = corridor.bounds
    samples = [p for p in rng.uniform((x0, y0), (x1, y1), (400, 2)) if corridor.contains(Point(p))]
    for p in samples:
        assert np.min(np.linalg.norm(photos - p, axis=1)) <= reach + 1e-3
    passes = sum(1 for i in plan.items if i.command == MavCmd.DO_SET_CAM_TRIGG_DIST) // 2
    assert passes == max(1, math.ceil(width / plan.scan.pass_spacing_m - 1e-9))


@SLOW
@given(
    size=st.tuples(st.floats(8, 60), st.floats(8, 60)),
    height=st.floats(5, 120),
    base=st.floats(0, 20),
    standoff=st.none() | st.floats(5, 40),
)
def test_structure_orbits_at_standoff_from_base_to_top(
    drone: Vehicle, size: tuple[float, float], height: float, base: float, standoff: float | None
) -> None:
    w, h = size
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    target = StructureTarget(_lon_lat(corners), height, base_agl_m=base, standoff_m=standoff)
    plan = plan_inspection(_inspection(target, gsd=0.8), drone, HOME, check_battery=False)
    footprint = Polygon(corners)
    expected_standoff = standoff if standoff is not None else CAMERA.distance_for_gsd_m(0.8)
    assert plan.scan.camera_distance_m == pytest.approx(expected_standoff)
    orbit = [i for i in plan.items if i.command == MavCmd.NAV_WAYPOINT]
    for x, y in FRAME.to_xy([(item.lon_deg, item.lat_deg) for item in orbit]):
        assert footprint.distance(Point(x, y)) == pytest.approx(expected_standoff, abs=0.01)
    layers = sorted({round(i.z, 6) for i in orbit})
    image_height = plan.scan.footprint_m[1]
    assert layers[0] - image_height / 2 <= max(base, 2.0) + 1e-6
    assert layers[-1] + image_height / 2 >= base + height - 1e-6
    spacing = plan.scan.pass_spacing_m
    assert all(gap <= spacing + 1e-6 for gap in np.diff(layers))
    unclamped = [alt for alt in layers if alt > 2.0 + 1e-6]
    assert np.diff(unclamped) == pytest.approx(spacing) if len(unclamped) > 1 else True
    rois = [i for i in plan.items if i.command == MavCmd.DO_SET_ROI_LOCATION]
    assert len(rois) == len(orbit)  # every orbit waypoint is flown facing the facade
    for x, y in FRAME.to_xy([(roi.lon_deg, roi.lat_deg) for roi in rois]):
        assert footprint.exterior.distance(Point(x, y)) < 0.01
    assert _commands(plan)[-2:] == [MavCmd.DO_SET_ROI_NONE, MavCmd.NAV_RETURN_TO_LAUNCH]


def test_plan_refuses_vehicles_that_cannot_inspect(drone: Vehicle, robot: Vehicle) -> None:
    target = AreaTarget(_lon_lat([(0.0, 0.0), (100.0, 0.0), (0.0, 100.0)]))
    with pytest.raises(InfeasibleMission, match="ground_robot"):
        plan_inspection(_inspection(target), robot, HOME)
    from dataclasses import replace

    blind = replace(drone, capabilities=replace(drone.capabilities, camera=None))
    with pytest.raises(InfeasibleMission, match="carries no camera"):
        plan_inspection(_inspection(target), blind, HOME)


def test_slow_camera_slows_the_vehicle(drone: Vehicle) -> None:
    target = AreaTarget(_lon_lat([(0.0, 0.0), (200.0, 0.0), (0.0, 200.0)]))
    plan = plan_inspection(
        _inspection(target, gsd=0.5, front=0.85), drone, HOME, check_battery=False
    )
    assert plan.speed_mps == pytest.approx(
        plan.scan.trigger_distance_m / CAMERA.min_trigger_interval_s
    )
    assert plan.speed_mps < drone.cruise_speed_mps
    assert plan.items[1].param2 == pytest.approx(plan.speed_mps)


def test_pattern_exports_to_a_qgc_plan(drone: Vehicle) -> None:
    target = CorridorTarget(_lon_lat([(0.0, 0.0), (300.0, 100.0)]), 40.0)
    plan = plan_inspection(_inspection(target), drone, HOME)
    back = from_json(to_json(QgcPlan(plan.items)))
    assert [i.command for i in back.mission_items] == _commands(plan)


def test_pattern_beyond_one_battery_is_refused_with_the_figures(drone: Vehicle) -> None:
    big = AreaTarget(_lon_lat([(-900.0, -900.0), (900.0, -900.0), (900.0, 900.0), (-900.0, 900.0)]))
    insp = _inspection(big, gsd=1.0)
    with pytest.raises(InfeasibleMission, match=r"inspection 'i': the pattern needs .* Wh .*d1"):
        plan_inspection(insp, drone, HOME)
    plan = plan_inspection(insp, drone, HOME, check_battery=False)
    assert plan.energy_wh > drone.mission_energy_wh
