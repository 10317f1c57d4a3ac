"""`skyfleet fly`: a .plan flown on the simulator over UDP; failures exit non-zero with reasons."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from fleet.cli.fly import EXIT_BAD_INPUT, EXIT_FLIGHT_FAILED, EXIT_NO_VEHICLE, fly
from fleet.cli.main import build_app
from fleet.qgc_plan import QgcPlan, write_plan
from simulators.config import AutopilotConfig, FailsafeAction
from simulators.physics import VehicleKind
from simulators.swarm import Swarm
from tests.bridge.sim_rig import north_east, square_mission


def _plan_file(tmp_path: Path, side_m: float = 30.0) -> Path:
    path = tmp_path / "square.plan"
    write_plan(QgcPlan(tuple(square_mission(side_m=side_m))), path)
    return path


async def _fly_on_sim(
    plan: Path,
    offset: int,
    config: AutopilotConfig | None = None,
    battery_fault: bool = False,
    kind: VehicleKind = VehicleKind.QUAD,
) -> tuple[int, list[str]]:
    lines: list[str] = []
    async with Swarm(
        1, kind, speedup=40, port_offset=offset, gcs_link=False, config=config
    ) as swarm:
        ticking = asyncio.create_task(swarm.run())

        def echo(line: str) -> None:
            lines.append(line)
            if battery_fault and line.startswith("item 2/"):
                swarm.vehicles[0].fail_battery(remaining=0.05)  # below critical: lands at once

        code = await fly(f"udpin://127.0.0.1:{14540 + offset}", plan, None, 5.0, 120.0, echo)
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
    return code, lines


async def test_fly_a_plan_to_the_end(tmp_path: Path) -> None:
    code, lines = await _fly_on_sim(_plan_file(tmp_path), 2031)
    assert code == 0, lines
    assert "mission uploaded: 5 items" in lines
    assert [line for line in lines if line.startswith("item ")][-1].startswith("item 5/5")
    assert lines[-1] == "landed and disarmed: mission complete"


async def test_a_failsafe_landing_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    config = AutopilotConfig(critical_battery_action=FailsafeAction.LAND)
    code, lines = await _fly_on_sim(
        _plan_file(tmp_path, side_m=80), 2032, config, battery_fault=True
    )
    assert code == EXIT_FLIGHT_FAILED, lines
    assert lines[-1].startswith("FAILED: landed before the mission was finished")
    assert "battery" in lines[-1].lower()


async def test_a_rover_drives_the_plan_and_is_disarmed_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "rover.plan"
    write_plan(QgcPlan((north_east(20, 0, 0), north_east(20, 20, 0))), path)
    code, lines = await _fly_on_sim(path, 2033, kind=VehicleKind.ROVER)
    assert code == 0, lines
    assert not any(line.startswith("taking off") for line in lines)
    assert "rover at the end of the mission: disarming" in lines


def test_a_bad_plan_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.plan"
    bad.write_text('{"fileType": "Plan", "mission": {"items": 3}}')
    result = CliRunner().invoke(
        build_app(), ["fly", "--connect", "udpin://127.0.0.1:16599", "--plan", str(bad)]
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert "bad.plan" in result.output


def test_a_bad_url_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        build_app(), ["fly", "--connect", "udp://nowhere", "--plan", str(_plan_file(tmp_path))]
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert "unknown scheme" in result.output


def test_no_vehicle_exits_3(tmp_path: Path) -> None:
    args = ["fly", "--connect", "udpin://127.0.0.1:16598", "--plan", str(_plan_file(tmp_path))]
    result = CliRunner().invoke(build_app(), [*args, "--wait", "0.3"])
    assert result.exit_code == EXIT_NO_VEHICLE
    assert "no vehicle heartbeat" in result.output
