"""Scheduler benchmark: Solomon VRPTW against OR-Tools and VROOM, and a drone-scale run.

Part ``solomon``: the 56 Solomon instances (``$SKYFLEET_SHARED_DATA/vrp/solomon``), each solver
with the same wall-clock limit, hierarchical objective (fewest vehicles, then distance). Every
solution is re-checked here in double precision (capacity, time windows with service times,
each customer once) and its distance recomputed; the gap is distance / BKS distance - 1, shown
next to the vehicle count against the BKS (an extra vehicle can buy a negative distance gap, so
both are reported). Our solutions go to ``benchmarks/results/solomon_solutions.json``.

Part ``drone``: 1,000 deliveries, 100 drones, 5 docks over the Shinjuku area with batteries
and multi-trip, solved by :func:`fleet.scheduler.schedule` within the time limit.

Usage::

    .venv/bin/python benchmarks/bench_scheduler.py --instances C101 R2 --time-limit 2
    .venv/bin/python benchmarks/bench_scheduler.py --part drone            # ~10 s
    .venv/bin/python benchmarks/bench_scheduler.py --part drone --dock-slots 3 --no-write
    nohup .venv/bin/python benchmarks/bench_scheduler.py > /tmp/bench_scheduler.log 2>&1 &
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fleet.energy import hover_estimate
from fleet.model import Delivery, Dock, GeoPoint, Priority, Vehicle, VehicleKind
from fleet.scheduler import (
    Schedule,
    SchedulingProblem,
    StopKind,
    StraightLineLegCost,
    Trip,
    schedule,
)
from fleet.scheduler.engine import solve_vrptw
from fleet.scheduler.peers import solve_ortools, solve_vroom
from fleet.scheduler.vrptw import VrptwInstance, VrptwSolution, evaluate, read_solomon

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SKYFLEET_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results"
SOLVERS: dict[str, Callable[[VrptwInstance, float, int], VrptwSolution]] = {
    "pyvrp": solve_vrptw,
    "ortools": solve_ortools,
    "vroom": solve_vroom,
}
CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


def instance_class(name: str) -> str:
    """Solomon class of an instance name (``RC104`` -> ``RC1``)."""
    return name[:-2]


def select(folder: Path, patterns: list[str] | None) -> list[Path]:
    """Instance files whose names start with any of ``patterns`` (all when None)."""
    files = sorted(folder.glob("*.txt"))
    if not patterns:
        return files
    return [f for f in files if any(f.stem.upper().startswith(p.upper()) for p in patterns)]


def read_bks(folder: Path) -> dict[str, tuple[int, float]]:
    """Best-known (vehicles, distance) per instance from ``bks.csv``."""
    with (folder / "bks.csv").open() as fh:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(fh)
        }


def run_solomon(args: argparse.Namespace) -> list[dict[str, object]]:
    """Solve every selected instance with every selected solver; one row per (instance, solver)."""
    folder = SHARED / "vrp" / "solomon"
    bks = read_bks(folder)
    rows: list[dict[str, object]] = []
    for path in select(folder, args.instances):
        instance = read_solomon(path)
        bks_vehicles, bks_distance = bks[instance.name]
        for solver in args.solvers:
            solution = SOLVERS[solver](instance, args.time_limit, args.seed)
            ev = evaluate(instance, solution.routes)
            row: dict[str, object] = {
                "instance": instance.name,
                "solver": solver,
                "vehicles": ev.num_vehicles,
                "bks_vehicles": bks_vehicles,
                "distance": round(ev.distance, 4),
                "bks_distance": bks_distance,
                "gap_pct": 100.0 * (ev.distance / bks_distance - 1.0),
                "feasible": ev.feasible,
                "violations": list(ev.violations[:3]),
                "runtime_s": round(solution.runtime_s, 2),
                "routes": [list(r) for r in solution.routes],
            }
            rows.append(row)
            flag = "" if ev.feasible else f"  INFEASIBLE {ev.violations[:2]}"
            print(
                f"{instance.name:6} {solver:8} veh {ev.num_vehicles:2}/{bks_vehicles:2} "
                f"dist {ev.distance:9.2f} / {bks_distance:9.2f} gap {row['gap_pct']:6.2f}% "
                f"{solution.runtime_s:5.1f}s{flag}",
                flush=True,
            )
    return rows


def summarise(rows: list[dict[str, object]], solvers: list[str]) -> str:
    """A Markdown table: mean/max gap per class and overall, vehicles against the BKS."""
    lines = [
        "| solver | class | n | mean gap % | max gap % | vehicles (BKS) | at BKS vehicles | "
        "mean gap % at BKS vehicles | infeasible |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for solver in solvers:
        mine = [r for r in rows if r["solver"] == solver]
        groups = [
            (c, [r for r in mine if instance_class(str(r["instance"])) == c]) for c in CLASSES
        ]
        for cls, group in [*groups, ("all", mine)]:
            if group:
                lines.append(_summary_line(solver, cls, group))
    return "\n".join(lines)


def _summary_line(solver: str, cls: str, group: list[dict[str, object]]) -> str:
    gaps = [float(str(r["gap_pct"])) for r in group]
    vehicles = sum(int(str(r["vehicles"])) for r in group)
    bks_vehicles = sum(int(str(r["bks_vehicles"])) for r in group)
    at_bks = [r for r in group if r["vehicles"] == r["bks_vehicles"]]
    at_gap = statistics.mean(float(str(r["gap_pct"])) for r in at_bks) if at_bks else float("nan")
    infeasible = sum(1 for r in group if not r["feasible"])
    return (
        f"| {solver} | {cls} | {len(group)} | {statistics.mean(gaps):.2f} | {max(gaps):.2f} | "
        f"{vehicles} ({bks_vehicles}) | {len(at_bks)}/{len(group)} | {at_gap:.2f} | {infeasible} |"
    )


def head_to_head(rows: list[dict[str, object]], solvers: list[str]) -> str:
    """PyVRP against each peer on the hierarchical objective, instance by instance."""
    if "pyvrp" not in solvers:
        return ""
    ours = {str(r["instance"]): r for r in rows if r["solver"] == "pyvrp"}
    lines = ["| pyvrp vs | better | tie | worse |", "|---|---|---|---|"]
    for peer in (s for s in solvers if s != "pyvrp"):
        tally = Counter(
            _compare(ours[str(r["instance"])], r)
            for r in rows
            if r["solver"] == peer and str(r["instance"]) in ours
        )
        lines.append(f"| {peer} | {tally['better']} | {tally['tie']} | {tally['worse']} |")
    return "\n".join(lines)


def _compare(a: dict[str, object], b: dict[str, object]) -> str:
    """Lexicographic (feasible, vehicles, distance); distances within 0.01 % tie."""
    key_a = (not a["feasible"], int(str(a["vehicles"])))
    key_b = (not b["feasible"], int(str(b["vehicles"])))
    if key_a != key_b:
        return "better" if key_a < key_b else "worse"
    da, db = float(str(a["distance"])), float(str(b["distance"]))
    if abs(da - db) <= 1e-4 * db:
        return "tie"
    return "better" if da < db else "worse"


def write_solutions(rows: list[dict[str, object]], solver: str) -> Path:
    """Merge ``solver``'s routes into ``solomon_solutions.json`` (instances not run are kept)."""
    path = RESULTS / "solomon_solutions.json"
    existing: dict[str, object] = json.loads(path.read_text()) if path.exists() else {}
    for r in rows:
        if r["solver"] == solver:
            existing[str(r["instance"])] = {"routes": r["routes"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(existing.items())), indent=None) + "\n")
    return path


