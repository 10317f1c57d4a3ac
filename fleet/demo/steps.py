"""The demo's steps that talk to the service layer: token, dispatch, summary."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airspace.city import City
from airspace.planner import Clearances, VehicleProfile
from fleet.demo.audit import conflicting_pairs
from fleet.demo.collect import read_facts
from fleet.demo.geo import Footprint, LocalFrame
from fleet.demo.metrics import min_building_clearance, min_separation
from fleet.demo.plot import plot_demo
from fleet.demo.report import DemoReport, MissionOutcome, build_report
from fleet.demo.scenario import Scenario
from fleet.demo.simfleet import SimFleetConfig
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
