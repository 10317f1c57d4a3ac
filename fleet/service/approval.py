"""Approve a mission: plan its legs, reserve one intent for them, move it to ``approved``.

The one path from a scheduled mission to an approved one, shared by ``POST
/missions/{id}/approve``, ``POST /scheduling/run?approve=true`` and ``skyfleet demo``:

1. plan each flying leg over the city with the airspace planner, around the active zones;
2. on a conflict with the live intents, fix it the cheapest way
   (:func:`airspace.deconfliction.fixes.plan_and_reserve`: delay, other cruise height or
   reroute), searched on a snapshot of the committed intents;
3. book one operational intent for all the legs through
   :func:`fleet.service.reservations.reserve` (atomic across processes) whose transaction also
   writes the legs (in the form the runner reads) and the lifecycle changes; when another
   process took the space in between, search again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from airspace.deconfliction import DeconflictionEngine
from airspace.deconfliction.fixes import (
    Blocked,
    FixSettings,
    FlightRequest,
    PlanRequest,
    RoutePlanner,
    plan_and_reserve,
)
from airspace.deconfliction.replan import planner_for
from airspace.intents import PRIORITY_MEDICAL, PRIORITY_NORMAL, intent_from_json, new_intent
from airspace.intents.volume import Volume4D
from airspace.planner import VehicleProfile
from airspace.route import Route
from fleet import lifecycle
from fleet.lifecycle import MissionState
from fleet.service.context import ServiceContext
from fleet.service.errors import BadRequest, Conflict, NotFound
from fleet.service.events import EventBus
from fleet.service.legs import PlannedLeg, leg_to_json
from fleet.service.reservations import Booking, Refused, ReservationOutcome, reserve
from fleet.service.routes import active_zones
from fleet.service.timing import SpeedProfile, retime
from fleet.storage.tables import Dock, IntentRow, MissionLeg, MissionRow, VehicleRow

INTENT_PRIORITY = {"medical": PRIORITY_MEDICAL, "urgent": 50, "normal": PRIORITY_NORMAL}
"""F3548 intent priority of each mission priority."""


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """How approval plans.

    Attributes:
        lead_s: earliest departure after approval: the runner uploads at once and switches to
            Mission mode, then arms at the departure (about 1 s each on PX4 SITL at real
            time); a simulated fleet faster than real time needs more simulated seconds.
        handover_s: time at the dropoff before the flight back.
        accel_mps2: the drones' acceleration (they stop at every waypoint; reserved ETAs
            include it, see :mod:`fleet.service.timing`).
        land_speed_mps: their landing speed (PX4 ``MPC_LAND_SPEED``).
        race_attempts: new searches when another process books the space first.
        fixes: delay horizon, cruise alternatives and volume buffers of the fix search.
    """

    lead_s: float = 15.0
    handover_s: float = 20.0
    accel_mps2: float = 3.0
    land_speed_mps: float = 0.7
    race_attempts: int = 3
    fixes: FixSettings = field(default_factory=FixSettings)


def write_approval(
    session: Session,
    mission_id: int,
    legs: Sequence[PlannedLeg],
    intent_ids: Sequence[str | None],
    *,
    actor: str,
    now: datetime,
) -> MissionRow:
    """In the caller's transaction: schedule (if still requested), store the legs, approve.

    Returns:
        The mission row, now ``approved`` on the vehicle of its first flying leg (of its first
        leg when none flies).
    """
    mission = session.get(MissionRow, mission_id)
    if mission is not None and mission.state == MissionState.REQUESTED.value:
        lifecycle.schedule(session, mission_id, actor, commit=False, clock=lambda: now)
    for seq, (leg, intent_id) in enumerate(zip(legs, intent_ids, strict=True)):
        route = leg_to_json(leg)
        session.add(
            MissionLeg(
                mission_id=mission_id,
                seq=seq,
                vehicle_id=leg.vehicle_id,
                route=route,
                intent_id=intent_id,
            )
        )
    approved = lifecycle.approve(session, mission_id, actor, commit=False, clock=lambda: now)
    approved.vehicle_id = next((leg.vehicle_id for leg in legs if leg.flies), legs[0].vehicle_id)
    session.add(approved)
    return approved


def publish_approval(bus: EventBus, mission: MissionRow) -> None:
    """Tell subscribers the mission went through ``scheduled`` to ``approved``."""
    for state in (MissionState.SCHEDULED, MissionState.APPROVED):
        bus.emit(
            "mission.state",
            mission.operator_id,
            mission_id=mission.id,
            state=state.value,
            reason=None,
            vehicle_id=mission.vehicle_id,
        )


def book_legs(
    context: ServiceContext,
    mission: MissionRow,
    legs: Sequence[PlannedLeg],
    volumes: tuple[Volume4D, ...],
    *,
    actor: str,
    refuse_preemption: bool = False,
    now: datetime | None = None,
) -> ReservationOutcome:
    """Reserve one intent with ``volumes`` for ``legs`` and approve ``mission`` with them.

    Args:
        context: the running service.
        mission: the mission (``requested`` or ``scheduled``).
        legs: its legs, in order.
        volumes: the volumes reserving its flying legs.
        actor: who books (audited).
        refuse_preemption: refuse rather than preempt lower-priority intents.
        now: the booking time (default: ``context.clock()``).

    Returns:
        :class:`~fleet.service.reservations.Reserved` (committed, event published) or
        :class:`~fleet.service.reservations.Refused` (nothing written).
    """
    assert mission.id is not None
    mission_id = mission.id
    priority = INTENT_PRIORITY.get(mission.priority, PRIORITY_NORMAL)
    intent = new_intent(str(uuid.uuid4()), str(mission.operator_id), volumes, priority=priority)
    ids = [intent.id if leg.flies else None for leg in legs]
    when = now or context.clock()
    approved: list[MissionRow] = []

    def on_accept(session: Session, _row: IntentRow) -> None:
        approved.append(write_approval(session, mission_id, legs, ids, actor=actor, now=when))

    booking = Booking(intent, mission.operator_id, actor, mission_id=mission_id)
    outcome = reserve(
        context.sessions,
        booking,
        now=when,
        policy=context.deconfliction,
        on_accept=on_accept,
        refuse_preemption=refuse_preemption,
    )
    if approved and not isinstance(outcome, Refused):
        publish_approval(context.bus, approved[0])
    return outcome


@dataclass(frozen=True, slots=True)
class Approved:
    """An approved mission and when its vehicle is back (its last leg's arrival)."""

    mission: MissionRow
    back_at: datetime


def approve_delivery(
    context: ServiceContext,
    scheduled: Scheduled,
    *,
    actor: str,
    not_before: datetime | None = None,
    settings: ApprovalSettings | None = None,
) -> Approved:
    """Plan, deconflict, reserve and approve a scheduled delivery on its multicopter.

    The drone flies from its home dock (where the parcel is loaded) to the dropoff and back.

    Args:
        context: the running service (planner, database, clock, bus).
        scheduled: the mission, scheduled on a drone, with its dock (:func:`load_scheduled`).
        actor: who approves (audited).
        not_before: earliest departure (e.g. the scheduler's trip departure, or when the
            vehicle is back from its previous mission).
        settings: planning limits.

    Returns:
        The approved mission and when its drone is back at the dock.

    Raises:
        Conflict: no buildings loaded, or the airspace stays busy.
        BadRequest: not a delivery, or its vehicle is not a multicopter.
        PlanningError: no route exists (the planner says why).
    """
    s = settings or ApprovalSettings()
    mission, vehicle, dock = scheduled
    if mission.kind != "delivery" or vehicle.kind != "multicopter":
        raise BadRequest(f"mission {mission.id}: not a delivery by drone")
    for _ in range(s.race_attempts):
        legs, volumes = plan_flights(context, mission, vehicle, dock, s, not_before)
        outcome = book_legs(context, mission, legs, volumes, actor=actor)
        if not isinstance(outcome, Refused):
            with context.sessions() as session:
                row = session.get(MissionRow, mission.id)
                assert row is not None
                return Approved(row, legs[-1].route.arrival)
    raise Conflict(f"mission {mission.id}: the airspace was taken {s.race_attempts} times")


Scheduled = tuple[MissionRow, VehicleRow, Dock]
"""A scheduled mission, the vehicle it is scheduled on and that vehicle's home dock."""


def load_scheduled(context: ServiceContext, mission_id: int, operator_id: int) -> Scheduled:
    """The caller's scheduled mission, its vehicle and the vehicle's home dock.

    Raises:
        NotFound: no such mission of the caller's operator.
        Conflict: the mission is not scheduled on a vehicle.
        BadRequest: its vehicle has no home dock.
    """
    with context.sessions() as session:
        mission = session.get(MissionRow, mission_id)
        if mission is None or mission.operator_id != operator_id:
            raise NotFound(f"mission {mission_id} not found")
        if mission.state != MissionState.SCHEDULED.value or mission.vehicle_id is None:
            raise Conflict(
                f"mission {mission_id} is {mission.state}: only a mission scheduled on a vehicle "
                "can be approved (POST /scheduling/run first)"
            )
        vehicle = session.get(VehicleRow, mission.vehicle_id)
        dock = None if vehicle is None else session.get(Dock, vehicle.home_dock_id)
        if vehicle is None or dock is None:
            raise BadRequest(f"mission {mission_id}: its vehicle has no home dock")
        return mission, vehicle, dock


def plan_flights(
    context: ServiceContext,
    mission: MissionRow,
    vehicle: VehicleRow,
    dock: Dock,
    s: ApprovalSettings,
    not_before: datetime | None,
    to: tuple[float, float] | None = None,
) -> tuple[list[PlannedLeg], tuple[Volume4D, ...]]:
    """A delivery drone's flights from its dock to ``to`` (default: the dropoff) and back,
    each fixed against a snapshot of the live intents, and the volumes reserving them.

    Raises:
        Conflict: no buildings loaded, or no fix clears the airspace.
        PlanningError: no route exists.
    """
    if context.planner is None:
        raise Conflict("no buildings loaded: POST /buildings or set SKYFLEET_BUILDINGS_PATH")
    assert vehicle.id is not None
    now = context.clock()
    earliest = datetime.fromisoformat(str(mission.spec["earliest_pickup"]).replace("Z", "+00:00"))
    depart = max(now + timedelta(seconds=s.lead_s), earliest, not_before or earliest)
    base = (dock.lon_deg, dock.lat_deg, 0.0)
    dropoff = mission.spec["dropoff"]
    drop = to or (float(dropoff["lon_deg"]), float(dropoff["lat_deg"]))
    profile = VehicleProfile(cruise_speed_mps=float(vehicle.spec.get("cruise_speed_mps", 12.0)))
    speeds = SpeedProfile(
        profile.cruise_speed_mps,
        s.accel_mps2,
        profile.climb_rate_mps,
        profile.descent_rate_mps,
        s.land_speed_mps,
    )
    snapshot = live_snapshot(context)
    priority = INTENT_PRIORITY.get(mission.priority, PRIORITY_NORMAL)
    legs: list[PlannedLeg] = []
    volumes: list[Volume4D] = []
    for a, b in ((base, (*drop, 0.0)), ((*drop, 0.0), base)):
        with context.sessions() as session:
            zones = active_zones(session, depart)
        planned = planner_for(context.planner, a, b, profile, zones=zones, volumes=s.fixes.volumes)
        planner = _timed(planned, speeds)  # reserved as the drone flies it (stops included)
        request = FlightRequest(str(uuid.uuid4()), str(mission.operator_id), depart, priority)
        result = plan_and_reserve(snapshot, planner, request, s.fixes)
        if isinstance(result, Blocked):
            raise Conflict(f"mission {mission.id}: {result.reason}: {result.conflict.explain()}")
        snapshot.remove(request.intent_id)  # one vehicle: its own legs never conflict
        legs.append(
            PlannedLeg(vehicle.id, result.fix.route, True, cruise_speed_mps=speeds.cruise_speed_mps)
        )
        volumes.extend(result.fix.volumes)
        depart = result.fix.route.arrival + timedelta(seconds=s.handover_s)
    return legs, tuple(volumes)


def _timed(planner: RoutePlanner, speeds: SpeedProfile) -> RoutePlanner:
    """The planner's routes, timed as the drone flies their items."""

    def plan(request: PlanRequest) -> Route:
        return retime(planner(request), speeds)

    return plan


def live_snapshot(context: ServiceContext) -> DeconflictionEngine:
    """The committed live intents in an engine, for the fix search (the booking re-checks)."""
    engine = DeconflictionEngine(context.deconfliction)
    with context.sessions() as session:
        rows = session.exec(select(IntentRow).where(IntentRow.live == True))  # noqa: E712
        engine.restore(intent_from_json(r.f3548) for r in rows)
    return engine
