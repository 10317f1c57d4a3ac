"""Typed telemetry events, free of pymavlink: what a :class:`Vehicle` publishes.

Units and datums are in the names; times are the hub clock's seconds (monotonic).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from firmware_bridge.px4 import FlightMode
from firmware_bridge.streams import Stream

MISSION_STATE_COMPLETE = 5  # MAV_MISSION_STATE_COMPLETE


class LandedState(IntEnum):
    """MAV_LANDED_STATE."""

    UNDEFINED = 0
    ON_GROUND = 1
    IN_AIR = 2
    TAKEOFF = 3
    LANDING = 4


@dataclass(frozen=True, slots=True)
class Position:
    """GLOBAL_POSITION_INT: WGS84 lon/lat, altitude AMSL and above home, velocity NED."""

    lon_deg: float
    lat_deg: float
    alt_amsl_m: float
    alt_rel_home_m: float
    vn_mps: float
    ve_mps: float
    vd_mps: float
    heading_deg: float | None
    time_s: float


@dataclass(frozen=True, slots=True)
class Battery:
    """BATTERY_STATUS / SYS_STATUS: remaining charge and pack voltage."""

    remaining_pct: float | None
    voltage_v: float | None
    current_a: float | None
    time_s: float


@dataclass(frozen=True, slots=True)
class ModeState:
    """The PX4 flight mode from HEARTBEAT (published when it changes)."""

    mode: FlightMode
    custom_mode: int
    time_s: float


@dataclass(frozen=True, slots=True)
class ArmedState:
    """Armed flag from HEARTBEAT base_mode (published when it changes)."""

    armed: bool
    time_s: float


@dataclass(frozen=True, slots=True)
class ReadyToArm:
    """SYS_STATUS pre-arm check (MAV_SYS_STATUS_PREARM_CHECK): whether arming would pass its
    preflight checks now (published when it changes; never by a vehicle that does not report
    the bit)."""

    ready: bool
    time_s: float


@dataclass(frozen=True, slots=True)
class LandedStateEvent:
    """EXTENDED_SYS_STATE landed state (published when it changes)."""

    state: LandedState
    time_s: float


@dataclass(frozen=True, slots=True)
class MissionProgress:
    """MISSION_CURRENT / MISSION_ITEM_REACHED: current item, item count, last reached item.

    ``total`` is ``None`` when the vehicle's MISSION_CURRENT has no ``total`` field (older
    MAVLink) and no mission was uploaded through this bridge; ``reached_seq`` is -1 until an
    item is reached; ``state`` is MISSION_CURRENT.mission_state (MAV_MISSION_STATE, 0 when the
    vehicle does not send it).
    """

    current_seq: int
    total: int | None
    reached_seq: int
    time_s: float
    state: int = 0

    @property
    def finished(self) -> bool:
        """Whether the last item has been reached (or the vehicle says the mission is complete)."""
        if self.state == MISSION_STATE_COMPLETE:
            return True
        return self.total is not None and self.total > 0 and self.reached_seq >= self.total - 1


@dataclass(frozen=True, slots=True)
class StatusText:
    """STATUSTEXT: a message for the operator with its MAV_SEVERITY (0 emergency .. 7 debug)."""

    severity: int
    text: str
    time_s: float


@dataclass(frozen=True, slots=True)
class LinkState:
    """Link health: ``connected`` flips to False after the heartbeat timeout, back on the next."""

    connected: bool
    time_s: float


class Telemetry:
    """One stream per kind of event; each has ``.latest`` and async iteration."""

    def __init__(self) -> None:
        self.position: Stream[Position] = Stream()
        self.battery: Stream[Battery] = Stream()
        self.flight_mode: Stream[ModeState] = Stream()
        self.armed: Stream[ArmedState] = Stream()
        self.ready_to_arm: Stream[ReadyToArm] = Stream()
        self.landed_state: Stream[LandedStateEvent] = Stream()
        self.mission_progress: Stream[MissionProgress] = Stream()
        self.status_text: Stream[StatusText] = Stream()
        self.link: Stream[LinkState] = Stream()

    def close(self) -> None:
        """End every iteration over every stream."""
        for stream in (
            self.position,
            self.battery,
            self.flight_mode,
            self.armed,
            self.ready_to_arm,
            self.landed_state,
            self.mission_progress,
            self.status_text,
            self.link,
        ):
            stream.close()
