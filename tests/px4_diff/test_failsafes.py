"""Failsafes on the simulator and on PX4: data-link loss (COM_DL_LOSS_T, NAV_DLL_ACT).

With NAV_DLL_ACT = 2 (Return) both refuse to arm until a GCS heartbeat came. The client then
sends GCS heartbeats once a second (wall), takes off, and stops them. Compared: ACK results and
the mode sequence (Return, then Hold once disarmed at home) exactly, and the simulated time from
the last heartbeat to Return within 40 % of PX4's (PX4 SITL's rcS multiplies COM_DL_LOSS_T by
the speed factor, the simulator counts it in wall time: both give up after 10 wall seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from pathlib import Path

from pymavlink.dialects.v20 import common as mavlink

from tests.px4_diff.harness import Target, run_both

M = mavlink


class _GcsHeartbeats:
    """GCS HEARTBEATs every wall second from :meth:`start` to :meth:`stop`, per target."""

    def __init__(self) -> None:
        self._stops: dict[int, asyncio.Event] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, v: Target) -> None:
        stop = self._stops[id(v)] = asyncio.Event()
        self._tasks[id(v)] = asyncio.create_task(self._beat(v, stop))

    async def stop(self, v: Target) -> None:
        self._stops[id(v)].set()
        await self._tasks[id(v)]

    @staticmethod
    async def _beat(v: Target, stop: asyncio.Event) -> None:
        heartbeat = M.MAVLink_heartbeat_message(M.MAV_TYPE_GCS, M.MAV_AUTOPILOT_INVALID, 0, 0, 0, 3)
        while not stop.is_set():
            v.link.send(heartbeat)
            v.mark("last_heartbeat")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)  # the period, or stop


async def test_data_link_loss_returns_home(px4_folder: Path) -> None:
    beats = _GcsHeartbeats()

    async def before_ready(v: Target) -> None:
        v.trace.results["arm_without_gcs"] = await v.arm()
        beats.start(v)

    async def scenario(v: Target) -> None:
        v.trace.results["arm"] = await v.arm()
        v.trace.results["takeoff"] = await v.command(
            M.MAV_CMD_NAV_TAKEOFF, math.nan, 0, 0, math.nan, math.nan, math.nan, v.home_amsl_m + 8
        )
        await v.wait_mode("TAKEOFF", timeout_s=10.0)
        await v.wait_mode("HOLD", armed=True, timeout_s=40.0)
        await beats.stop(v)
        await v.wait_mode("RTL", armed=True, timeout_s=30.0)
        v.mark("rtl")
        await v.wait_disarmed(timeout_s=60.0)
        await v.wait("HEARTBEAT", timeout_s=3.0)

    sim, px4 = await run_both(scenario, px4_folder, {"NAV_DLL_ACT": 2}, before_ready)
    report = f"\n{sim}\n{px4}"
    assert px4.results["arm_without_gcs"] != M.MAV_RESULT_ACCEPTED, report
    assert sim.results == px4.results, report
    assert sim.mode_sequence("armed") == px4.mode_sequence("armed"), report
    px4_s, sim_s = px4.between("last_heartbeat", "rtl"), sim.between("last_heartbeat", "rtl")
    assert abs(sim_s - px4_s) <= 0.4 * px4_s, report
