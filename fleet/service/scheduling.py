"""Scheduling through the service: stored rows -> :mod:`fleet.scheduler` -> assignments.

``preview`` only reports; ``run`` also moves every assigned ``requested`` mission to
``scheduled`` on its vehicle (one transaction, audited), and with ``approve`` plans, reserves
and approves them (:mod:`fleet.service.approval`). Missions the scheduler leaves out keep their
state and come back with the scheduler's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from airspace.errors import AirspaceError
from fleet import lifecycle
from fleet.errors import FleetError
from fleet.model import (
    AreaTarget,
    CameraModel,
    Capabilities,
    CorridorTarget,
    Delivery,
    Dock,
    GeoPoint,
    Inspection,
    Mission,
    Priority,
    StructureTarget,
    TimeWindow,
    Vehicle,
    VehicleKind,
)
from fleet.scheduler import Schedule, SchedulingProblem, schedule
from fleet.service.approval import approve_delivery
from fleet.service.context import ServiceContext
from fleet.service.errors import BadRequest, ServiceError
from fleet.service.security import Principal
from fleet.storage.tables import Dock as DockRow
from fleet.storage.tables import MissionRow, VehicleRow

EMPTY_MASS_KG = {"multicopter": 6.0, "ground_robot": 40.0}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The schedule plus the missions refused before scheduling (invalid for the domain)."""

    schedule: Schedule
    invalid: dict[str, str]


def build_and_schedule(
    session: Session, operator_id: int, *, start: datetime, horizon: timedelta, time_limit_s: float
) -> Outcome:
    """Schedule the operator's ``requested`` missions over its vehicles and docks.

    Raises:
        BadRequest: the operator has no docks or no vehicle with a home dock.
    """
    docks = [
        _dock(d) for d in session.exec(select(DockRow).where(DockRow.operator_id == operator_id))
    ]
    vehicles = [
        _vehicle(v)
        for v in session.exec(select(VehicleRow).where(VehicleRow.operator_id == operator_id))
        if v.home_dock_id is not None
    ]
    if not docks or not vehicles:
        raise BadRequest("register docks and vehicles with a home_dock_id before scheduling")
    query = select(MissionRow).where(
        MissionRow.operator_id == operator_id, MissionRow.state == "requested"
    )
    missions: list[Mission] = []
    invalid: dict[str, str] = {}
    for row in session.exec(query):
        try:
            missions.append(_mission(row))
        except (FleetError, KeyError, ValueError, TypeError) as exc:
            invalid[str(row.id)] = str(exc)
    problem = SchedulingProblem(
        tuple(vehicles), tuple(docks), tuple(missions), start, start + horizon
    )
    return Outcome(schedule(problem, time_limit_s=time_limit_s, seed=0), invalid)


def apply(session: Session, outcome: Outcome, *, actor: str, now: datetime) -> list[MissionRow]:
    """Move each assigned mission to ``scheduled`` on its vehicle (the caller commits)."""
    moved = []
    for vehicle_schedule in outcome.schedule.vehicles:
        for mission_id in _mission_ids(vehicle_schedule.trips):
            row = lifecycle.schedule(
                session, int(mission_id), actor, commit=False, clock=lambda: now
            )
            row.vehicle_id = int(vehicle_schedule.vehicle_id)
            session.add(row)
            moved.append(row)
    return moved


def approve_scheduled(
    context: ServiceContext, user: Principal, outcome: Outcome, *, turnaround_s: float = 120.0
) -> tuple[list[int], dict[int, str]]:
    """Plan, reserve and approve the scheduled missions of ``outcome``, in trip order.

    A mission departs no earlier than its trip's departure nor before its drone is back from
    the previous one (plus ``turnaround_s`` for the battery swap and loading).

    Returns:
        The approved mission ids, and the reason for each mission left ``scheduled``.
    """
    approved: list[int] = []
    refused: dict[int, str] = {}
    for vehicle_schedule in outcome.schedule.vehicles:
        free_at: datetime | None = None
        for trip in vehicle_schedule.trips:
            for mission_id in _mission_ids([trip]):
                start = trip.departure if free_at is None else max(trip.departure, free_at)
                try:
                    done = approve_delivery(
                        context,
                        int(mission_id),
                        user.operator_id,
                        actor=user.actor,
                        not_before=start,
                    )
                except (FleetError, ServiceError, AirspaceError) as exc:
                    refused[int(mission_id)] = str(exc)
                    continue
                approved.append(int(mission_id))
                free_at = done.back_at + timedelta(seconds=turnaround_s)
    return approved, refused


def _mission_ids(trips: Any) -> list[str]:
    return list(dict.fromkeys(s.mission_id for t in trips for s in t.stops if s.mission_id))


def _dock(row: DockRow) -> Dock:
    return Dock(
        str(row.id), row.lon_deg, row.lat_deg, row.slots, row.charge_power_w, row.swap_time_s
    )


def _vehicle(row: VehicleRow) -> Vehicle:
    spec = row.spec
    camera = CameraModel(13.2, 8.8, 8.8, 5472, 3648) if spec.get("camera") else None
    return Vehicle(
        id=str(row.id),
        kind=VehicleKind(row.kind),
        empty_mass_kg=EMPTY_MASS_KG[row.kind],
        payload_capacity_kg=float(spec.get("payload_capacity_kg", 2.0)),
        battery_wh=float(spec.get("battery_wh", 500.0)),
        cruise_speed_mps=float(spec.get("cruise_speed_mps", 12.0)),
        home_dock_id=str(row.home_dock_id),
        capabilities=Capabilities(camera=camera),
    )


def _point(data: dict[str, Any]) -> GeoPoint:
    return GeoPoint(float(data["lon_deg"]), float(data["lat_deg"]))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _mission(row: MissionRow) -> Mission:
    spec = row.spec
    if row.kind == "delivery":
        return Delivery(
            id=str(row.id),
            pickup=_point(spec["pickup"]),
            dropoff=_point(spec["dropoff"]),
            payload_kg=float(spec["payload_kg"]),
            earliest_pickup=_time(spec["earliest_pickup"]),
            latest_delivery=_time(spec["latest_delivery"]),
            priority=Priority(row.priority),
            robot_only_dropoff=bool(spec.get("robot_only_dropoff", False)),
            relay_requested=bool(spec.get("relay_requested", False)),
        )
    cam = spec["camera"]
    return Inspection(
        id=str(row.id),
        target=_target(spec["target"]),
        camera=CameraModel(
            cam["sensor_width_mm"],
            cam["sensor_height_mm"],
            cam["focal_length_mm"],
            cam["image_width_px"],
            cam["image_height_px"],
        ),
        gsd_cm_per_px=float(spec["gsd_cm_per_px"]),
        window=TimeWindow(_time(spec["window_start"]), _time(spec["window_end"])),
        front_overlap=float(spec["front_overlap"]),
        side_overlap=float(spec["side_overlap"]),
        priority=Priority(row.priority),
    )


def _target(data: dict[str, Any]) -> AreaTarget | CorridorTarget | StructureTarget:
    if data["type"] == "area":
        return AreaTarget(tuple((p[0], p[1]) for p in data["polygon"]))
    if data["type"] == "corridor":
        return CorridorTarget(tuple((p[0], p[1]) for p in data["polyline"]), data["width_m"])
    return StructureTarget(
        tuple((p[0], p[1]) for p in data["footprint"]),
        data["height_m"],
        standoff_m=data.get("standoff_m"),
    )
