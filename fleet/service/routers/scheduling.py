"""``/scheduling``: preview or run the dispatcher's scheduling of the operator's requested missions.

The same engine as the service's dispatch loop (:mod:`fleet.dispatch`): one problem per dock,
transfer points picked for relays, vehicles available after their booked flights and queued
sorties. ``run`` moves the placed missions to ``scheduled``; with ``approve`` it hands their
sorties to the dispatcher, which books those whose vehicles are free now and each other one
when its vehicles are back (never against a planned return).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from fleet.dispatch.engine import Round
from fleet.dispatch.loop import client_round
from fleet.dispatch.schedule import run_scheduler, scheduling_problems
from fleet.scheduler import Schedule
from fleet.service.context import ServiceContext
from fleet.service.deps import Commander, ContextDep
from fleet.service.errors import BadRequest
from fleet.service.schemas import ERRORS, AwareDatetime, Strict
from fleet.service.security import Principal
from fleet.storage.tables import Dock, VehicleRow

router = APIRouter(prefix="/scheduling", tags=["scheduling"], responses=ERRORS)


class ScheduleRequest(Strict):
    """How to schedule: from when, over how long, and the solver's time budget."""

    start: AwareDatetime | None = Field(default=None, description="default: now")
    horizon_h: float = Field(default=24.0, gt=0, le=24 * 14)
    time_limit_s: float = Field(default=2.0, gt=0, le=60)
    approve: bool = Field(
        default=False,
        description="also hand the sorties to the dispatcher, which books each one when its "
        "vehicles are back (run only)",
    )


class TripOut(BaseModel):
    """One trip of a vehicle: which missions, when, energy and distance."""

    departure: datetime
    arrival: datetime
    mission_ids: list[int]
    energy_wh: float
    distance_m: float


class VehiclePlanOut(BaseModel):
    """A vehicle's trips."""

    vehicle_id: int
    trips: list[TripOut]


class UnassignedOut(BaseModel):
    """A mission left out, with the reason."""

    mission_id: int
    reason: str
    detail: str


class NotApprovedOut(BaseModel):
    """A scheduled mission ``approve`` did not book now: failed with the reason, or queued
    until its vehicles are back."""

    mission_id: int
    reason: str


class ScheduleOut(BaseModel):
    """The schedule; ``scheduled_mission_ids`` lists the missions a run moved to scheduled."""

    vehicles: list[VehiclePlanOut]
    unassigned: list[UnassignedOut]
    scheduled_mission_ids: list[int] = Field(default_factory=list)
    approved_mission_ids: list[int] = Field(default_factory=list)
    not_approved: list[NotApprovedOut] = Field(default_factory=list)


@router.post("/preview", response_model=ScheduleOut)
async def preview(body: ScheduleRequest, context: ContextDep, user: Commander) -> ScheduleOut:
    """What the scheduler would do now; nothing changes."""
    await run_in_threadpool(_check_fleet, context, user)
    plan, invalid = await run_in_threadpool(_preview, context, user, body)
    return _out(plan, invalid, [])


@router.post("/run", response_model=ScheduleOut)
async def run(body: ScheduleRequest, context: ContextDep, user: Commander) -> ScheduleOut:
    """Schedule and move every placed mission to ``scheduled`` on its vehicle; with
    ``approve``, the dispatcher books each sortie when its vehicles are back."""
    await run_in_threadpool(_check_fleet, context, user)
    done = await client_round(
        context,
        user.operator_id,
        start=body.start or context.clock(),
        horizon=timedelta(hours=body.horizon_h),
        time_limit_s=body.time_limit_s,
        approve=body.approve,
        actor=user.actor,
    )
    out = _out(done.round.plan, _invalid(done.round), done.round.scheduled)
    out.approved_mission_ids = done.approved
    out.not_approved = [
        NotApprovedOut(mission_id=k, reason=v) for k, v in done.not_approved.items()
    ]
    return out


def _check_fleet(context: ServiceContext, user: Principal) -> None:
    """Raises: BadRequest: the operator has no dock or no vehicle with a home dock."""
    with context.sessions() as session:
        dock = session.exec(select(Dock).where(Dock.operator_id == user.operator_id)).first()
        vehicle = session.exec(
            select(VehicleRow).where(
                VehicleRow.operator_id == user.operator_id,
                col(VehicleRow.home_dock_id).is_not(None),
            )
        ).first()
    if dock is None or vehicle is None:
        raise BadRequest("register docks and vehicles with a home_dock_id before scheduling")


def _preview(
    context: ServiceContext, user: Principal, body: ScheduleRequest
) -> tuple[Schedule, dict[int, str]]:
    start = body.start or context.clock()
    with context.sessions() as session:
        posed = scheduling_problems(
            session, context.city, user.operator_id, start, timedelta(hours=body.horizon_h)
        )
    return run_scheduler(posed.problems, start, body.time_limit_s), posed.invalid


def _invalid(done: Round) -> dict[int, str]:
    """The missions refused before scheduling (not among the scheduler's left-outs)."""
    out = {int(u.mission_id) for u in done.plan.unassigned}
    return {k: v for k, v in done.left_out.items() if k not in out}


def _out(plan: Schedule, invalid: dict[int, str], moved: list[int]) -> ScheduleOut:
    vehicles = [
        VehiclePlanOut(
            vehicle_id=int(v.vehicle_id),
            trips=[
                TripOut(
                    departure=t.departure,
                    arrival=t.arrival,
                    energy_wh=t.energy_wh,
                    distance_m=t.distance_m,
                    mission_ids=list(
                        dict.fromkeys(int(s.mission_id) for s in t.stops if s.mission_id)
                    ),
                )
                for t in v.trips
            ],
        )
        for v in plan.vehicles
    ]
    unassigned = [
        UnassignedOut(mission_id=int(u.mission_id), reason=u.reason.value, detail=u.detail)
        for u in plan.unassigned
    ] + [UnassignedOut(mission_id=int(k), reason="invalid", detail=v) for k, v in invalid.items()]
    return ScheduleOut(vehicles=vehicles, unassigned=unassigned, scheduled_mission_ids=moved)
