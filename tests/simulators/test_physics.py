"""The pure step core: limits, battery, wind determinism (hypothesis property tests)."""

from __future__ import annotations

import doctest
import itertools
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulators.battery
import simulators.geo
import simulators.params
import simulators.px4_modes
from simulators.battery import cell_voltage_v
from simulators.physics import (
    QUAD_AIRFRAME,
    ROVER_AIRFRAME,
    Setpoint,
    VehicleState,
    Wind,
    initial_state,
    step,
)

setpoints = st.builds(
    Setpoint,
    north_m=st.floats(-500, 500),
    east_m=st.floats(-500, 500),
    up_m=st.floats(0, 120),
    speed_mps=st.floats(0, 30),
    motors_on=st.booleans(),
)
winds = st.builds(
    Wind,
    north_mps=st.floats(-10, 10),
    east_mps=st.floats(-10, 10),
    gust_sigma_mps=st.floats(0, 4),
    seed=st.integers(0, 2**16),
)


def _fly(state: VehicleState, setpoints_: list[Setpoint], dt_s: float) -> list[VehicleState]:
    states = [state]
    for sp in setpoints_:
        for _ in range(5):
            states.append(step(replace(states[-1], setpoint=sp), dt_s))
    return states


@settings(max_examples=60, deadline=None)
@given(
    airframe=st.sampled_from([QUAD_AIRFRAME, ROVER_AIRFRAME]),
    wind=winds,
    payload_kg=st.floats(0, 3),
    targets=st.lists(setpoints, min_size=1, max_size=6),
    dt_s=st.floats(0.01, 0.5),
)
def test_limits_hold_and_the_battery_only_drains(
    airframe: object, wind: Wind, payload_kg: float, targets: list[Setpoint], dt_s: float
) -> None:
    states = _fly(initial_state(airframe, wind, payload_kg), targets, dt_s)  # type: ignore[arg-type]
    frame = states[0].airframe
    for before, after in itertools.pairwise(states):
        assert after.battery.used_wh >= before.battery.used_wh
        assert after.battery.remaining <= before.battery.remaining
        assert after.ground_speed_mps <= frame.max_speed_mps + 1e-6
        assert -frame.max_descent_mps - 1e-6 <= after.vu_mps <= frame.max_climb_mps + 1e-6
        assert after.up_m >= 0.0
        dv = math.hypot(after.vn_mps - before.vn_mps, after.ve_mps - before.ve_mps)
        assert dv <= frame.accel_mps2 * dt_s * math.sqrt(2) + 1e-6
        assert after.t_s == pytest.approx(before.t_s + dt_s)
    if frame is ROVER_AIRFRAME:
        assert all(s.up_m == 0.0 for s in states)


@settings(max_examples=30, deadline=None)
@given(wind=winds, target=setpoints)
def test_step_is_pure_and_reproducible(wind: Wind, target: Setpoint) -> None:
    start = replace(initial_state(QUAD_AIRFRAME, wind), setpoint=target)
    assert _fly(start, [target] * 3, 0.1) == _fly(start, [target] * 3, 0.1)


@pytest.mark.parametrize("airframe", [QUAD_AIRFRAME, ROVER_AIRFRAME], ids=["quad", "rover"])
def test_vehicle_reaches_its_setpoint_and_stops(airframe: object) -> None:
    state = initial_state(airframe)  # type: ignore[arg-type]
    up = 20.0 if airframe is QUAD_AIRFRAME else 0.0
    state = replace(state, setpoint=Setpoint(60.0, -40.0, up, 4.0, True))
    for _ in range(1200):
        state = step(state, 0.1)
    assert (state.north_m, state.east_m, state.up_m) == pytest.approx((60.0, -40.0, up), abs=0.05)
    assert state.ground_speed_mps < 0.05


def test_payload_and_climb_cost_energy() -> None:
    def used_wh(payload_kg: float, up_m: float) -> float:
        state = replace(
            initial_state(QUAD_AIRFRAME, payload_kg=payload_kg),
            setpoint=Setpoint(0.0, 0.0, up_m, 5.0, True),
        )
        for _ in range(600):
            state = step(state, 0.1)
        return state.battery.used_wh

    assert used_wh(2.0, 10.0) > used_wh(0.0, 10.0)
    assert used_wh(0.0, 50.0) > used_wh(0.0, 10.0)


def test_gusts_move_a_hovering_multicopter_and_depend_on_the_seed() -> None:
    def hover(seed: int) -> VehicleState:
        wind = Wind(gust_sigma_mps=3.0, seed=seed)
        state = replace(initial_state(QUAD_AIRFRAME, wind), up_m=10.0)
        state = replace(state, setpoint=Setpoint(0.0, 0.0, 10.0, 5.0, True))
        for _ in range(50):
            state = step(state, 0.1)
        return state

    assert hover(1).north_m != 0.0
    assert hover(1) == hover(1)
    assert hover(1).north_m != hover(2).north_m


def test_voltage_curve_is_monotone_between_empty_and_full() -> None:
    volts = [cell_voltage_v(i / 100) for i in range(101)]
    assert volts == sorted(volts)
    assert (volts[0], volts[-1]) == (3.3, 4.2)


@pytest.mark.parametrize(
    "module",
    [simulators.battery, simulators.geo, simulators.params, simulators.px4_modes],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: object) -> None:
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0
