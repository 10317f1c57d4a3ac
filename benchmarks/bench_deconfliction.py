"""Deconfliction benchmark: index vs naive scan at 100,000 intents; plan-and-reserve in Shinjuku.

Part ``scale``: 100,000 random live intents over 10 km x 10 km and 24 h (one volume each: an
oriented 30 m-wide leg of 200-2,000 m, a 20 m band between 30 and 150 m, the leg's flight time
plus 60 s). Every intent is inserted through ``DeconflictionEngine.reserve`` (check + insert;
equal priorities allowed so that all 100,000 stay live). Then conflict queries with random
volumes of the same kind: p50/p95 of ``find_conflicts``; and the insertion rate near 100,000
live intents. The baseline, in the same run, is a naive store that scans every live volume
(cheap time/altitude test first, then the same exact outline test).

Part ``shinjuku``: the PLATEAU Shinjuku buildings, the real planner, 1,000 live intents reserved
by ``plan_and_reserve`` with departures spread over ``--window-h`` hours (2 h by default, the
issue's "concentrated" set: it saturates the ~2 km area and most flights end blocked; 8 h is a
more realistic operating window for the same 1,000 intents), then more flights measured:
plan-and-reserve time (p50/p95, wall clock and CPU time of the thread) against plain planning of
the same requests (baseline), which fix was chosen (none / delay / altitude / reroute /
blocked), and how tight the volumes are (reserved volume / swept volume of the route).

Usage (``--out`` names the result files in benchmarks/results/)::

    .venv/bin/python benchmarks/bench_deconfliction.py --parts scale --intents 20000
    .venv/bin/python benchmarks/bench_deconfliction.py --parts scale
    .venv/bin/python benchmarks/bench_deconfliction.py --parts shinjuku
    .venv/bin/python benchmarks/bench_deconfliction.py --parts shinjuku --window-h 8 \
        --out deconfliction_8h
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from airspace.deconfliction import DeconflictionEngine, DeconflictionSettings, VolumeShape
from airspace.intents import Polygon, Volume4D, new_intent
from airspace.intents.f3548 import INTERSECTION_MINIMUM_PRECISION_M
from airspace.intents.projection import LocalProjection
from airspace.route import Route

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SKYFLEET_SHARED_DATA", REPO.parent / "shared" / "data"))
SHINJUKU = SHARED / "buildings" / "tokyo_shinjuku_plateau2020_bldg.geojson"
RESULTS = REPO / "benchmarks" / "results"
T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
ORIGIN = LocalProjection(139.70, 35.69)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def random_leg(rng: random.Random) -> Volume4D:
    """One oriented leg volume over the 10 km x 10 km x 24 h area."""
    cx, cy = rng.uniform(-5000, 5000), rng.uniform(-5000, 5000)
    length, heading = rng.uniform(200, 2000), rng.uniform(0, math.pi)
    ux, uy = math.cos(heading) * length / 2, math.sin(heading) * length / 2
    nx, ny = -math.sin(heading) * 15, math.cos(heading) * 15
    corners = [
        (cx - ux - nx, cy - uy - ny),
        (cx + ux - nx, cy + uy - ny),
        (cx + ux + nx, cy + uy + ny),
        (cx - ux + nx, cy - uy + ny),
    ]
    lower = rng.uniform(30, 130)
    start = T0 + timedelta(seconds=rng.uniform(0, 86400))
    return Volume4D(
        Polygon(tuple(ORIGIN.to_lonlat_deg(x, y) for x, y in corners)),
        lower,
        lower + 20,
        start,
        start + timedelta(seconds=length / 10 + 60),
    )


class NaiveStore:
    """The baseline: a list of live volumes, scanned in full for every check."""

    def __init__(self) -> None:
        self.items: list[tuple[str, VolumeShape]] = []

    def query(self, shape: VolumeShape) -> list[str]:
        tol = INTERSECTION_MINIMUM_PRECISION_M
        return [
            i
            for i, other in self.items
            if shape.overlaps_in_time_and_altitude(other, tol) and shape.outlines_meet(other, tol)
        ]

    def reserve(self, intent_id: str, shape: VolumeShape) -> bool:
        if self.query(shape):
            return False
        self.items.append((intent_id, shape))
        return True


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU time of this thread spent in ``fn`` (robust to a shared, loaded machine)."""
    c = time.thread_time()
    fn()
    return time.thread_time() - c


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_scale(n_intents: int, n_queries: int, n_naive: int, seed: int) -> dict[str, float]:
    """Part ``scale``; returns its figures."""
    rng = random.Random(seed)
    engine = DeconflictionEngine(
        DeconflictionSettings(
            allow_equal_priority_conflicts=True,
            origin_lonlat_deg=(ORIGIN.origin_lon_deg, ORIGIN.origin_lat_deg),
        )
    )
    intents = [new_intent(f"oi-{k}", "op", (random_leg(rng),)) for k in range(n_intents)]
    tail = min(10_000, n_intents // 10)
    t_all = cpu_timed(lambda: [engine.reserve(i) for i in intents[:-tail]])
    t_tail = cpu_timed(lambda: [engine.reserve(i) for i in intents[-tail:]])
    print(f"index: inserted {n_intents} in {t_all + t_tail:.1f} s", flush=True)

    probes = [(random_leg(rng),) for _ in range(n_queries)]
    idx_times, idx_cpu = [], []
    hits = 0
    for p in probes:
        t, c = time.perf_counter(), time.thread_time()
        hits += len(engine.find_conflicts(p))
        idx_cpu.append(time.thread_time() - c)
        idx_times.append(time.perf_counter() - t)

    naive = NaiveStore()
    naive.items = [(i.id, VolumeShape.of(i.volumes[0], ORIGIN)) for i in intents]
    naive_times = []
    for p in probes[:n_naive]:
        t = time.perf_counter()
        shape = VolumeShape.of(p[0], ORIGIN)
        naive.query(shape)
        naive_times.append(time.perf_counter() - t)
    fresh = [VolumeShape.of(random_leg(rng), ORIGIN) for _ in range(n_naive)]
    t_naive_ins = cpu_timed(lambda: [naive.reserve(f"n-{k}", s) for k, s in enumerate(fresh)])
    # the same checks through the index, near the same load
    extra = [new_intent(f"x-{k}", "op", (random_leg(rng),)) for k in range(n_naive * 10)]
    t_idx_ins = cpu_timed(lambda: [engine.reserve(i) for i in extra])
    return {
        "intents": n_intents,
        "queries": n_queries,
        "mean_hits_per_query": hits / n_queries,
        "index_query_p50_ms": 1e3 * pct(idx_times, 0.5),
        "index_query_p95_ms": 1e3 * pct(idx_times, 0.95),
        "index_query_cpu_p50_ms": 1e3 * pct(idx_cpu, 0.5),
        "index_query_cpu_p95_ms": 1e3 * pct(idx_cpu, 0.95),
        "naive_query_p50_ms": 1e3 * pct(naive_times, 0.5),
        "naive_query_p95_ms": 1e3 * pct(naive_times, 0.95),
        "query_p95_speedup": pct(naive_times, 0.95) / pct(idx_times, 0.95),
        "index_insert_rate_per_s_overall": n_intents / (t_all + t_tail),
        "index_insert_rate_per_s_at_full": len(extra) / t_idx_ins,
        "naive_insert_rate_per_s_at_full": n_naive / t_naive_ins,
        "insert_rate_ratio": (len(extra) / t_idx_ins) / (n_naive / t_naive_ins),
    }


@dataclass
class ShinjukuFigures:
    prepare_s: float
    live: int
    measured: int
    window_h: float
    plan_reserve_s: list[float]
    plan_only_s: list[float]
    plan_reserve_cpu_s: list[float]
    plan_only_cpu_s: list[float]
    fixes_measured: Counter[str]
    fixes_population: Counter[str]
    tightness: list[float]
    no_route: int
    by_kind: dict[str, list[float]]
    planner_errors: list[str]


def bench_shinjuku(
    n_live: int, n_measured: int, seed: int, window_h: float, reroute: tuple[int, int] = (1, 1)
) -> ShinjukuFigures:
    """Part ``shinjuku``; needs the planner and the reference data.

    ``reroute`` is (``reroute_max_blockers``, ``reroute_rounds``) of the fix search.
    """
    from airspace.city import load_city
    from airspace.deconfliction import (
        Blocked,
        FixSettings,
        FlightRequest,
        PlanRequest,
        plan_and_reserve,
    )
    from airspace.deconfliction.replan import planner_for
    from airspace.errors import PlanningError
    from airspace.planner import Planner
    from airspace.volumes import VolumeSettings, reserved_volume_m3, swept_volume_m3

    city = load_city(SHINJUKU)
    t = time.perf_counter()
    planner = Planner(city).prepare()
    prepare_s = time.perf_counter() - t
    print(
        f"shinjuku: {len(city.buildings)} buildings, planner prepared in {prepare_s:.1f} s",
        flush=True,
    )
    lons, lats = [], []
    for b in city.buildings:
        x0, y0, x1, y1 = b.footprint_lonlat.bounds
        lons += [x0, x1]
        lats += [y0, y1]
    box = (min(lons), min(lats), max(lons), max(lats))
    rng = random.Random(seed)
    engine = DeconflictionEngine()
    figs = ShinjukuFigures(
        prepare_s, 0, 0, window_h, [], [], [], [], Counter(), Counter(), [], 0, {}, []
    )

    def open_ground() -> tuple[float, float, float]:
        while True:
            lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
            if not city.buildings_at(*city.frame.to_local(lon, lat)):
                return lon, lat, 0.0

    def endpoints() -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        while True:
            a, b = open_ground(), open_ground()
            pa, pb = ORIGIN.to_xy_m(a[0], a[1]), ORIGIN.to_xy_m(b[0], b[1])
            if math.dist(pa, pb) > 500:
                return a, b

    def guarded(route_planner: Callable[[PlanRequest], Route]) -> Callable[[PlanRequest], Route]:
        # A planner crash (not a PlanningError) is counted and treated as "no route here", so
        # one planner bug does not end the run; the count is printed with the figures.
        def plan(request: PlanRequest) -> Route:
            try:
                return route_planner(request)
            except PlanningError:
                raise
            except Exception as err:
                figs.planner_errors.append(f"{type(err).__name__}: {err}")
                raise PlanningError(f"planner crashed: {err}") from err

        return plan

    fixes = FixSettings(reroute_max_blockers=reroute[0], reroute_rounds=reroute[1])
    population_fixes = replace(fixes, reroute_penalty_s=math.inf)

    def populate(route_planner: Callable[[PlanRequest], Route], request: FlightRequest) -> None:
        # The live set: plan + reserve with the cheap fixes (delay, cruise height); an infinite
        # reroute penalty leaves the reroute only for flights nothing else fixes.
        try:
            result = plan_and_reserve(engine, route_planner, request, population_fixes)
        except PlanningError:
            figs.no_route += 1
            return
        kind = "blocked" if isinstance(result, Blocked) else result.fix.kind.value
        figs.fixes_population[kind] += 1
        figs.live = len(engine.intents())
        if figs.live % 100 == 0:
            print(f"  {figs.live} live", flush=True)

    k = 0
    while figs.live + figs.measured < n_live + n_measured and k < 5 * (n_live + n_measured):
        k += 1
        start, goal = endpoints()
        route_planner = guarded(planner_for(planner, start, goal))
        departure = T0 + timedelta(seconds=rng.uniform(0, 3600 * window_h))
        priority = 100 if rng.random() < 0.05 else 0
        request = FlightRequest(f"f{k}", f"op{k % 20}", departure, priority)
        measuring = figs.live >= n_live
        if not measuring:
            populate(route_planner, request)
            continue
        try:
            c = time.thread_time()
            base_s = timed(lambda rp=route_planner, d=departure: rp(PlanRequest(d)))
            base_cpu_s = time.thread_time() - c
            t, c = time.perf_counter(), time.thread_time()
            result = plan_and_reserve(engine, route_planner, request, fixes)
            elapsed, cpu_s = time.perf_counter() - t, time.thread_time() - c
        except PlanningError:
            figs.no_route += 1
            continue
        figs.plan_only_cpu_s.append(base_cpu_s)
        figs.plan_reserve_cpu_s.append(cpu_s)
        kind = "blocked" if isinstance(result, Blocked) else result.fix.kind.value
        figs.measured += 1
        figs.plan_only_s.append(base_s)
        figs.plan_reserve_s.append(elapsed)
        figs.fixes_measured[kind] += 1
        figs.by_kind.setdefault(kind, []).append(cpu_s)
        if not isinstance(result, Blocked):
            route = result.fix.route
            figs.tightness.append(
                reserved_volume_m3(result.fix.volumes) / swept_volume_m3(route, VolumeSettings())
            )
        if elapsed > 1.0:
            print(f"  slow request {k}: {kind} in {elapsed:.1f} s", flush=True)
        if k % 100 == 0:
            print(
                f"  {k} requests, {len(engine.intents())} live, {figs.measured} measured",
                flush=True,
            )
    return figs


def markdown(scale: dict[str, float] | None, sj: ShinjukuFigures | None) -> str:
    """The RESULTS.md block."""
    lines = [
        f"## bench_deconfliction\n\n{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs, Python {platform.python_version()}.\n"
    ]
    if scale:
        s = scale
        lines += [
            f"**Scale** ({s['intents']:,} live intents, 10 km x 10 km x 24 h, "
            f"{s['queries']:,} queries, {s['mean_hits_per_query']:.2f} conflicts/query):\n",
            "| figure | bucketed 4D index + exact | naive linear scan | ratio |",
            "|---|---|---|---|",
            f"| conflict query p50 | {s['index_query_p50_ms']:.3f} ms | "
            f"{s['naive_query_p50_ms']:.1f} ms | |",
            f"| conflict query p95 (goal <= 0.5 ms), wall clock | "
            f"{s['index_query_p95_ms']:.3f} ms | "
            f"{s['naive_query_p95_ms']:.1f} ms | {s['query_p95_speedup']:.0f}x faster |",
            f"| conflict query CPU time of the thread, p50 / p95 | "
            f"{s['index_query_cpu_p50_ms']:.3f} / {s['index_query_cpu_p95_ms']:.3f} ms | | |",
            f"| reserve (check + insert) rate at ~{s['intents']:,} live, CPU time | "
            f"{s['index_insert_rate_per_s_at_full']:,.0f} /s | "
            f"{s['naive_insert_rate_per_s_at_full']:,.1f} /s | "
            f"{s['insert_rate_ratio']:.0f}x |",
            f"| reserve rate while filling 0 -> {s['intents']:,}, CPU time | "
            f"{s['index_insert_rate_per_s_overall']:,.0f} /s | | |",
            "",
        ]
    if sj and sj.measured:
        lines += shinjuku_markdown(sj)
    return "\n".join(lines)


def shinjuku_summary(sj: ShinjukuFigures) -> dict[str, object]:
    """The Shinjuku figures as JSON-ready numbers (times in ms)."""

    def ms(values: list[float], q: float) -> float:
        return round(1e3 * pct(values, q), 2)

    return {
        "live": sj.live,
        "measured": sj.measured,
        "window_h": sj.window_h,
        "plan_reserve_wall_ms": {
            "p50": ms(sj.plan_reserve_s, 0.5),
            "p95": ms(sj.plan_reserve_s, 0.95),
        },
        "plan_only_wall_ms": {"p50": ms(sj.plan_only_s, 0.5), "p95": ms(sj.plan_only_s, 0.95)},
        "plan_reserve_cpu_ms": {
            "p50": ms(sj.plan_reserve_cpu_s, 0.5),
            "p95": ms(sj.plan_reserve_cpu_s, 0.95),
        },
        "plan_only_cpu_ms": {
            "p50": ms(sj.plan_only_cpu_s, 0.5),
            "p95": ms(sj.plan_only_cpu_s, 0.95),
        },
        "fixes_measured": dict(sj.fixes_measured),
        "fixes_population": dict(sj.fixes_population),
        "cpu_ms_by_fix": {
            k: {"p50": ms(v, 0.5), "p95": ms(v, 0.95)} for k, v in sj.by_kind.items()
        },
        "no_route": sj.no_route,
        "planner_errors": len(sj.planner_errors),
        "tightness_median": statistics.median(sj.tightness) if sj.tightness else None,
    }


def shinjuku_markdown(sj: ShinjukuFigures) -> list[str]:
    """The Shinjuku part of the RESULTS.md block."""
    pr, po = sj.plan_reserve_s, sj.plan_only_s
    prc, poc = sj.plan_reserve_cpu_s, sj.plan_only_cpu_s
    total = sum(sj.fixes_measured.values())
    share = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sj.fixes_measured.most_common())

    def row(name: str, a: list[float], b: list[float], q: float) -> str:
        return (
            f"| {name} | {1e3 * pct(a, q):.1f} ms | {1e3 * pct(b, q):.1f} ms | "
            f"{pct(a, q) / pct(b, q):.1f}x |"
        )

    return [
        f"**Shinjuku** (PLATEAU 2020, {sj.live} live intents planned by the same planner, "
        f"departures within {sj.window_h:g} h, 5% medical priority; {sj.measured} measured "
        f"flights; planner prepared once in {sj.prepare_s:.0f} s):\n",
        "| figure | plan + deconflict + reserve | plan only (baseline) | ratio |",
        "|---|---|---|---|",
        row("p50, wall clock", pr, po, 0.5),
        row("p95 (goal <= 50 ms), wall clock", pr, po, 0.95),
        row("p50, CPU time of the thread", prc, poc, 0.5),
        row("p95 (goal <= 50 ms), CPU time of the thread", prc, poc, 0.95),
        "",
        f"Fix chosen (measured flights): {share}. Live set built by plan + reserve with "
        "the cheap fixes (delay, cruise height; a reroute only when neither works): "
        + ", ".join(f"{k} {v}" for k, v in sj.fixes_population.most_common())
        + f". Requests with no route at all (endpoints on open ground): {sj.no_route}"
        + (
            f", of which the planner crashed on {len(sj.planner_errors)} "
            f"(first: {sj.planner_errors[0]})."
            if sj.planner_errors
            else "."
        ),
        "CPU time by fix (measured flights): "
        + ", ".join(
            f"{k} p50 {1e3 * pct(v, 0.5):.0f} ms / p95 {1e3 * pct(v, 0.95):.0f} ms"
            for k, v in sorted(sj.by_kind.items())
        )
        + ".",
        f"Reserved volume / swept volume of the route: median "
        f"{statistics.median(sj.tightness):.2f}, p95 {pct(sj.tightness, 0.95):.2f}.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts and print the figures and the Markdown block."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="+", default=["scale", "shinjuku"])
    ap.add_argument("--intents", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=2_000)
    ap.add_argument("--naive", type=int, default=100)
    ap.add_argument("--live", type=int, default=1_000)
    ap.add_argument("--measured", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--window-h", type=float, default=2.0, help="departures spread (Shinjuku)")
    ap.add_argument("--out", default="deconfliction", help="result file stem in results/")
    ap.add_argument("--reroute-max-blockers", type=int, default=1, help="FixSettings (Shinjuku)")
    ap.add_argument("--reroute-rounds", type=int, default=1, help="FixSettings (Shinjuku)")
    args = ap.parse_args(argv)
    scale = sj = None
    RESULTS.mkdir(exist_ok=True)
    scale_json = RESULTS / "deconfliction_scale.json"
    if "scale" in args.parts:
        scale = bench_scale(args.intents, args.queries, args.naive, args.seed)
        scale_json.write_text(json.dumps(scale, indent=1))
        print(json.dumps(scale, indent=1), flush=True)
    elif scale_json.is_file():
        scale = json.loads(scale_json.read_text())  # the last scale run, for the block
    if "shinjuku" in args.parts:
        if not SHINJUKU.is_file():
            print(f"shinjuku part skipped: {SHINJUKU} is absent", file=sys.stderr)
        else:
            reroute = (args.reroute_max_blockers, args.reroute_rounds)
            sj = bench_shinjuku(args.live, args.measured, args.seed, args.window_h, reroute)
            if sj.measured:
                summary = json.dumps(shinjuku_summary(sj), indent=1)
                (RESULTS / f"{args.out}_shinjuku.json").write_text(summary)
    block = markdown(scale, sj)
    (RESULTS / f"{args.out}.md").write_text(block)
    print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
