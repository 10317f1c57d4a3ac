"""Domain model: validation names the object and field, derived quantities are right."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleet.errors import ValidationError
from fleet.model import (
    AreaTarget,
    CameraModel,
    CorridorTarget,
    Delivery,
    Dock,
    GeoPoint,
    Inspection,
    Priority,
    Recurrence,
    StructureTarget,
    TimeWindow,
    Vehicle,
)

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
JST = timezone(timedelta(hours=9))


def _delivery(**changes: object) -> Delivery:
    base = Delivery(
        id="p1",
        pickup=GeoPoint(139.70, 35.69),
        dropoff=GeoPoint(139.75, 35.70, height_agl_m=2.0),
        payload_kg=1.0,
        earliest_pickup=T0,
        latest_delivery=T0 + timedelta(hours=1),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_vehicle_energy_budget(drone: Vehicle) -> None:
    assert drone.usable_energy_wh == pytest.approx(180.0)
    assert drone.reserve_wh == pytest.approx(36.0)
    assert drone.mission_energy_wh == pytest.approx(144.0)
    assert drone.flies and drone.capabilities.can_inspect


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("empty_mass_kg", 0.0, "empty_mass_kg must be > 0"),
        ("battery_wh", -5.0, "battery_wh must be > 0"),
        ("usable_fraction", 1.5, "usable_fraction must be in"),
        ("reserve_fraction", 1.0, "reserve_fraction must be in"),
        ("cruise_speed_mps", float("nan"), "cruise_speed_mps must be > 0"),
        ("home_dock_id", "", "home_dock_id must not be empty"),
    ],
)
def test_vehicle_validation_names_vehicle_and_field(
    drone: Vehicle, field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=f"vehicle 'd1': {message}"):
        dataclasses.replace(drone, **{field: value})  # type: ignore[arg-type]


def test_dock_needs_a_way_to_recharge() -> None:
    with pytest.raises(ValidationError, match="dock 'x': give charge_power_w or swap_time_s"):
        Dock("x", 139.7, 35.7)
    with pytest.raises(ValidationError, match="not a WGS84"):
        Dock("x", 35.7, 139.7, swap_time_s=60.0)  # lat/lon swapped


def test_dock_recharge_time_charge_and_swap(dock: Dock) -> None:
    assert dock.recharge_time_s(100.0) == pytest.approx(720.0)
    assert dataclasses.replace(dock, swap_time_s=90.0).recharge_time_s(100.0) == 90.0


def test_delivery_times_are_normalised_to_utc() -> None:
    d = _delivery(earliest_pickup=T0.astimezone(JST))
    assert d.earliest_pickup.tzinfo is UTC and d.earliest_pickup == T0
    assert d.window.duration == timedelta(hours=1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"payload_kg": 0.0}, "payload_kg must be > 0"),
        ({"latest_delivery": T0}, "must be after earliest_pickup"),
        ({"earliest_pickup": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"dropoff": GeoPoint(139.70, 35.69)}, "pickup and dropoff coincide"),
    ],
)
def test_delivery_validation(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=f"delivery 'p1': .*{message}"):
        _delivery(**changes)


def test_relay_flags_and_priority_order() -> None:
    assert not _delivery().needs_relay
    assert _delivery(robot_only_dropoff=True).needs_relay
    assert _delivery(relay_requested=True).needs_relay
    ranks = sorted(Priority, key=lambda p: p.rank)
    assert ranks == [Priority.NORMAL, Priority.URGENT, Priority.MEDICAL]


def test_targets_refuse_degenerate_geometry() -> None:
    with pytest.raises(ValidationError, match="area target: polygon needs >= 3"):
        AreaTarget(((139.7, 35.7), (139.71, 35.7), (139.7, 35.7)))
    bowtie = ((0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0))
    with pytest.raises(ValidationError, match="self-intersects"):
        AreaTarget(bowtie)
    with pytest.raises(ValidationError, match="width_m must be > 0"):
        CorridorTarget(((139.7, 35.7), (139.71, 35.7)), width_m=0.0)
    with pytest.raises(ValidationError, match="height_m must be > 0"):
        StructureTarget(((0.0, 0.0), (0.001, 0.0), (0.001, 0.001)), height_m=0.0)


def test_inspection_recurrence_windows(camera: CameraModel) -> None:
    window = TimeWindow(T0, T0 + timedelta(hours=2))
    target = AreaTarget(((139.70, 35.69), (139.701, 35.69), (139.701, 35.691)))
    weekly = Recurrence(timedelta(days=7), count=3)
    insp = Inspection("i1", target, camera, 2.0, window, recurrence=weekly)
    assert [w.start for w in insp.occurrences] == [T0 + timedelta(days=7 * i) for i in range(3)]
    with pytest.raises(ValidationError, match="inspection 'i1': front_overlap"):
        dataclasses.replace(insp, front_overlap=0.99)


@given(
    gsd=st.floats(0.1, 20.0),
    focal=st.floats(2.0, 50.0),
    sensor_w=st.floats(2.0, 40.0),
    width_px=st.integers(500, 10000),
)
def test_gsd_and_distance_are_inverse(
    gsd: float, focal: float, sensor_w: float, width_px: int
) -> None:
    cam = CameraModel(sensor_w, sensor_w * 0.75, focal, width_px, int(width_px * 0.75))
    distance = cam.distance_for_gsd_m(gsd)
    assert cam.gsd_cm_per_px(distance) == pytest.approx(gsd)
    across_m, _ = cam.footprint_m(distance)
    assert across_m == pytest.approx(gsd / 100.0 * width_px)
