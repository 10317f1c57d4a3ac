"""Approval of every kind of scheduled mission (``POST /missions/{id}/approve``, scheduling runs).

- a delivery by drone: :func:`fleet.service.approval.approve_delivery` (both legs planned,
  conflicts fixed, one intent reserved);
- an inspection by a camera drone: the pattern's flight (:mod:`fleet.service.inspection_flight`:
  transit, pattern, transit back; verified), reserved as one intent at the first departure in
  the inspection window whose airspace is free (delays of ``delay_step_s``);
- any mission on a ground robot: a robot flies no airspace, so there is no intent to reserve;
  its drive out and back is planned at street level around the buildings (no route: 422),
  checked against its battery and payload capacity (the energy model: 400 with the figures),
  and the mission is approved with its legs in one transaction that holds the reservation lock
  (two approvals of one mission cannot both pass). A robot cannot inspect (400);
- a relay delivery (robot-only dropoff or relay asked) scheduled on a drone: the drone to the
  transfer point and a ground robot on to the dropoff (:mod:`fleet.service.relay`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airspace.route import Route
from airspace.volumes import route_to_volumes
from fleet.lifecycle import MissionState
from fleet.model import Inspection, VehicleKind
from fleet.service.approval import (
    ApprovalSettings,
    Approved,
    approve_delivery,
    book_legs,
    load_scheduled,
    publish_approval,
    write_approval,
)
from fleet.service.context import ServiceContext
from fleet.service.domain import domain_mission, domain_vehicle
from fleet.service.drives import check_energy, drive
from fleet.service.errors import BadRequest, Conflict
from fleet.service.inspection_flight import inspection_flight
from fleet.service.legs import PlannedLeg
from fleet.service.relay import approve_relay, needs_relay
from fleet.service.reservations import Refused
from fleet.service.routes import active_zones
from fleet.service.timing import SpeedProfile
from fleet.storage.locks import take_reservation_lock
from fleet.storage.tables import Dock, MissionRow, VehicleRow

DELAY_STEP_S = 30.0


def approve_mission(
    context: ServiceContext,
    mission_id: int,
    operator_id: int,
    *,
    actor: str,
    not_before: datetime | None = None,
    settings: ApprovalSettings | None = None,
) -> Approved:
    """Plan and approve a scheduled mission of any kind on the vehicle it is scheduled on.

    Raises:
        NotFound: not a mission of the caller's operator.
        Conflict: not scheduled, no buildings loaded, or the airspace stays busy.
        BadRequest: the vehicle cannot do this mission (a robot inspecting, no camera...).
        PlanningError: no route exists (the planner says why).
    """
    s = settings or ApprovalSettings()
    scheduled = load_scheduled(context, mission_id, operator_id)
    mission, vehicle, dock = scheduled
    if vehicle.kind == VehicleKind.GROUND_ROBOT.value:
        return approve_drive(context, mission, vehicle, dock, actor=actor, not_before=not_before)
    if mission.kind == "inspection":
        return approve_inspection(context, mission, vehicle, dock, actor, not_before, s)
    if needs_relay(mission):
        return approve_relay(context, scheduled, actor=actor, not_before=not_before, settings=s)
    return approve_delivery(context, scheduled, actor=actor, not_before=not_before, settings=s)


def _departure(
    context: ServiceContext, earliest: str, lead_s: float, not_before: datetime | None
) -> datetime:
    """The earliest departure: after the lead time, the mission's start and ``not_before``."""
    start = datetime.fromisoformat(earliest.replace("Z", "+00:00"))
    candidates = [context.clock() + timedelta(seconds=lead_s), start]
    return max([*candidates, *([] if not_before is None else [not_before])])


