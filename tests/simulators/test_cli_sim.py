"""``skyfleet sim`` as a separate process: vehicles on the GCS port until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys

from typer.testing import CliRunner

from fleet.cli.main import build_app
from tests.simulators.mavclient import mav_client

OFFSET = 1800


async def test_skyfleet_sim_serves_the_fleet_until_interrupted() -> None:
    async with mav_client(14550 + OFFSET) as gcs:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fleet.cli", "sim", "--count", "2", "--kind", "rover",
            "--home", "139.70,35.69", "--speedup", "5", "--port-offset", str(OFFSET),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            seen: set[int] = set()
            while seen != {1, 2}:
                hb = await gcs.expect("HEARTBEAT", timeout_s=15)
                assert hb.type == 10  # MAV_TYPE_GROUND_ROVER
                seen.add(hb.get_srcSystem())
            position = await gcs.expect("GLOBAL_POSITION_INT")
            assert abs(position.lon - 1_397_000_000) < 2_000  # first vehicle at --home
        finally:
            process.send_signal(signal.SIGINT)
            out, _ = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0
        assert b"2 rover(s) up" in out


def test_bad_arguments_are_reported_with_their_value() -> None:
    result = CliRunner().invoke(build_app(), ["sim", "--home", "139.7"])
    assert result.exit_code != 0
    assert "LON,LAT" in result.output
    result = CliRunner().invoke(build_app(), ["sim", "--count", "0"])
    assert result.exit_code == 2
    assert "count must be at least 1, got 0" in result.output
