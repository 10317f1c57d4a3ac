"""The demo's steps that talk to the service layer: token, dispatch, summary."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airspace.city import City
from airspace.planner import Clearances, Planner, VehicleProfile
from fleet.demo.audit import conflicting_pairs
from fleet.demo.collect import read_facts
from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.legs import LegTools
from fleet.demo.metrics import min_building_clearance, min_separation
from fleet.demo.plot import plot_demo
from fleet.demo.report import DemoReport, MissionOutcome, build_report
from fleet.demo.scenario import Scenario
from fleet.demo.schedule import (
    Sortie,
    apply_schedule,
    run_scheduler,
    scheduling_problems,
    sorties,
)
from fleet.demo.simfleet import SimFleetConfig
from fleet.runner.clock import ScaledClock
from fleet.runner.runner import MissionRunner
from fleet.service.context import ServiceContext
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from fleet.service.timing import SpeedProfile
from simulators.physics import QUAD_AIRFRAME, ROVER_AIRFRAME

if TYPE_CHECKING:
    from fleet.demo.run import DemoOptions

OPERATOR = "skyfleet-demo"
CLEARANCES = Clearances(horizontal_m=10.0, vertical_m=5.0)
DRONE = VehicleProfile(cruise_speed_mps=12.0, climb_rate_mps=3.0, descent_rate_mps=1.5)
ROBOT = VehicleProfile(cruise_speed_mps=3.0, climb_rate_mps=1.0, descent_rate_mps=1.0)
DRONE_SPEEDS = SpeedProfile(
    cruise_speed_mps=DRONE.cruise_speed_mps,
    accel_mps2=QUAD_AIRFRAME.accel_mps2,
    climb_rate_mps=DRONE.climb_rate_mps,
    descent_rate_mps=DRONE.descent_rate_mps,
    land_speed_mps=SimFleetConfig(speedup=1.0, port_offset=0).land_speed_mps,
)
"""How the simulated quads fly their items: they stop at every waypoint (3 m/s^2)."""
ROBOT_SPEEDS = SpeedProfile(
    cruise_speed_mps=ROBOT.cruise_speed_mps, accel_mps2=ROVER_AIRFRAME.accel_mps2
)
UNFINISHED = "unfinished at the demo's time limit"
SCHEDULING_HORIZON = timedelta(hours=2)


def mint_demo_token(ctx: ServiceContext, settings: Settings) -> str:
    """Create the demo operator and sign an admin token for it (as ``skyfleet token`` does)."""
    with ctx.sessions() as session:
        operator = ensure_operator(session, OPERATOR, actor="demo")
        assert operator.id is not None
        principal = Principal("demo:dispatcher", operator.id, operator.name, Role.ADMIN)
        return mint_token(settings, principal)


def leg_tools(ctx: ServiceContext, city: City) -> LegTools:
    """The planners and profiles the dispatcher plans legs with."""
    air = Planner(city, CLEARANCES).prepare()
    ground = Planner(city, Clearances(horizontal_m=2.0, vertical_m=0.0))
    return LegTools(air, ground, ctx, DRONE, ROBOT, DRONE_SPEEDS, ROBOT_SPEEDS, CLEARANCES)


def schedule_booked(
    ctx: ServiceContext, city: City, clock: ScaledClock
) -> tuple[list[Sortie], dict[int, str]]:
    """Run the fleet scheduler over the booked missions and apply its plan.

    Returns:
        The plan's sorties in the order it starts them, and the scheduler's reason for each
        mission it left out (those are failed).
    """
    with ctx.sessions() as session:
        problems = scheduling_problems(session, city, clock.now(), SCHEDULING_HORIZON)
        plan = run_scheduler(problems)
        kinds = {v.id: v.kind.value for p in problems for v in p.vehicles}
        ranks = {m.id: m.priority.rank for p in problems for m in p.missions}
        placed = sorties(plan, kinds, {k: 2 - r for k, r in ranks.items()})
        left = apply_schedule(session, plan, placed, ctx.bus, clock.now())
    return placed, left


def summarise(
    ctx: ServiceContext,
    runner: MissionRunner,
    city: City,
    footprints: list[Footprint],
    frame: LocalFrame,
    scenario: Scenario,
    options: DemoOptions,
    wall0: float,
    dispatch: dict[int, dict[str, Any]] | None = None,
) -> DemoReport:
    """Measure the run and build (and write, and plot) its report (``dispatch``: how each
    mission was dispatched, per mission id)."""
    with ctx.sessions() as session:
        facts = read_facts(session, runner.flown_m, runner.battery_used_pct, runner.landed_at)
    drones = {v.id for v in scenario.vehicles if v.kind == "multicopter"}
    tracks = {k: v for k, v in runner.tracks.items() if k in drones}
    separation = min_separation(frame, tracks)
    clearance = min_building_clearance(
        frame, footprints, tracks, facts.pads_lonlat, CLEARANCES.vertical_m
    )
    outcomes = [_finished(o) for o in facts.outcomes]
    report = build_report(
        outcomes,
        airspace_conflicts=len(conflicting_pairs(facts.flown_intents, facts.ended_at)),
        intents_audited=len(facts.flown_intents),
        min_separation_m=None if separation is None else round(separation.distance_m, 2),
        min_separation_where=None if separation is None else separation.what,
        min_building_clearance_m=None if clearance is None else round(clearance.distance_m, 2),
        min_building_clearance_where=None if clearance is None else clearance.what,
        horizontal_clearance_m=CLEARANCES.horizontal_m,
        wall_time_s=round(time.monotonic() - wall0, 1),
        sim_time_s=round(runner.clock.elapsed_s(), 1),
        speedup=options.speedup,
        vehicles=len(scenario.vehicles),
        conformance_excursions=len(runner.excursions),
        excursions=list(runner.excursions),
        dispatch={str(k): v for k, v in (dispatch or {}).items()},
        degraded=DEGRADED,
    )
    if options.report is not None:
        report.write(options.report)
    if options.plot is not None:
        title = (
            f"skyfleet demo: {report.missions_completed}/{report.missions_total} completed, "
            f"{report.airspace_conflicts} conflicts"
        )
        plot_demo(options.plot, footprints, scenario, tracks, title)
    return report


def _finished(o: MissionOutcome) -> MissionOutcome:
    if o.state in ("completed", "failed", "cancelled", "aborted") or o.reason:
        return o
    from dataclasses import replace

    return replace(o, reason=f"{UNFINISHED} (still {o.state})")


DEGRADED = [
    "the demo calls fleet.scheduler itself (per dock) instead of POST /scheduling/run: the "
    "service knows a relay's transfer point only when it is given at booking (the demo picks "
    "one on open ground when it schedules), and approve=true books every mission at once "
    "against planned returns; each sortie is booked through the service's atomic path "
    "(fleet.service.approval.book_legs) when its vehicles have landed",
]
