"""What PX4 says and whether it would arm, as the runner reads them (in memory).

PX4 ends many STATUSTEXTs with a tab and splits texts longer than 50 characters into chunks
(same ``id``, ``chunk_seq`` 0, 1, ...): a reason quoted to the operator must be the whole text.
SYS_STATUS's pre-arm bit says whether arming would pass PX4's preflight checks now.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import common as mavlink

from tests.bridge.conftest import Rig

LONG = "Preflight Fail: Compass Sensor 0 missing, calibrate the compass now"


async def test_a_chunked_text_arrives_whole_and_without_its_tab(rig: Rig) -> None:
    m = rig.fake.mav
    texts = rig.vehicle.telemetry.status_text
    async with texts.subscribe() as said:
        rig.fake.send(m.statustext_encode(6, b"Armed by external command\t"))
        assert (await anext(said)).text == "Armed by external command"
        rig.fake.send(m.statustext_encode(3, LONG[:50].encode(), 7, 0))
        rig.fake.send(m.statustext_encode(3, LONG[50:].encode(), 7, 1))
        whole = await anext(said)
    assert (whole.severity, whole.text) == (3, LONG)


async def test_ready_to_arm_follows_the_pre_arm_bit(rig: Rig) -> None:
    m = rig.fake.mav
    prearm = mavlink.MAV_SYS_STATUS_PREARM_CHECK
    gps = mavlink.MAV_SYS_STATUS_SENSOR_GPS
    present = prearm | gps

    def sys_status(health: int) -> object:
        return m.sys_status_encode(present, present, health, 250, 15600, -1, 80, 0, 0, 0, 0, 0, 0)

    readiness = rig.vehicle.telemetry.ready_to_arm
    async with readiness.subscribe() as changes:
        rig.fake.send(sys_status(gps))
        assert not (await anext(changes)).ready
        rig.fake.send(sys_status(gps))  # unchanged: not published again
        rig.fake.send(sys_status(present))
        assert (await anext(changes)).ready
