"""Fixtures for the fleet model tests: a typical camera, vehicles and a dock near Shinjuku."""

from __future__ import annotations

import pytest

from fleet.model import CameraModel, Capabilities, Dock, Vehicle, VehicleKind

SHINJUKU = (139.6917, 35.6895)


@pytest.fixture(scope="session")
def camera() -> CameraModel:
    """A 1-inch 20 MP camera (DJI Phantom 4 Pro class)."""
    return CameraModel(13.2, 8.8, 8.8, 5472, 3648, min_trigger_interval_s=2.0, name="1in")


@pytest.fixture(scope="session")
def drone(camera: CameraModel) -> Vehicle:
    """A 3 kg quadcopter carrying up to 2 kg, with a camera."""
    return Vehicle(
        id="d1",
        kind=VehicleKind.MULTICOPTER,
        empty_mass_kg=3.0,
        payload_capacity_kg=2.0,
        battery_wh=200.0,
        cruise_speed_mps=12.0,
        home_dock_id="dock-a",
        capabilities=Capabilities(camera=camera, gimbal=True),
    )


@pytest.fixture(scope="session")
def robot() -> Vehicle:
    """A sidewalk delivery robot."""
    return Vehicle(
        id="r1",
        kind=VehicleKind.GROUND_ROBOT,
        empty_mass_kg=40.0,
        payload_capacity_kg=10.0,
        battery_wh=1000.0,
        cruise_speed_mps=1.5,
        home_dock_id="dock-a",
    )


@pytest.fixture(scope="session")
def dock() -> Dock:
    """A charging dock in Shinjuku."""
    return Dock("dock-a", *SHINJUKU, slots=4, charge_power_w=500.0)
