"""Firmware bridge: everything MAVLink.

Transports (UDP, TCP, serial, in-memory), one connection serving many vehicles, PX4 specifics
(custom modes, arming, mission and command protocols, geofence upload) and MAVLink 2 signing.
Raw messages become typed telemetry events and typed command results at this package's
boundary: no pymavlink object leaves it.

The public API, importable from here (loaded on first use, so importing
:mod:`firmware_bridge.mission_item` alone does not load pymavlink)::

    from firmware_bridge import MavlinkHub, FlightMode

    async with MavlinkHub.open("udpin://0.0.0.0:14540") as hub:
        vehicle = await hub.wait_vehicle()
        await vehicle.upload_mission(items)
        await vehicle.arm()
        await vehicle.start_mission()
        async for progress in vehicle.telemetry.mission_progress:
            if progress.finished:
                break
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from firmware_bridge.codec import SigningConfig
    from firmware_bridge.commands import CommandPolicy, MavResult
    from firmware_bridge.hub import Bridge, HubConfig, MavlinkHub
    from firmware_bridge.mission_protocol import MissionPolicy
    from firmware_bridge.params import ParamPolicy
    from firmware_bridge.px4 import FlightMode
    from firmware_bridge.telemetry import (
        ArmedState,
        Battery,
        LandedState,
        LandedStateEvent,
        LinkState,
        MissionProgress,
        ModeState,
        Position,
        ReadyToArm,
        StatusText,
    )
    from firmware_bridge.vehicle import ActionPolicy, Vehicle, VehicleInfo

_EXPORTS = {
    "SigningConfig": "codec",
    "CommandPolicy": "commands",
    "MavResult": "commands",
    "Bridge": "hub",
    "HubConfig": "hub",
    "MavlinkHub": "hub",
    "MissionPolicy": "mission_protocol",
    "ParamPolicy": "params",
    "FlightMode": "px4",
    "ArmedState": "telemetry",
    "ReadyToArm": "telemetry",
    "Battery": "telemetry",
    "LandedState": "telemetry",
    "LandedStateEvent": "telemetry",
    "LinkState": "telemetry",
    "MissionProgress": "telemetry",
    "ModeState": "telemetry",
    "Position": "telemetry",
    "StatusText": "telemetry",
    "ActionPolicy": "vehicle",
    "Vehicle": "vehicle",
    "VehicleInfo": "vehicle",
}
__all__ = [
    "ActionPolicy",
    "ArmedState",
    "Battery",
    "Bridge",
    "CommandPolicy",
    "FlightMode",
    "HubConfig",
    "LandedState",
    "LandedStateEvent",
    "LinkState",
    "MavResult",
    "MavlinkHub",
    "MissionPolicy",
    "MissionProgress",
    "ModeState",
    "ParamPolicy",
    "Position",
    "ReadyToArm",
    "SigningConfig",
    "StatusText",
    "Vehicle",
    "VehicleInfo",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'firmware_bridge' has no attribute {name!r}")
    return getattr(importlib.import_module(f"firmware_bridge.{module}"), name)
