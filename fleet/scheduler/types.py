"""What the scheduler takes and returns: the problem, the schedule, and re-planning changes.

All frozen dataclasses. Times are timezone-aware UTC; energies in Wh of battery drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fleet.model import Delivery, Dock, GeoPoint, Inspection, Vehicle
from fleet.scheduler.errors import SchedulerError

Mission = Delivery | Inspection


@dataclass(frozen=True, slots=True)
class InspectionWork:
    """The flight an inspection needs once at its entry point: time and energy."""

    entry: GeoPoint
    duration_s: float
    energy_wh: float


InspectionWorkFn = Callable[[Inspection, Vehicle], InspectionWork]


@dataclass(frozen=True, slots=True)
class VehicleAvailability:
    """When and where a vehicle can start new work (after a flight in the air, say)."""

    vehicle_id: str
    dock_id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class DockOccupancy:
    """A dock slot already held from ``start`` to ``end`` (a recharge of a trip in the air)."""

    dock_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SchedulingProblem:
    """Missions to place on a fleet between ``start`` and ``end``.

    ``transfer_points`` are where a drone hands a parcel to a ground robot (relay deliveries).
    ``availability`` overrides, per vehicle, its default (home dock, ``start``).
    ``occupied`` are dock slots already held (re-planning passes the recharges of frozen
    trips), so new recharges never exceed a dock's slots together with them.
    """

    vehicles: tuple[Vehicle, ...]
    docks: tuple[Dock, ...]
    missions: tuple[Mission, ...]
    start: datetime
    end: datetime
    transfer_points: tuple[GeoPoint, ...] = ()
    availability: tuple[VehicleAvailability, ...] = ()
    occupied: tuple[DockOccupancy, ...] = ()

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise SchedulerError("scheduling problem: start and end must be timezone-aware")
        if self.end <= self.start:
            raise SchedulerError(f"scheduling problem: end {self.end} is not after {self.start}")
        _unique("vehicle", [v.id for v in self.vehicles])
        _unique("dock", [d.id for d in self.docks])
        _unique("mission", [m.id for m in self.missions])
        docks = {d.id for d in self.docks}
        for v in self.vehicles:
            if v.home_dock_id not in docks:
                raise SchedulerError(f"vehicle {v.id!r}: unknown home dock {v.home_dock_id!r}")
        for o in self.occupied:
            if o.dock_id not in docks:
                raise SchedulerError(f"occupied slot: unknown dock {o.dock_id!r}")

    def dock(self, dock_id: str) -> Dock:
        """The dock with this id."""
        return next(d for d in self.docks if d.id == dock_id)


def _unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise SchedulerError(f"scheduling problem: duplicate {what} id {i!r}")
        seen.add(i)


class StopKind(StrEnum):
    """What a vehicle does at a stop."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"
    HANDOVER = "handover"  # drone leaves the parcel at a transfer point
    COLLECT = "collect"  # ground robot takes it there
    INSPECT = "inspect"


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: the mission, what is done, where, and when the vehicle arrives, starts the
    work (after any wait for the window) and leaves.

    An area survey too large for one battery is flown in parts, one INSPECT stop each, at the
    part's entry; ``part`` says which of :func:`fleet.patterns.survey_parts` (called with the
    inspection flown with the vehicle's camera, its nearest dock and 85 % of its budget).
    """

    mission_id: str
    kind: StopKind
    point: GeoPoint
    arrival: datetime
    begin: datetime
    departure: datetime
    part: int | None = None  # of a split survey: index in fleet.patterns.survey_parts' output


@dataclass(frozen=True, slots=True)
class Trip:
    """One battery's worth of work: from a dock, through stops, to a dock (then recharge).

    The recharge or swap holds one of the end dock's slots from :attr:`recharge_begin` to
    ``ready_again``; between ``arrival`` and it the vehicle waits on the apron for a free slot.
    """

    start_dock_id: str
    end_dock_id: str
    departure: datetime
    arrival: datetime
    stops: tuple[Stop, ...]
    energy_wh: float
    distance_m: float
    ready_again: datetime
    recharge_start: datetime | None = None  # None: at arrival (no wait for a slot)

    @property
    def recharge_begin(self) -> datetime:
        """When the recharge or swap starts (after any wait for a free dock slot)."""
        return self.arrival if self.recharge_start is None else self.recharge_start

    @property
    def mission_ids(self) -> tuple[str, ...]:
        """Missions touched by this trip, in order, without repeats."""
        return tuple(dict.fromkeys(s.mission_id for s in self.stops))


@dataclass(frozen=True, slots=True)
class VehicleSchedule:
    """A vehicle's ordered trips."""

    vehicle_id: str
    trips: tuple[Trip, ...]

    @property
    def energy_wh(self) -> float:
        """Energy drawn over all trips."""
        return sum(t.energy_wh for t in self.trips)


class UnassignedReason(StrEnum):
    """Why a mission is not in the schedule."""

    NO_CAPABLE_VEHICLE = "no_capable_vehicle"
    WINDOW_INFEASIBLE = "window_infeasible"
    BEYOND_RANGE = "beyond_range"
    FLEET_BUSY = "fleet_busy"  # feasible alone, but the fleet is used by higher-value work
    VEHICLE_FAILED = "vehicle_failed"  # was in the air on a vehicle that failed
    DOCK_SLOTS_FULL = "dock_slots_full"  # waiting for a free dock slot made it miss its window


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A mission left out, with the reason and a human-readable detail."""

    mission_id: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """Per-vehicle trips with ETAs and energy, and every mission left out with its reason."""

    start: datetime
    vehicles: tuple[VehicleSchedule, ...]
    unassigned: tuple[Unassigned, ...]
    solver_runtime_s: float = 0.0

    @property
    def trips(self) -> tuple[tuple[str, Trip], ...]:
        """Every ``(vehicle_id, trip)`` pair."""
        return tuple((v.vehicle_id, t) for v in self.vehicles for t in v.trips)

    @property
    def makespan(self) -> timedelta:
        """From ``start`` to the last trip's arrival (zero when nothing is scheduled)."""
        ends = [t.arrival for _, t in self.trips]
        return max(ends) - self.start if ends else timedelta(0)

    @property
    def vehicles_used(self) -> int:
        """Vehicles with at least one trip."""
        return sum(1 for v in self.vehicles if v.trips)

    @property
    def energy_wh(self) -> float:
        """Energy drawn by the whole fleet."""
        return sum(v.energy_wh for v in self.vehicles)

    def assignment(self) -> dict[str, str]:
        """Mission id -> vehicle id (a relay mission maps to the drone's id)."""
        out: dict[str, str] = {}
        for vehicle_id, trip in self.trips:
            for mission_id in trip.mission_ids:
                out.setdefault(mission_id, vehicle_id)
        return out


class ChangeKind(StrEnum):
    """How re-planning changed a mission."""

    ADDED = "added"
    MOVED = "moved"  # to another vehicle
    RETIMED = "retimed"  # same vehicle, ETA moved by more than a minute
    DROPPED = "dropped"  # was scheduled, now unassigned
    KEPT_IN_FLIGHT = "kept_in_flight"


@dataclass(frozen=True, slots=True)
class Change:
    """One mission's change between two schedules."""

    mission_id: str
    kind: ChangeKind
    detail: str


@dataclass(frozen=True, slots=True)
class Replan:
    """The new schedule and what changed relative to the previous one."""

    schedule: Schedule
    changes: tuple[Change, ...]
