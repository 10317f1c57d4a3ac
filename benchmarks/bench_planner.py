"""Benchmark the 3D route planner (issue 7): speed, optimality, safety, scale, peer (OMPL).

Run: ``.venv/bin/python benchmarks/bench_planner.py --help``. Reads the shared data from
``SKYFLEET_SHARED_DATA`` or ``../shared/data``.

Figures, all from the same run:

- Shinjuku (4,731 PLATEAU buildings): seeded start/goal pairs 300 m-2.5 km apart on open ground
  (outside every footprint and at least the clearance from it); preprocessing time; planning
  time p50/p95 (wall and CPU: the machine is shared); verifier violations;
- cost ratio to a reference optimum computed here by a separate, slow, exact method: for every
  allowed flight level (the 10 m grid from the minimum cruise height to the ceiling), the exact
  shortest path among that level's buildings buffered by the clearance (round buffer, no
  simplification, visibility A* over all convex corners), plus climb and descent; the minimum
  over levels;
- OMPL RRT* (PyPI ``ompl``) on the same queries, planning the cruise at the altitude our
  planner chose with the same obstacle test (our layer's obstacles), 1 s budget: time and cost
  ratios;
- a generated 50,000-building city: preprocessing time, peak memory, planning p95;
- the Osaka CityGML tile end to end: load, routes, verifier.
"""

from __future__ import annotations

import argparse
import heapq
import importlib.util
import math
import os
import resource
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely

from airspace.city import City, generate_city, load_city
from airspace.errors import PlanningError
from airspace.planner import Clearances, Planner, VehicleProfile
from airspace.route import Route
from airspace.verify import verify_route

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKYFLEET_SHARED_DATA", REPO.parent / "shared" / "data"))
SHINJUKU = "buildings/tokyo_shinjuku_plateau2020_bldg.geojson"
OSAKA = "buildings/plateau_citygml/osaka-shi/51357363_bldg_6697_op.gml"
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
PROFILE = VehicleProfile()
CLEAR = Clearances()


# -- pairs ----------------------------------------------------------------------------------


def sample_pairs(city: City, n: int, seed: int, lo_m: float = 300.0, hi_m: float = 2500.0):
    """Seeded pairs of local points on open ground, ``lo_m``..``hi_m`` apart."""
    rng = np.random.default_rng(seed)
    near = shapely.union_all(shapely.buffer(city.footprints_local, CLEAR.horizontal_m))
    shapely.prepare(near)
    minx, miny, maxx, maxy = shapely.total_bounds(city.footprints_local)
    pairs = []
    while len(pairs) < n:
        a, b = rng.uniform([minx, miny], [maxx, maxy], size=(2, 2))
        if not lo_m <= float(np.hypot(*(a - b))) <= hi_m:
            continue
        if shapely.intersects_xy(near, *a) or shapely.intersects_xy(near, *b):
            continue
        pairs.append((a, b))
    return pairs


def lonlat3(city: City, p: np.ndarray) -> tuple[float, float, float]:
    lon, lat = city.frame.to_lonlat(float(p[0]), float(p[1]))
    return lon, lat, 0.0


# -- reference: exact single-level visibility A* (independent of airspace.planner) ------------


@dataclass
class RefLevel:
    alt_amsl_m: float
    blocker: shapely.Geometry
    pts: np.ndarray
    prev: np.ndarray
    next: np.ndarray