def shinjuku_bbox() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the Shinjuku PLATEAU buildings, or ~3 km around 139.70E."""
    path = SHARED / "buildings" / "tokyo_shinjuku_plateau2020_bldg.geojson"
    if not path.exists():
        return 139.685, 35.677, 139.715, 35.703
    lons: list[float] = []
    lats: list[float] = []
    for feature in json.loads(path.read_text())["features"]:
        ring = feature["geometry"]["coordinates"]
        while isinstance(ring[0][0], list):
            ring = ring[0]
        lons += [c[0] for c in ring]
        lats += [c[1] for c in ring]
    return min(lons), min(lats), max(lons), max(lats)


def drone_problem(seed: int, dock_slots: int = 20) -> SchedulingProblem:
    """1,000 deliveries, 100 drones at 5 battery-swap docks, 20 shops, over Shinjuku, 4 hours
    (``dock_slots`` swap stations per dock: 20, one per drone based there, never binds)."""
    rng = random.Random(seed)
    west, south, east, north = shinjuku_bbox()

    def point() -> GeoPoint:
        return GeoPoint(rng.uniform(west, east), rng.uniform(south, north))

    corners = [(0.2, 0.2), (0.8, 0.2), (0.5, 0.5), (0.2, 0.8), (0.8, 0.8)]
    docks = tuple(
        Dock(
            f"dock{i}",
            west + fx * (east - west),
            south + fy * (north - south),
            slots=dock_slots,
            swap_time_s=180.0,
        )
        for i, (fx, fy) in enumerate(corners)
    )
    drones = tuple(
        Vehicle(f"drone{i:03d}", VehicleKind.MULTICOPTER, 4.0, 2.5, 300.0, 15.0, f"dock{i % 5}")
        for i in range(100)
    )
    shops = [point() for _ in range(20)]
    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    missions = []
    for i in range(1000):
        early = start + timedelta(minutes=rng.uniform(0, 150))
        roll = rng.random()
        priority = (
            Priority.MEDICAL if roll < 0.05 else Priority.URGENT if roll < 0.15 else Priority.NORMAL
        )
        span = timedelta(minutes=30 if priority is Priority.MEDICAL else rng.uniform(45, 90))
        missions.append(
            Delivery(
                f"parcel{i:04d}",
                rng.choice(shops),
                point(),
                round(rng.uniform(0.2, 2.5), 1),
                early,
                early + span,
                priority=priority,
            )
        )
    return SchedulingProblem(drones, docks, tuple(missions), start, start + timedelta(hours=4))


def run_drone(time_limit_s: float, seed: int, write: bool, dock_slots: int = 20) -> str:
    """Schedule the drone-scale problem; figures against a greedy dispatcher in the same run."""
    problem = drone_problem(seed, dock_slots)
    began = time.perf_counter()
    plan = schedule(problem, time_limit_s=time_limit_s, seed=seed)
    wall_s = time.perf_counter() - began
    greedy_began = time.perf_counter()
    base = greedy_baseline(problem)
    greedy_s = time.perf_counter() - greedy_began
    figures = {
        "wall_s": round(wall_s, 2),
        "search_budget_s": time_limit_s,
        "dock_slots": dock_slots,
        "scheduled": len(plan.assignment()),
        "unassigned": len(plan.unassigned),
        "unassigned_by_reason": dict(Counter(u.reason.value for u in plan.unassigned)),
        "medical_unassigned": sum(1 for u in plan.unassigned if u.mission_id in _medical(problem)),
        "makespan_min": round(plan.makespan.total_seconds() / 60, 1),
        "vehicles_used": plan.vehicles_used,
        "trips": len(plan.trips),
        "trips_with_several_parcels_aboard": sum(1 for _, t in plan.trips if _most_aboard(t) > 1),
        "most_parcels_aboard": max((_most_aboard(t) for _, t in plan.trips), default=0),
        "dock_slot_waits": sum(1 for _, t in plan.trips if t.recharge_begin > t.arrival),
        "energy_kwh": round(plan.energy_wh / 1000, 2),
        "baseline_scheduled": base["scheduled"],
        "baseline_makespan_min": base["makespan_min"],
        "baseline_energy_kwh": base["energy_kwh"],
        "baseline_vehicles_used": base["vehicles_used"],
        "baseline_wall_s": round(greedy_s, 2),
        "violations": check_plan(problem, plan),
    }
    if write:
        (RESULTS / "scheduler_drone_scale.json").write_text(json.dumps(figures, indent=1) + "\n")
    return "drone scale: " + json.dumps(figures)


def _medical(problem: SchedulingProblem) -> set[str]:
    return {m.id for m in problem.missions if m.priority is Priority.MEDICAL}


def _most_aboard(trip: Trip) -> int:
    aboard = most = 0
    for stop in trip.stops:
        aboard += {StopKind.PICKUP: 1, StopKind.DROPOFF: -1}.get(stop.kind, 0)
        most = max(most, aboard)
    return most


def check_plan(problem: SchedulingProblem, plan: Schedule) -> list[str]:
    """Independent checks: energy per trip, windows, no overlap, payload aboard within capacity,
    dock slots never exceeded, nothing silently dropped."""
    vehicles = {v.id: v for v in problem.vehicles}
    missions = {m.id: m for m in problem.missions}
    bad: list[str] = _slot_violations(problem, plan)
    if set(missions) != set(plan.assignment()) | {u.mission_id for u in plan.unassigned}:
        bad.append("missions silently dropped")
    for vs in plan.vehicles:
        ready = problem.start
        for trip in vs.trips:
            if trip.energy_wh > vehicles[vs.vehicle_id].mission_energy_wh + 1e-6:
                bad.append(f"{vs.vehicle_id}: trip over its energy budget")
            if trip.departure < ready:
                bad.append(f"{vs.vehicle_id}: trips overlap")
            ready = trip.ready_again
            aboard_kg = 0.0
            for stop in trip.stops:
                m = missions[stop.mission_id]
                assert isinstance(m, Delivery)
                aboard_kg += m.payload_kg * (stop.kind is StopKind.PICKUP)
                aboard_kg -= m.payload_kg * (stop.kind is StopKind.DROPOFF)
                if aboard_kg > vehicles[vs.vehicle_id].payload_capacity_kg + 1e-9:
                    bad.append(f"{vs.vehicle_id}: overloaded at {m.id}")
                if stop.kind is StopKind.PICKUP and stop.begin < m.earliest_pickup:
                    bad.append(f"{m.id}: early pickup")
                if stop.kind is StopKind.DROPOFF and stop.departure > m.latest_delivery:
                    bad.append(f"{m.id}: late delivery")
    return bad[:10]


def _slot_violations(problem: SchedulingProblem, plan: Schedule) -> list[str]:
    """Docks recharging more vehicles at once than they have slots (sweep over events)."""
    events: dict[str, list[tuple[datetime, int]]] = {d.id: [] for d in problem.docks}
    for _, trip in plan.trips:
        if trip.ready_again > trip.recharge_begin:
            events[trip.end_dock_id] += [(trip.recharge_begin, 1), (trip.ready_again, -1)]
    bad = []
    for dock in problem.docks:
        held = 0
        for _, delta in sorted(events[dock.id]):
            held += delta
            if held > dock.slots:
                bad.append(f"{dock.id}: {held} vehicles in {dock.slots} slots")
                break
    return bad


def greedy_baseline(problem: SchedulingProblem) -> dict[str, float]:
    """What a dispatcher without a VRP engine does: earliest deadline first, one parcel per
    trip, from the dock nearest the shop, on the drone that is ready there first (same energy
    model as the scheduler, hover during pickup and dropoff service included)."""
    legs = StraightLineLegCost()
    drone = problem.vehicles[0]
    dock_points = [GeoPoint(d.lon_deg, d.lat_deg) for d in problem.docks]
    ready = {v.id: (problem.start, v.home_dock_id) for v in problem.vehicles}
    energy = 0.0
    ends: list[datetime] = []
    used: set[str] = set()
    for m in sorted(problem.missions, key=lambda m: m.latest_delivery):
        assert isinstance(m, Delivery)
        k = min(
            range(len(dock_points)),
            key=lambda i: legs.leg(drone, dock_points[i], m.pickup, 0).distance_m,
        )
        dock = problem.docks[k]
        out = legs.leg(drone, dock_points[k], m.pickup, 0.0)
        carry = legs.leg(drone, m.pickup, m.dropoff, m.payload_kg)
        back = legs.leg(drone, m.dropoff, dock_points[k], 0.0)
        hover = hover_estimate(drone, m.pickup_service_s) + hover_estimate(
            drone, m.dropoff_service_s, m.payload_kg
        )
        wh = out.energy_wh + carry.energy_wh + back.energy_wh + hover.energy_wh
        vid = min((v for v in ready if ready[v][1] == dock.id), key=lambda v: ready[v][0])
        leave = max(ready[vid][0], m.earliest_pickup - timedelta(seconds=out.duration_s))
        pick = leave + timedelta(seconds=out.duration_s + m.pickup_service_s)
        drop = pick + timedelta(seconds=carry.duration_s + m.dropoff_service_s)
        if drop > m.latest_delivery or wh > drone.mission_energy_wh:
            continue
        home = drop + timedelta(seconds=back.duration_s)
        ready[vid] = (home + timedelta(seconds=dock.recharge_time_s(wh)), dock.id)
        energy += wh
        ends.append(home)
        used.add(vid)
    return {
        "scheduled": len(ends),
        "makespan_min": round((max(ends) - problem.start).total_seconds() / 60, 1),
        "energy_kwh": round(energy / 1000, 2),
        "vehicles_used": len(used),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts and print their figures and Markdown blocks."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["solomon", "drone", "all"], default="all")
    parser.add_argument("--instances", nargs="*", help="name prefixes, e.g. C101 R2 (default all)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--solvers", nargs="*", default=list(SOLVERS), choices=list(SOLVERS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--drone-time-limit", type=float, default=5.0, help="search budget of the drone run"
    )
    parser.add_argument(
        "--dock-slots", type=int, default=20, help="swap stations per dock in the drone run"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write results files")
    parser.add_argument(
        "--summarise", action="store_true", help="only re-print the last Solomon run's tables"
    )
    args = parser.parse_args(argv)
    if args.summarise:
        rows = json.loads((RESULTS / "scheduler_solomon_runs.json").read_text())
        solvers = list(dict.fromkeys(str(r["solver"]) for r in rows))
        print(summarise(rows, solvers) + "\n\n" + head_to_head(rows, solvers))
        return 0
    if args.part in ("solomon", "all"):
        rows = run_solomon(args)
        print("\n" + summarise(rows, args.solvers) + "\n\n" + head_to_head(rows, args.solvers))
        if not args.no_write:
            (RESULTS / "scheduler_solomon_runs.json").write_text(json.dumps(rows) + "\n")
            if "pyvrp" in args.solvers:
                print(f"solutions written to {write_solutions(rows, 'pyvrp')}")
    if args.part in ("drone", "all"):
        print(run_drone(args.drone_time_limit, args.seed, not args.no_write, args.dock_slots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
