"""The VRPTW core on Solomon data: the engine's routes are feasible by an independent check."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from fleet.scheduler.engine import solve_vrptw
from fleet.scheduler.errors import InstanceFormatError
from fleet.scheduler.vrptw import VrptwInstance, evaluate, read_solomon

pytestmark = pytest.mark.shared_data


def independent_check(path: Path, routes: tuple[tuple[int, ...], ...]) -> tuple[float, list[str]]:
    """Parse the Solomon file by hand and replay the routes (no shared code with the package)."""
    lines = path.read_text().split("\n")
    capacity = int(lines[4].split()[1])
    rows = [list(map(float, ln.split())) for ln in lines[9:] if ln.strip()]
    node = {int(r[0]): r[1:] for r in rows}  # x, y, demand, ready, due, service
    problems: list[str] = []
    total = 0.0
    visited: list[int] = []
    for route in routes:
        t, load, here = node[0][3], 0.0, 0
        for c in [*route, 0]:
            d = math.hypot(node[c][0] - node[here][0], node[c][1] - node[here][1])
            total += d
            t = max(t + d, node[c][3])
            if t > node[c][4] + 1e-9:
                problems.append(f"late at {c}")
            t += node[c][5]
            load += node[c][2]
            here = c
        visited += route
        if load > capacity:
            problems.append(f"overloaded route {route}")
    if sorted(visited) != sorted(k for k in node if k):
        problems.append("customers missing or repeated")
    return total, problems


def test_pyvrp_solution_of_c101_is_feasible_and_close_to_bks(shared_data: Path) -> None:
    path = shared_data / "vrp" / "solomon" / "C101.txt"
    instance = read_solomon(path)
    solution = solve_vrptw(instance, time_limit_s=1.5, seed=1)
    total, problems = independent_check(path, solution.routes)
    assert problems == []
    ours = evaluate(instance, solution.routes)
    assert ours.feasible
    assert ours.distance == pytest.approx(total, rel=1e-12)
    assert solution.num_vehicles == 10  # the BKS fleet; C101 is easy
    assert total < 828.94 * 1.05


def tiny() -> VrptwInstance:
    return VrptwInstance(
        name="tiny",
        xy=((0.0, 0.0), (3.0, 4.0), (6.0, 8.0)),
        demand=(0, 5, 5),
        ready_time=(0.0, 0.0, 20.0),
        due_time=(100.0, 10.0, 30.0),
        service_time=(0.0, 1.0, 1.0),
        capacity=10,
        num_vehicles=2,
    )


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        (((1, 2),), None),
        (((2, 1),), "node 1 reached"),
        (((1,),), "not visited: [2]"),
        (((1, 2), (2,)), "customer 2 visited by routes 0 and 1"),
        (((1, 7),), "unknown customer 7"),
    ],
)
def test_evaluate_flags_each_violation(
    routes: tuple[tuple[int, ...], ...], fragment: str | None
) -> None:
    ev = evaluate(tiny(), routes)
    if fragment is None:
        assert ev.feasible
        assert ev.distance == pytest.approx(5 + 5 + 10)
    else:
        assert any(fragment in v for v in ev.violations), ev.violations


def test_evaluate_flags_capacity() -> None:
    over = replace(tiny(), capacity=9)
    assert any("load 10 > capacity 9" in v for v in evaluate(over, ((1, 2),)).violations)


def test_read_solomon_names_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "X1.txt"
    bad.write_text("X1\n\nVEHICLE\nnonsense\n")
    with pytest.raises(InstanceFormatError, match=r"X1\.txt"):
        read_solomon(bad)