def reference_level(city: City, alt_amsl_m: float) -> RefLevel:
    mask = city.tops_amsl_m + CLEAR.vertical_m > alt_amsl_m
    # round buffer, 4 segments per quarter circle (chords at most 0.19 m inside the true
    # buffer: the reference is, if anything, slightly optimistic)
    exact = shapely.union_all(
        shapely.buffer(city.footprints_local[mask], CLEAR.horizontal_m, quad_segs=4)
    )
    polys = [shapely.Polygon(p.exterior) for p in shapely.get_parts(exact) if not p.is_empty]
    filled = shapely.orient_polygons(shapely.union_all(polys))
    pts, prevs, nexts = [], [], []
    for poly in shapely.get_parts(filled):
        ring = np.asarray(poly.exterior.coords)[:-1]
        prv, nxt = np.roll(ring, 1, 0), np.roll(ring, -1, 0)
        cross = (ring[:, 0] - prv[:, 0]) * (nxt[:, 1] - ring[:, 1]) - (ring[:, 1] - prv[:, 1]) * (
            nxt[:, 0] - ring[:, 0]
        )
        pts.append(ring[cross > 0])
        prevs.append(prv[cross > 0])
        nexts.append(nxt[cross > 0])
    blocker = shapely.buffer(filled, -1e-3)
    shapely.prepare(blocker)
    if not pts:
        empty = np.zeros((0, 2))
        return RefLevel(alt_amsl_m, blocker, empty, empty, empty)
    return RefLevel(
        alt_amsl_m, blocker, np.concatenate(pts), np.concatenate(prevs), np.concatenate(nexts)
    )


