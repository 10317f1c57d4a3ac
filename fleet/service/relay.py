"""Approve a drone + ground-robot relay delivery (``robot_only_dropoff`` or ``relay_requested``).

The relay as the fleet scheduler models it (:func:`fleet.scheduler.tasks.delivery_tasks`: a
drone leg from the pickup to the transfer point, a robot leg from there to the dropoff):

1. the drone's flights from its dock to the transfer point and back are planned, fixed against
   the live intents (:func:`fleet.service.approval.plan_flights`), checked by the independent
   verifier and against its battery and payload capacity;
2. a ground robot of the operator (nearest home dock first, the first one that can) drives at
   street level from its dock to the transfer point, arriving by the drone's landing, takes the
   parcel no earlier than the drone's arrival plus the handover time, drives it to the dropoff
   and goes home; its whole drive is checked against its battery and payload capacity;
3. one intent reserves the drone's flights; its transaction writes every leg of both vehicles
   (in departure order, as the runner follows them) and approves the mission. A refusal at any
   step writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from airspace.errors import AirspaceError
from airspace.frames import ground_distance_m
from airspace.verify import verify_route
from fleet.errors import FleetError, InfeasibleMission
from fleet.model import VehicleKind
from fleet.service.approval import (
    ApprovalSettings,
    Approved,
    Scheduled,
    book_legs,
    plan_flights,
)
from fleet.service.context import ServiceContext
from fleet.service.drives import check_energy, drive
from fleet.service.errors import BadRequest, Conflict
from fleet.service.legs import PlannedLeg
from fleet.service.reservations import Refused
from fleet.service.routes import active_zones
from fleet.storage.tables import Dock, MissionRow, VehicleRow

LonLat = tuple[float, float]


def needs_relay(mission: MissionRow) -> bool:
    """True for a delivery whose last stretch a ground robot must (or is asked to) drive."""
    spec = mission.spec
    return mission.kind == "delivery" and bool(
        spec.get("robot_only_dropoff") or spec.get("relay_requested")
    )


def approve_relay(
    context: ServiceContext,
    scheduled: Scheduled,
    *,
    actor: str,
    not_before: datetime | None = None,
    settings: ApprovalSettings | None = None,
) -> Approved:
    """Plan both vehicles' legs of a relay delivery scheduled on a drone, reserve, approve.

    Returns:
        The approved mission (on its drone) and when the last of its vehicles is home.

    Raises:
        BadRequest: no transfer point, no ground robot can take the parcel on (each one's
            reason), or the drone cannot carry it (energy, payload).
        Conflict: no buildings loaded, or the airspace stays busy.
        InfeasibleMission: the drone's flight fails the verifier.
        PlanningError: no route for the drone.
    """
    s = settings or ApprovalSettings()
    mission, drone, dock = scheduled
    transfer = transfer_point(mission)
    payload_kg = float(mission.spec["payload_kg"])
    for _ in range(s.race_attempts):
        air, volumes = plan_flights(context, mission, drone, dock, s, not_before, to=transfer)
        _verify(context, air)
        check_energy(drone, air, payload_kg)
        ground = robot_legs(context, mission, transfer, air[0].route.arrival, s)
        legs = sorted([*air, *ground], key=lambda leg: leg.route.departure)
        outcome = book_legs(context, mission, legs, volumes, actor=actor)
        if not isinstance(outcome, Refused):
            with context.sessions() as session:
                row = session.get(MissionRow, mission.id)
                assert row is not None
                return Approved(row, max(leg.route.arrival for leg in legs))
    raise Conflict(f"mission {mission.id}: the airspace was taken {s.race_attempts} times")


def transfer_point(mission: MissionRow) -> LonLat:
    """The relay's transfer point, as booked.

    Raises:
        BadRequest: the delivery was booked without one.
    """
    given = mission.spec.get("transfer")
    if not given:
        raise BadRequest(
            f"mission {mission.id}: a relay delivery needs a transfer point; book it with "
            '"transfer": {"lon_deg": ..., "lat_deg": ...} (open ground near the dropoff where '
            "the drone lands and a ground robot collects the parcel)"
        )
    return float(given["lon_deg"]), float(given["lat_deg"])


def robot_legs(
    context: ServiceContext,
    mission: MissionRow,
    transfer: LonLat,
    landing: datetime,
    s: ApprovalSettings,
) -> list[PlannedLeg]:
    """The drives of the first of the operator's ground robots (nearest home dock first) that
    can take the parcel on at ``transfer`` after the drone lands at ``landing``.

    Raises:
        BadRequest: no ground robot with a home dock, or why each one cannot.
    """
    planner = context.ground_planner
    if planner is None:
        raise Conflict("no buildings loaded: POST /buildings or set SKYFLEET_BUILDINGS_PATH")
    candidates = _robots(context, mission.operator_id, transfer)
    if not candidates:
        raise BadRequest(
            f"mission {mission.id}: a relay needs a ground robot to take the parcel from the "
            "transfer point; register one (kind ground_robot) with a home_dock_id"
        )
    reasons = [f"robot {robot.id}: its link is lost" for robot, _ in candidates if _lost(robot)]
    for robot, dock in (pair for pair in candidates if not _lost(pair[0])):
        try:
            return _drives(context, mission, (robot, dock), transfer, landing, s)
        except (FleetError, AirspaceError) as exc:
            reasons.append(f"robot {robot.id}: {exc}")
    raise BadRequest(
        f"mission {mission.id}: no ground robot can take the parcel from the transfer point "
        f"{transfer} to the dropoff ({'; '.join(reasons)}); move the transfer point closer to "
        "the dropoff, lighten the parcel or add a robot"
    )


def _drives(
    context: ServiceContext,
    mission: MissionRow,
    robot_at: tuple[VehicleRow, Dock],
    transfer: LonLat,
    landing: datetime,
    s: ApprovalSettings,
) -> list[PlannedLeg]:
    """To the transfer point (there by ``landing``), on to the dropoff, home; checked."""
    planner = context.ground_planner
    assert planner is not None
    robot, dock = robot_at
    home, meet = (dock.lon_deg, dock.lat_deg, 0.0), (*transfer, 0.0)
    drop = (float(mission.spec["dropoff"]["lon_deg"]), float(mission.spec["dropoff"]["lat_deg"]))
    probe = drive(planner, robot, home, meet, landing)
    earliest = context.clock() + timedelta(seconds=s.lead_s)
    leave = max(earliest, landing - timedelta(seconds=probe.route.duration_s))
    there = probe.shifted(leave - probe.route.departure)
    collect = max(landing, there.route.arrival) + timedelta(seconds=s.handover_s)
    last = drive(planner, robot, meet, (*drop, 0.0), collect)
    back = drive(
        planner, robot, (*drop, 0.0), home, last.route.arrival + timedelta(seconds=s.handover_s)
    )
    legs = [there, last, back]
    check_energy(robot, legs, float(mission.spec["payload_kg"]), loaded=1)
    return legs


def _robots(
    context: ServiceContext, operator_id: int, transfer: LonLat
) -> list[tuple[VehicleRow, Dock]]:
    """The operator's registered ground robots with their home docks, nearest dock first."""
    with context.sessions() as session:
        query = select(VehicleRow, Dock).where(
            VehicleRow.operator_id == operator_id,
            VehicleRow.kind == VehicleKind.GROUND_ROBOT.value,
            VehicleRow.home_dock_id == Dock.id,
            VehicleRow.status != "discovered",
        )
        rows = list(session.exec(query))

    def distance(pair: tuple[VehicleRow, Dock]) -> float:
        return ground_distance_m(pair[1].lon_deg, pair[1].lat_deg, *transfer)

    return sorted(rows, key=lambda pair: (distance(pair), pair[0].id or 0))


def _lost(robot: VehicleRow) -> bool:
    """The runner lost the robot's link (its last known position and state are stale)."""
    return robot.status == "lost"


def _verify(context: ServiceContext, legs: list[PlannedLeg]) -> None:
    """The drone's flights through the independent verifier (buildings, active zones).

    Raises:
        InfeasibleMission: the first problem, in the verifier's words.
    """
    planner = context.planner
    assert planner is not None
    for leg in legs:
        with context.sessions() as session:
            zones = active_zones(session, leg.route.departure)
        problems = verify_route(leg.route, planner.city, zones, clearances=planner.clearances)
        if problems:
            raise InfeasibleMission(
                f"the relay flight fails the verifier: {problems[0].rule}: {problems[0].detail}"
            )