def approve_inspection(
    context: ServiceContext,
    mission: MissionRow,
    vehicle: VehicleRow,
    dock: Dock,
    actor: str,
    not_before: datetime | None,
    s: ApprovalSettings,
) -> Approved:
    """Plan the inspection's flight, reserve it at the first free departure in its window.

    Raises:
        Conflict: no buildings loaded, or no free departure before the window closes.
        InfeasibleMission: the vehicle cannot fly the pattern, or the flight is unsafe.
    """
    if context.planner is None:
        raise Conflict("no buildings loaded: POST /buildings or set SKYFLEET_BUILDINGS_PATH")
    assert vehicle.id is not None
    inspection = domain_mission(mission)
    assert isinstance(inspection, Inspection)
    depart = _departure(context, mission.spec["window_start"], s.lead_s, not_before)
    speeds = SpeedProfile(
        float(vehicle.spec.get("cruise_speed_mps", 12.0)),
        s.accel_mps2,
        land_speed_mps=s.land_speed_mps,
    )
    with context.sessions() as session:
        zones = active_zones(session, depart)
    flight = inspection_flight(
        context.planner, inspection, domain_vehicle(vehicle), (dock.lon_deg, dock.lat_deg),
        depart, speeds, zones,
    )  # fmt: skip
    leg = PlannedLeg(vehicle.id, flight.route, True, flight.items, speeds.cruise_speed_mps)
    check_energy(vehicle, [leg])  # the whole flight: transits and pattern
    return _book_first_free(context, mission, leg, inspection.window.end, actor, s)


def _book_first_free(
    context: ServiceContext,
    mission: MissionRow,
    leg: PlannedLeg,
    window_end: datetime,
    actor: str,
    s: ApprovalSettings,
) -> Approved:
    """Book ``leg`` at its departure or the first later one (``DELAY_STEP_S`` steps) that
    reserves, as long as it lands inside the window and the delay horizon."""
    why = "no departure tried"
    steps = int(s.fixes.max_delay.total_seconds() // DELAY_STEP_S) + 1
    for k in range(steps):
        moved = leg.shifted(timedelta(seconds=k * DELAY_STEP_S))
        if moved.route.arrival > window_end:
            why = f"the flight would end after the window closes ({window_end.isoformat()})"
            break
        volumes = route_to_volumes(moved.route, s.fixes.volumes)
        outcome = book_legs(context, mission, [moved], volumes, actor=actor)
        if not isinstance(outcome, Refused):
            return _approved(context, mission, moved.route)
        why = outcome.explanation
    raise Conflict(f"mission {mission.id}: no free departure for the inspection: {why}")


def approve_drive(
    context: ServiceContext,
    mission: MissionRow,
    robot: VehicleRow,
    dock: Dock,
    *,
    actor: str,
    not_before: datetime | None = None,
    lead_s: float = 60.0,
    handover_s: float = 20.0,
) -> Approved:
    """Plan a ground robot's delivery from its dock to the dropoff and back; approve it
    without an intent (robots fly no airspace).

    Raises:
        BadRequest: the mission is an inspection.
        Conflict: no buildings loaded.
        PlanningError: no street-level route.
    """
    if mission.kind != "delivery":
        raise BadRequest(f"mission {mission.id}: a ground robot cannot fly an inspection")
    planner = context.ground_planner
    if planner is None:
        raise Conflict("no buildings loaded: POST /buildings or set SKYFLEET_BUILDINGS_PATH")
    assert robot.id is not None and mission.id is not None
    base = (dock.lon_deg, dock.lat_deg, 0.0)
    drop = (
        float(mission.spec["dropoff"]["lon_deg"]),
        float(mission.spec["dropoff"]["lat_deg"]),
        0.0,
    )
    depart = _departure(context, mission.spec["earliest_pickup"], lead_s, not_before)
    legs: list[PlannedLeg] = []
    for a, b in ((base, drop), (drop, base)):
        legs.append(drive(planner, robot, a, b, depart))
        depart = legs[-1].route.arrival + timedelta(seconds=handover_s)
    check_energy(robot, legs, float(mission.spec.get("payload_kg", 0.0)))
    now = context.clock()
    with context.sessions() as session:
        take_reservation_lock(session)  # one approval of this mission at a time
        row = write_approval(session, mission.id, legs, [None] * len(legs), actor=actor, now=now)
        session.commit()
    publish_approval(context.bus, row)
    return Approved(row, legs[-1].route.arrival)


def _approved(context: ServiceContext, mission: MissionRow, route: Route) -> Approved:
    with context.sessions() as session:
        row = session.get(MissionRow, mission.id)
        assert row is not None and row.state == MissionState.APPROVED.value
        return Approved(row, route.arrival)
