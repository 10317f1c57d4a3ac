"""Time-aware replanning with an injected planner: delay vs altitude vs reroute vs blocked."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from airspace.deconfliction import Accepted, DeconflictionEngine
from airspace.deconfliction.fixes import (
    Blocked,
    FixKind,
    FixSettings,
    FlightRequest,
    PlanRequest,
    Reserved,
    plan_and_reserve,
    smallest_free_delay_s,
)
from airspace.errors import PlanningError
from airspace.intents import new_intent
from airspace.route import Route
from airspace.volumes import geoid_amsl_to_w84_m
from tests.intents.helpers import ORIGIN, T0, box
from tests.intents.routes import GROUND_AMSL_M, route_through

N_M = geoid_amsl_to_w84_m(ORIGIN.origin_lon_deg, ORIGIN.origin_lat_deg, 0.0)


class CorridorPlanner:
    """Flies (0,0) -> (2000,0) straight, or with a dog-leg through y=+600 when told to avoid."""

    def __init__(self, detour_possible: bool = True) -> None:
        self.detour_possible = detour_possible
        self.calls: list[PlanRequest] = []

    def __call__(self, request: PlanRequest) -> Route:
        self.calls.append(request)
        z = GROUND_AMSL_M + (request.cruise_agl_m or 60.0)
        g = GROUND_AMSL_M
        if not request.avoid:
            pts = [(0, 0, g), (0, 0, z), (2000, 0, z), (2000, 0, g)]
        elif self.detour_possible:
            pts = [(0, 0, g), (0, 0, z), (1000, 600, z), (2000, 0, z), (2000, 0, g)]
        else:
            raise PlanningError("no way around")
        return route_through(pts, departure=request.departure)  # type: ignore[arg-type]


def _w84(agl_m: float) -> float:
    return GROUND_AMSL_M + agl_m + N_M


def _blocked_engine(*blockers: tuple[str, object]) -> DeconflictionEngine:
    engine = DeconflictionEngine()
    for name, volume in blockers:
        assert isinstance(engine.reserve(new_intent(name, "other", (volume,))), Accepted)
    return engine


REQ = FlightRequest("mine", "me", T0)


def test_free_airspace_needs_no_fix() -> None:
    result = plan_and_reserve(DeconflictionEngine(), CorridorPlanner(), REQ)
    assert isinstance(result, Reserved) and result.fix.kind is FixKind.NONE


def test_short_blockage_is_fixed_by_the_smallest_delay() -> None:
    # all altitudes busy over the corridor's middle until T0 - 20 s (inside our time margin)
    busy = box(900, -50, 1100, 50, 0, 500, -600, -20)
    engine = _blocked_engine(("busy", busy))
    result = plan_and_reserve(engine, CorridorPlanner(), REQ)
    assert isinstance(result, Reserved) and result.fix.kind is FixKind.DELAY
    delay = result.fix.delay_s
    assert delay == int(delay) and 0 < delay < FixSettings().altitude_penalty_s
    # one second less would conflict: the delay is the smallest
    earlier = [v for v in result.accepted.intent.volumes]
    shifted = tuple(
        type(v)(
            v.outline,
            v.altitude_lower_w84_m,
            v.altitude_upper_w84_m,
            v.time_start - timedelta(seconds=1),
            v.time_end - timedelta(seconds=1),
        )
        for v in earlier
    )
    assert engine.find_conflicts(shifted, priority=0)
    assert result.fix.route.departure == T0 + timedelta(seconds=delay)


def test_long_blockage_at_cruise_height_is_fixed_by_another_altitude() -> None:
    busy = box(900, -50, 1100, 50, _w84(50), _w84(70), -600, 7200)
    engine = _blocked_engine(("busy", busy))
    result = plan_and_reserve(engine, CorridorPlanner(), REQ)
    assert isinstance(result, Reserved) and result.fix.kind is FixKind.ALTITUDE
    cruise = max(w.alt_amsl_m for w in result.fix.route.waypoints) - GROUND_AMSL_M
    assert cruise not in (60.0,) and abs(cruise - 60) > 10 - 1e-9


def test_all_heights_busy_for_long_is_fixed_by_a_reroute() -> None:
    busy = box(900, -100, 1100, 100, 0, 1000, -600, 7200)
    planner = CorridorPlanner()
    result = plan_and_reserve(_blocked_engine(("busy", busy)), planner, REQ)
    assert isinstance(result, Reserved) and result.fix.kind is FixKind.REROUTE
    assert planner.calls[-1].avoid == (busy,)


def test_no_fix_reports_exactly_the_blockers() -> None:
    busy = box(900, -100, 1100, 100, 0, 1000, -600, 7200)
    other = box(-5000, 5000, -4000, 6000)  # unrelated
    engine = _blocked_engine(("busy", busy), ("other", other))
    result = plan_and_reserve(engine, CorridorPlanner(detour_possible=False), REQ)
    assert isinstance(result, Blocked)
    assert result.conflict.blocking_intent_ids == ("busy",)
    assert {i.id for i in engine.intents()} == {"busy", "other"}


def test_delay_is_chosen_over_altitude_when_cheaper_and_vice_versa() -> None:
    # cruise band mid-corridor busy until -20 s: a 5 s delay; until +1000 s: altitude
    for until_s, expected in ((-20, FixKind.DELAY), (1000, FixKind.ALTITUDE)):
        busy = box(900, -100, 1100, 100, _w84(50), _w84(70), -600, until_s)
        result = plan_and_reserve(_blocked_engine(("busy", busy)), CorridorPlanner(), REQ)
        assert isinstance(result, Reserved) and result.fix.kind is expected, until_s


windows = st.lists(
    st.tuples(st.floats(-100, 1000), st.floats(0, 200)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=12,
)


@given(windows)
def test_smallest_free_delay_property(ws: list[tuple[float, float]]) -> None:
    d = smallest_free_delay_s(ws)
    assert d >= 0 and d == int(d)
    assert not any(lo < d < hi for lo, hi in ws)
    assert all(any(lo < k < hi for lo, hi in ws) for k in range(int(d)))


def test_busy_take_off_point_is_blocked_without_planning_other_heights_or_routes() -> None:
    # a column over the take-off point, all heights, for two hours: only a delay could help
    column = box(-30, -30, 30, 30, 0, 1000, -600, 7200)
    planner = CorridorPlanner()
    result = plan_and_reserve(_blocked_engine(("column", column)), planner, REQ)
    assert isinstance(result, Blocked) and "take-off" in result.reason
    assert result.conflict.blocking_intent_ids == ("column",)
    assert len(planner.calls) == 1  # the first plan only


def test_reroute_is_not_tried_around_more_blockers_than_the_setting() -> None:
    # all heights busy mid-corridor, split among three intents: a reroute would work (the
    # planner detours) but three blockers exceed reroute_max_blockers=2
    parts = [box(x, -100, x + 60, 100, 0, 1000, -600, 7200) for x in (900, 965, 1030)]
    engine = _blocked_engine(*((f"b{k}", v) for k, v in enumerate(parts)))
    planner = CorridorPlanner()
    result = plan_and_reserve(engine, planner, REQ, FixSettings(reroute_max_blockers=2))
    assert isinstance(result, Blocked)
    assert not any(call.avoid for call in planner.calls)
    wider = plan_and_reserve(engine, CorridorPlanner(), REQ, FixSettings(reroute_max_blockers=3))
    assert isinstance(wider, Reserved) and wider.fix.kind is FixKind.REROUTE
