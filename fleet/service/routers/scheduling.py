"""``/scheduling``: preview or run the fleet scheduler over the operator's requested missions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fleet.service.context import ServiceContext
from fleet.service.deps import Commander, ContextDep
from fleet.service.scheduling import Outcome, apply, approve_scheduled, build_and_schedule
from fleet.service.schemas import ERRORS, AwareDatetime, Strict
from fleet.service.security import Principal

router = APIRouter(prefix="/scheduling", tags=["scheduling"], responses=ERRORS)


class ScheduleRequest(Strict):
    """How to schedule: from when, over how long, and the solver's time budget."""

    start: AwareDatetime | None = Field(default=None, description="default: now")
    horizon_h: float = Field(default=24.0, gt=0, le=24 * 14)
    time_limit_s: float = Field(default=2.0, gt=0, le=60)
    approve: bool = Field(
        default=False,
        description="also plan, reserve and approve each scheduled delivery (run only)",
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
    """A scheduled mission that ``approve`` could not approve (it stays scheduled)."""

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
    outcome = await run_in_threadpool(_solve, context, user, body, False)
    return _out(outcome, [])


@router.post("/run", response_model=ScheduleOut)
async def run(body: ScheduleRequest, context: ContextDep, user: Commander) -> ScheduleOut:
    """Schedule and move every assigned mission to ``scheduled`` on its vehicle; with
    ``approve``, then plan, reserve and approve each of them in its vehicle's trip order."""
    outcome, moved = await run_in_threadpool(_solve_and_apply, context, user, body)
    out = _out(outcome, moved)
    if body.approve:
        approved, refused = await run_in_threadpool(approve_scheduled, context, user, outcome)
        out.approved_mission_ids = approved
        out.not_approved = [NotApprovedOut(mission_id=k, reason=v) for k, v in refused.items()]
    return out


def _solve(context: ServiceContext, user: Principal, body: ScheduleRequest, _: bool) -> Outcome:
    with context.sessions() as session:
        return build_and_schedule(
            session,
            user.operator_id,
            start=body.start or context.clock(),
            horizon=timedelta(hours=body.horizon_h),
            time_limit_s=body.time_limit_s,
        )


def _solve_and_apply(
    context: ServiceContext, user: Principal, body: ScheduleRequest
) -> tuple[Outcome, list[int]]:
    with context.sessions() as session:
        outcome = build_and_schedule(
            session,
            user.operator_id,
            start=body.start or context.clock(),
            horizon=timedelta(hours=body.horizon_h),
            time_limit_s=body.time_limit_s,
        )
        rows = apply(session, outcome, actor=user.actor, now=context.clock())
        session.commit()
    for row in rows:
        context.bus.publish_mission_state(row)
    return outcome, [r.id for r in rows if r.id is not None]


def _out(outcome: Outcome, moved: list[int]) -> ScheduleOut:
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
        for v in outcome.schedule.vehicles
    ]
    unassigned = [
        UnassignedOut(mission_id=int(u.mission_id), reason=u.reason.value, detail=u.detail)
        for u in outcome.schedule.unassigned
    ] + [
        UnassignedOut(mission_id=int(k), reason="invalid", detail=v)
        for k, v in outcome.invalid.items()
    ]
    return ScheduleOut(vehicles=vehicles, unassigned=unassigned, scheduled_mission_ids=moved)


def _ids(stops: Any) -> list[int]:
    return list(dict.fromkeys(int(s.mission_id) for s in stops if s.mission_id))
