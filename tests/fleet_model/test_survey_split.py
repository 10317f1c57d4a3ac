"""A survey too big for one battery is split into parts: each transect once, each part fits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.errors import InfeasibleMission
from fleet.model import AreaTarget, CameraModel, GeoPoint, Inspection, TimeWindow, Vehicle
from fleet.patterns import LocalFrame, area_survey, survey_parts

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
FRAME = LocalFrame(139.70, 35.69)
CAMERA = CameraModel(13.2, 8.8, 8.8, 5472, 3648, min_trigger_interval_s=2.0, name="1in")


def rectangle(width_m: float, height_m: float) -> Inspection:
    ring = [(0.0, 0.0), (width_m, 0.0), (width_m, height_m), (0.0, height_m)]
    target = AreaTarget(tuple(FRAME.to_lon_lat(ring)))
    return Inspection("big", target, CAMERA, 2.0, TimeWindow(T0, T0 + timedelta(hours=8)))


def photos_m(points: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    return np.array(FRAME.to_xy([(p[0], p[1]) for p in points]))


def one_to_one(a: np.ndarray, b: np.ndarray, tolerance_m: float = 0.05) -> bool:
    """Every point of ``a`` has exactly one point of ``b`` within the tolerance, and back."""
    if len(a) != len(b):
        return False
    close = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2) < tolerance_m
    return bool((close.sum(axis=0) == 1).all() and (close.sum(axis=1) == 1).all())


@settings(max_examples=6, deadline=None)
@given(
    width_m=st.floats(400.0, 900.0),
    height_m=st.floats(300.0, 700.0),
    battery_wh=st.floats(60.0, 150.0),
)
def test_every_transect_is_flown_once_and_every_part_fits_the_battery(
    drone: Vehicle, width_m: float, height_m: float, battery_wh: float
) -> None:
    small = replace(drone, battery_wh=battery_wh)
    survey = rectangle(width_m, height_m)
    home = GeoPoint(*FRAME.to_lon_lat([(-100.0, -100.0)])[0])
    whole = area_survey(survey, small, home)
    parts = survey_parts(survey, small, home)
    assert len(parts) >= 2 or whole.energy_wh <= small.mission_energy_wh
    flown = [i for p in parts for i in p.transects]
    assert sorted(flown) == list(range(len(flown)))  # each transect of the survey once
    for p in parts:
        assert list(p.transects) == list(range(p.transects[0], p.transects[-1] + 1))
        assert p.plan.energy_wh <= small.mission_energy_wh  # reserve kept
    every_photo = np.vstack([photos_m(p.plan.photo_points) for p in parts])
    assert one_to_one(every_photo, photos_m(whole.photo_points))


def test_parts_have_their_own_entry_and_exit(drone: Vehicle) -> None:
    small = replace(drone, battery_wh=80.0)
    home = GeoPoint(*FRAME.to_lon_lat([(-100.0, -100.0)])[0])
    parts = survey_parts(rectangle(800.0, 600.0), small, home)
    assert len(parts) >= 3
    entries = {p.plan.entry_lon_lat for p in parts}
    exits = {p.plan.exit_lon_lat for p in parts}
    assert len(entries) == len(parts) and len(exits) == len(parts)


def test_a_transect_longer_than_a_battery_cannot_be_split(drone: Vehicle) -> None:
    tiny = replace(drone, battery_wh=10.0)
    home = GeoPoint(*FRAME.to_lon_lat([(0.0, 0.0)])[0])
    with pytest.raises(InfeasibleMission, match="transect 0 alone"):
        survey_parts(rectangle(3000.0, 300.0), tiny, home)
