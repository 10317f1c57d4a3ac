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

from sqlmodel import Session, col, select

from airspace.errors import AirspaceError
from fleet import lifecycle
from fleet.errors import FleetError
from fleet.lifecycle import MissionState
from fleet.model import GeoPoint, Mission
from fleet.scheduler import (
    Schedule,
    SchedulingProblem,
    StopKind,
    VehicleAvailability,
    schedule,
)
from fleet.service.approval_kinds import approve_mission
from fleet.service.context import ServiceContext
from fleet.service.domain import domain_dock, domain_mission, domain_vehicle
from fleet.service.errors import BadRequest, ServiceError
from fleet.service.security import Principal
from fleet.storage.tables import Dock as DockRow
from fleet.storage.tables import MissionLeg, MissionRow, VehicleRow


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
        domain_dock(d)
        for d in session.exec(select(DockRow).where(DockRow.operator_id == operator_id))
    ]
    vehicles = [
        domain_vehicle(v)
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
            missions.append(domain_mission(row))
        except (FleetError, KeyError, ValueError, TypeError) as exc:
            invalid[str(row.id)] = str(exc)
    ids = {v.id for v in vehicles}
    problem = SchedulingProblem(
        tuple(vehicles),
        tuple(docks),
        tuple(missions),
        start,
        start + horizon,
        transfer_points=_transfer_points(session, operator_id),
        availability=tuple(a for a in busy_until(session, start) if a.vehicle_id in ids),
    )
    return Outcome(schedule(problem, time_limit_s=time_limit_s, seed=0), invalid)


def busy_until(session: Session, start: datetime) -> list[VehicleAvailability]:
    """Vehicles with approved or flying legs, free at their last planned landing after
    ``start`` (at their home dock) plus that dock's recharge or swap for the leg's energy: new
    work is planned after the flight already booked, from a charged battery."""
    live = [MissionState.APPROVED, MissionState.UPLOADED, MissionState.IN_FLIGHT]
    rows = session.exec(
        select(MissionLeg, VehicleRow)
        .join(MissionRow, col(MissionLeg.mission_id) == col(MissionRow.id))
        .join(VehicleRow, col(MissionLeg.vehicle_id) == col(VehicleRow.id))
        .where(col(MissionRow.state).in_([s.value for s in live]))
    ).all()
    until: dict[int, tuple[datetime, int | None, float]] = {}
    for leg, vehicle in rows:
        landing = datetime.fromisoformat(leg.route["waypoints"][-1]["time"])
        if landing > start and landing > until.get(vehicle.id or 0, (start, None, 0.0))[0]:
            energy_wh = float(leg.route.get("energy_wh") or 0.0)
            until[vehicle.id or 0] = (landing, vehicle.home_dock_id, energy_wh)
    out = []
    for vehicle_id, (landing, dock_id, energy_wh) in until.items():
        dock = session.get(DockRow, dock_id) if dock_id is not None else None
        turnaround_s = domain_dock(dock).recharge_time_s(energy_wh) if dock else 0.0
        ready = landing + timedelta(seconds=turnaround_s)
        out.append(VehicleAvailability(str(vehicle_id), str(dock_id), ready))
    return out


def _transfer_points(session: Session, operator_id: int) -> tuple[GeoPoint, ...]:
    """The transfer points booked with the operator's requested relay deliveries."""
    query = select(MissionRow).where(
        MissionRow.operator_id == operator_id,
        MissionRow.state == "requested",
        MissionRow.kind == "delivery",
    )
    points = []
    for row in session.exec(query):
        given = row.spec.get("transfer")
        if isinstance(given, dict):
            points.append(GeoPoint(float(given["lon_deg"]), float(given["lat_deg"])))
    return tuple(dict.fromkeys(points))


def apply(session: Session, outcome: Outcome, *, actor: str, now: datetime) -> list[MissionRow]:
    """Move each assigned mission to ``scheduled`` on its vehicle (the caller commits).

    A relay is in its drone's and its robot's trips; it is scheduled on the drone (the robot is
    chosen when it is approved, :mod:`fleet.service.relay`).
    """
    moved = []
    for mission_id, vehicle_id in _assignment(outcome.schedule).items():
        row = lifecycle.schedule(session, int(mission_id), actor, commit=False, clock=lambda: now)
        row.vehicle_id = int(vehicle_id)
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
                if int(mission_id) in approved or int(mission_id) in refused:
                    continue  # a relay, already tried from its drone's or robot's trips
                start = trip.departure if free_at is None else max(trip.departure, free_at)
                try:
                    done = approve_mission(
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


def _assignment(plan: Schedule) -> dict[str, str]:
    """Mission id -> the vehicle carrying it from its pickup (a relay's drone, not its robot)."""
    out: dict[str, str] = {}
    for vehicle_id, trip in plan.trips:
        for stop in trip.stops:
            if stop.mission_id and stop.kind is not StopKind.COLLECT:
                out.setdefault(stop.mission_id, vehicle_id)
    return out


def _mission_ids(trips: Any) -> list[str]:
    return list(dict.fromkeys(s.mission_id for t in trips for s in t.stops if s.mission_id))