def _tangent(u: np.ndarray, w: np.ndarray, prv: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """A shortest path reaches corner w from u only along a line tangent to w's obstacle."""
    d = w - u
    s1 = d[:, 0] * (prv[:, 1] - w[:, 1]) - d[:, 1] * (prv[:, 0] - w[:, 0])
    s2 = d[:, 0] * (nxt[:, 1] - w[:, 1]) - d[:, 1] * (nxt[:, 0] - w[:, 0])
    return s1 * s2 >= -1e-9


def reference_length(level: RefLevel, s: np.ndarray, g: np.ndarray, bound_m: float) -> float:
    """Exact shortest path length (A* over all convex corners in the ellipse), inf if > bound."""
    if shapely.intersects_xy(level.blocker, *s) or shapely.intersects_xy(level.blocker, *g):
        return math.inf
    v = level.pts
    keep = np.hypot(*(v - s).T) + np.hypot(*(v - g).T) <= bound_m
    nodes = np.vstack([s, v[keep], g])
    prv = np.vstack([s, level.prev[keep], g])  # start and goal: any direction is tangent
    nxt = np.vstack([s, level.next[keep], g])
    goal = len(nodes) - 1
    h = np.hypot(*(nodes - g).T)
    dist = np.full(len(nodes), math.inf)
    dist[0] = 0.0
    closed = np.zeros(len(nodes), dtype=bool)
    heap = [(h[0], 0)]
    while heap:
        _, u = heapq.heappop(heap)
        if closed[u]:
            continue
        if u == goal:
            return float(dist[u])
        closed[u] = True
        d_uv = np.hypot(*(nodes - nodes[u]).T)
        cand = np.flatnonzero(~closed & (dist[u] + d_uv < dist) & (dist[u] + d_uv + h <= bound_m))
        cand = cand[_tangent(nodes[u][None], nodes[cand], prv[cand], nxt[cand])]
        if len(cand) == 0:
            continue
        lines = shapely.linestrings(
            np.stack([np.repeat(nodes[u][None], len(cand), 0), nodes[cand]], 1)
        )
        free = cand[~shapely.intersects(level.blocker, lines)]
        dist[free] = dist[u] + d_uv[free]
        for w in free:
            heapq.heappush(heap, (dist[w] + h[w], int(w)))
    return math.inf


def reference_cost(levels: list[RefLevel], s: np.ndarray, g: np.ndarray, hint_s: float) -> float:
    """Minimum over levels of climb + exact path / speed + descent (s, g on the ground)."""
    ground = 0.0
    for factor in (1.0 + 1e-6, 1.5):
        best = math.inf
        for lv in sorted(levels, key=lambda lv: lv.alt_amsl_m):
            vert_s = PROFILE.vertical_s(lv.alt_amsl_m - ground) + PROFILE.vertical_s(
                ground - lv.alt_amsl_m
            )
            budget_s = min(best, hint_s * factor) - vert_s
            if budget_s <= 0:
                break
            length = reference_length(lv, s, g, budget_s * PROFILE.cruise_speed_mps)
            best = min(best, vert_s + length / PROFILE.cruise_speed_mps)
        if math.isfinite(best):
            return best
    return math.inf


# -- OMPL peer ------------------------------------------------------------------------------


def ompl_length(blocker: shapely.Geometry, s: np.ndarray, g: np.ndarray, budget_s: float):
    """RRT* in the plane of our chosen layer, same obstacle test; (seconds, length or inf)."""
    from ompl import base as ob
    from ompl import geometric as og
    from ompl import util as ou

    ou.setLogLevel(ou.LogLevel.LOG_NONE)
    space = ob.RealVectorStateSpace(2)
    bounds = ob.RealVectorBounds(2)
    lo, hi = np.minimum(s, g) - 800.0, np.maximum(s, g) + 800.0
    for k in range(2):
        bounds.setLow(k, float(lo[k]))
        bounds.setHigh(k, float(hi[k]))
    space.setBounds(bounds)
    ss = og.SimpleSetup(space)
    ss.setStateValidityChecker(lambda st: not shapely.intersects_xy(blocker, st[0], st[1]))
    si = ss.getSpaceInformation()
    si.setStateValidityCheckingResolution(1.0 / float(np.max(hi - lo)))  # ~1 m steps
    a, b = space.allocState(), space.allocState()
    a[0], a[1], b[0], b[1] = float(s[0]), float(s[1]), float(g[0]), float(g[1])
    ss.setStartAndGoalStates(a, b)
    ss.setPlanner(og.RRTstar(si))
    ss.setOptimizationObjective(ob.PathLengthOptimizationObjective(si))
    t0 = time.perf_counter()
    ss.solve(budget_s)
    elapsed = time.perf_counter() - t0
    if not ss.haveExactSolutionPath():
        return elapsed, math.inf
    return elapsed, float(ss.getSolutionPath().length())


# -- runs -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def timed_plan(planner: Planner, city: City, a: np.ndarray, b: np.ndarray):
    w0, c0 = time.perf_counter(), time.thread_time()
    try:
        route: Route | None = planner.plan(
            lonlat3(city, a), lonlat3(city, b), PROFILE, departure=T0
        )
        reason = ""
    except PlanningError as exc:
        route, reason = None, str(exc)
    return route, (time.perf_counter() - w0) * 1e3, (time.thread_time() - c0) * 1e3, reason


OUTLINE: dict[str, float | int | None] = {}  # from --simplify-m / --arc-segments


def prepare(city: City) -> tuple[Planner, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    planner = Planner(city, CLEAR, **OUTLINE).prepare()  # type: ignore[arg-type]
    return planner, time.perf_counter() - w0, time.process_time() - c0


def run_city(city: City, pairs, label: str) -> dict[str, object]:
    planner, prep_wall_s, prep_cpu_s = prepare(city)
    wall, cpu, routes, failures, violations = [], [], [], [], 0
    for a, b in pairs:
        route, w_ms, c_ms, reason = timed_plan(planner, city, a, b)
        wall.append(w_ms)
        cpu.append(c_ms)
        routes.append(route)
        if route is None:
            failures.append(reason)
        else:
            violations += len(verify_route(route, city, (), CLEAR))
    layers = planner.layers.values()
    print(
        f"[{label}] prep {prep_wall_s:.1f} s wall / {prep_cpu_s:.1f} s cpu; planning p50/p95 "
        f"{pct(wall, 50):.1f}/{pct(wall, 95):.1f} ms wall, {pct(cpu, 50):.1f}/{pct(cpu, 95):.1f} "
        f"ms cpu; found {len(pairs) - len(failures)}/{len(pairs)}; violations {violations}",
        flush=True,
    )
    return {
        "planner": planner,
        "routes": routes,
        "prep_wall_s": prep_wall_s,
        "prep_cpu_s": prep_cpu_s,
        "wall": wall,
        "cpu": cpu,
        "failures": failures,
        "violations": violations,
        "vertices": sum(lv.n_vertices for lv in {id(x): x for x in layers}.values()),
        "edges": sum(lv.n_edges for lv in {id(x): x for x in layers}.values()),
    }


def run_reference(city: City, planner: Planner, pairs, routes, limit: int):
    levels = [reference_level(city, alt) for alt in planner.levels_amsl_m(30.0, 150.0)]
    ratios, infeasible_both, planner_missed, ref_s = [], 0, 0, []
    for (a, b), route in list(zip(pairs, routes, strict=True))[:limit]:
        t0 = time.perf_counter()
        # when the planner found nothing, look for a route up to 2x the straight line
        direct_s = float(np.hypot(*(b - a))) / PROFILE.cruise_speed_mps
        hint = route.duration_s if route is not None else 2.0 * direct_s + 150.0
        ref = reference_cost(levels, a, b, hint)
        ref_s.append(time.perf_counter() - t0)
        if route is None:
            infeasible_both += not math.isfinite(ref)
            planner_missed += math.isfinite(ref)
        elif math.isfinite(ref):
            ratios.append(route.duration_s / ref)
    print(
        f"[reference] ratio p50/p95/max {pct(ratios, 50):.4f}/{pct(ratios, 95):.4f}/"
        f"{max(ratios, default=math.nan):.4f} over {len(ratios)} pairs; planner missed "
        f"{planner_missed}; neither {infeasible_both}; ref p50 {pct(ref_s, 50):.2f} s",
        flush=True,
    )
    return {
        "ratios": ratios,
        "both_infeasible": infeasible_both,
        "missed": planner_missed,
        "ref_s": ref_s,
    }


def run_ompl(city: City, planner: Planner, pairs, routes, limit: int, budget_s: float):
    time_ratios, cost_ratios, failed, ours_ms = [], [], 0, []
    for (a, b), route in list(zip(pairs, routes, strict=True))[:limit]:
        if route is None:
            continue
        cruise = route.waypoints[1].alt_amsl_m
        level = min(x for x in planner.levels_amsl_m(30.0, 150.0) if x >= cruise - 1e-6)
        _, ours_wall, _, _ = timed_plan(planner, city, a, b)
        secs, length = ompl_length(planner.layer(level).blocker, a, b, budget_s)
        if not math.isfinite(length):
            failed += 1
            continue
        vert = (
            route.duration_s
            - sum(
                float(
                    np.hypot(
                        *np.subtract(
                            city.frame.to_local(w1.lon_deg, w1.lat_deg),
                            city.frame.to_local(w0.lon_deg, w0.lat_deg),
                        )
                    )
                )
                for w0, w1 in zip(route.waypoints, route.waypoints[1:], strict=False)
            )
            / PROFILE.cruise_speed_mps
        )
        cost_ratios.append((vert + length / PROFILE.cruise_speed_mps) / route.duration_s)
        time_ratios.append(secs * 1e3 / ours_wall)
        ours_ms.append(ours_wall)
    print(
        f"[ompl] time ratio p50 {pct(time_ratios, 50):.0f}x "
        f"(min {min(time_ratios, default=0):.0f}x); cost ratio p50/p95 "
        f"{pct(cost_ratios, 50):.3f}/{pct(cost_ratios, 95):.3f}; "
        f"failed {failed} of {len(cost_ratios) + failed}",
        flush=True,
    )
    return {"time": time_ratios, "cost": cost_ratios, "failed": failed, "n": limit}


def run_osaka(n_routes: int, seed: int):
    t0 = time.perf_counter()
    city = load_city(DATA / OSAKA)
    load_s = time.perf_counter() - t0
    res = run_city(city, sample_pairs(city, n_routes, seed, 200.0, 1200.0), "osaka")
    return {
        **res,
        "load_s": load_s,
        "buildings": len(city.buildings),
        "fallback": city.fallback_count,
    }


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_scale(n_buildings: int, n_pairs: int, seed: int):
    before = rss_mb()
    t0 = time.perf_counter()
    city = generate_city(seed, n_buildings)
    gen_s = time.perf_counter() - t0
    res = run_city(city, sample_pairs(city, n_pairs, seed), f"scale {n_buildings}")
    grown = rss_mb() - before
    print(f"[scale] generation {gen_s:.1f} s, RSS growth {grown:.0f} MB", flush=True)
    return {**res, "gen_s": gen_s, "rss_mb": grown}


def row(figure: str, value: str, goal: str = "") -> str:
    return f"| {figure} | {value} | {goal} |"


def p50_p95(values: list[float], unit: str, fmt: str = ".1f") -> str:
    return f"{pct(values, 50):{fmt}} / {pct(values, 95):{fmt}} {unit}"


def shinjuku_rows(args: argparse.Namespace, sj, ref, omp) -> list[str]:
    ok = sum(r is not None for r in sj["routes"])
    prep = f"{sj['prep_wall_s']:.1f} s wall, {sj['prep_cpu_s']:.1f} s CPU"
    graph = f"{sj['vertices']} graph vertices, {sj['edges']} edges"
    out = [
        row("preprocessing (all layers, once)", f"{prep}; {graph}", "reported separately"),
        row("planning p50 / p95 (wall)", p50_p95(sj["wall"], "ms"), "p95 <= 20 ms"),
        row("planning p50 / p95 (CPU of the query)", p50_p95(sj["cpu"], "ms")),
        row("routes found", f"{ok}/{args.pairs}", "every pair that has a route"),
        row("verifier violations", str(sj["violations"]), "0"),
    ]
    if ref and ref["ratios"]:
        r = ref["ratios"]
        out += [
            row(
                f"cost / exact single-level reference, p50 / p95 / max ({len(r)} pairs)",
                f"{p50_p95(r, '', '.4f')}/ {max(r):.4f}",
                "p95 <= 1.02",
            ),
            row("pairs the reference routes but the planner does not", str(ref["missed"]), "0"),
            row("pairs with no route for either", str(ref["both_infeasible"])),
            row("reference time per pair, p50", f"{pct(ref['ref_s'], 50):.2f} s", "slow by design"),
        ]
    if omp and omp["time"]:
        out += [
            row(
                f"OMPL RRT* (1 s) / ours, time p50 ({len(omp['time'])} pairs)",
                f"{pct(omp['time'], 50):.0f}x",
                ">= 50x",
            ),
            row("OMPL RRT* cost / ours, p50 / p95", p50_p95(omp["cost"], "", ".3f"), ">= 1"),
            row("OMPL without a solution in its budget", str(omp["failed"])),
        ]
    return out


def scale_rows(args: argparse.Namespace, sc) -> list[str]:
    found = sum(r is not None for r in sc["routes"])
    return [
        "",
        f"Generated city, {args.scale_buildings} buildings ({args.scale_pairs} pairs):",
        "",
        "| figure | value | goal |",
        "|---|---|---|",
        row("generation", f"{sc['gen_s']:.1f} s"),
        row("preprocessing", f"{sc['prep_wall_s']:.1f} s wall, {sc['prep_cpu_s']:.1f} s CPU"),
        row("memory (RSS growth: city + layers)", f"{sc['rss_mb']:.0f} MB"),
        row("planning p50 / p95 (wall)", p50_p95(sc["wall"], "ms"), "p95 <= 50 ms"),
        row("planning p50 / p95 (CPU of the query)", p50_p95(sc["cpu"], "ms")),
        row("routes found / violations", f"{found}/{args.scale_pairs} / {sc['violations']}"),
    ]


def osaka_line(osaka) -> str:
    found = sum(r is not None for r in osaka["routes"])
    return (
        f"Osaka CityGML tile end to end: load {osaka['load_s']:.1f} s ({osaka['buildings']} "
        f"buildings, {osaka['fallback']} with flagged fallback heights), preprocessing "
        f"{osaka['prep_wall_s']:.1f} s, {found}/{len(osaka['routes'])} routes, p95 "
        f"{pct(osaka['wall'], 95):.1f} ms wall / {pct(osaka['cpu'], 95):.1f} ms CPU, "
        f"{osaka['violations']} verifier violations."
    )


def markdown(args: argparse.Namespace, sj, ref, omp, scale, osaka) -> str:
    """The Markdown block for RESULTS.md."""
    lines = ["## bench_planner", ""]
    if sj is None:
        lines += scale_rows(args, scale) if scale else []
        lines += ["", osaka_line(osaka)] if osaka else []
        return "\n".join(lines)
    lines = [
        "## bench_planner",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} shared cores, load from the "
        "other engineers' jobs (wall times are noisy; CPU = thread time of the query).",
        f"Shinjuku, {args.pairs} seeded pairs (seed {args.seed}), 300 m-2.5 km, open ground:",
        "",
        "| figure | value | goal |",
        "|---|---|---|",
        *shinjuku_rows(args, sj, ref, omp),
    ]
    if scale:
        lines += scale_rows(args, scale)
    if osaka:
        lines += ["", osaka_line(osaka)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reference-pairs", type=int, default=200, help="0 skips the reference")
    ap.add_argument("--ompl-pairs", type=int, default=30, help="0 skips OMPL")
    ap.add_argument("--ompl-budget-s", type=float, default=1.0)
    ap.add_argument("--scale-buildings", type=int, default=50_000, help="0 skips the scale run")
    ap.add_argument("--scale-pairs", type=int, default=100)
    ap.add_argument("--osaka-routes", type=int, default=50, help="0 skips Osaka")
    ap.add_argument(
        "--simplify-m",
        type=float,
        default=None,
        help="outline tolerance (default: by size)",
    )
    ap.add_argument(
        "--arc-segments", type=int, default=None, help="buffer arcs per quarter, 0 = mitre"
    )
    args = ap.parse_args()
    OUTLINE.update(simplify_m=args.simplify_m, arc_segments=args.arc_segments)
    sj = ref = omp = scale = osaka = None
    if args.pairs:
        sj, ref, omp = run_shinjuku(args)
    if args.osaka_routes:
        osaka = run_osaka(args.osaka_routes, args.seed)
    if args.scale_buildings:
        scale = run_scale(args.scale_buildings, args.scale_pairs, args.seed)
    print()
    print(markdown(args, sj, ref, omp, scale, osaka))


def run_shinjuku(args: argparse.Namespace):
    city = load_city(DATA / SHINJUKU)
    pairs = sample_pairs(city, args.pairs, args.seed)
    sj = run_city(city, pairs, "shinjuku")
    planner = sj["planner"]
    ref = omp = None
    if args.reference_pairs:
        ref = run_reference(city, planner, pairs, sj["routes"], args.reference_pairs)
    if args.ompl_pairs and importlib.util.find_spec("ompl") is None:
        print("[ompl] skipped: the ompl package is not installed (pip install ompl)", flush=True)
    elif args.ompl_pairs:
        omp = run_ompl(city, planner, pairs, sj["routes"], args.ompl_pairs, args.ompl_budget_s)
    if sj["failures"]:
        print("planner failures:", *sorted(set(sj["failures"]))[:5], sep="\n  ")
    return sj, ref, omp


if __name__ == "__main__":
    main()
