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
from fleet.model import Mission
from fleet.scheduler import Schedule, SchedulingProblem, schedule
from fleet.service.approval_kinds import approve_mission
from fleet.service.context import ServiceContext
from fleet.service.domain import domain_dock, domain_mission, domain_vehicle
from fleet.service.errors import BadRequest, ServiceError
from fleet.service.security import Principal
from fleet.storage.tables import Dock as DockRow
from fleet.storage.tables import MissionRow, VehicleRow


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


def _mission_ids(trips: Any) -> list[str]:
    return list(dict.fromkeys(s.mission_id for t in trips for s in t.stops if s.mission_id))
