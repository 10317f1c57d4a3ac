"""Mission, geofence and rally transfers over the MAVLink mission protocol (scripted PX4)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.channel import Channel
from firmware_bridge.errors import MissionTransferError
from firmware_bridge.hub import MavlinkHub
from firmware_bridge.mission_item import MavCmd, MavFrame, MissionItem, MissionType
from firmware_bridge.mission_protocol import decode_item, encode_item
from firmware_bridge.transports import memory_pair
from tests.bridge.conftest import FAST, Rig
from tests.bridge.fake_px4 import FakePx4


def _survey(n: int) -> list[MissionItem]:
    takeoff = MissionItem(MavCmd.NAV_TAKEOFF, x=35.68, y=139.76, z=20.0)
    legs = [
        MissionItem(MavCmd.NAV_WAYPOINT, x=35.68 + i * 1e-4, y=139.76 - i * 2e-4, z=30.0 + i)
        for i in range(n)
    ]
    return [takeoff, *legs, MissionItem(MavCmd.NAV_RETURN_TO_LAUNCH, MavFrame.MISSION)]


def _same(a: MissionItem, b: MissionItem) -> bool:
    return (
        a.command == b.command
        and a.frame == b.frame
        and abs(a.x - b.x) < 1e-7
        and abs(a.y - b.y) < 1e-7
        and abs(a.z - b.z) < 1e-3
    )


def _all_same(a: list[MissionItem], b: list[MissionItem]) -> bool:
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))


async def test_upload_then_download_round_trips(rig: Rig) -> None:
    items = _survey(12)
    await rig.vehicle.upload_mission(items)
    assert len(rig.fake.plans[0]) == len(items)
    back = await rig.vehicle.download_mission()
    assert _all_same(items, back)


@pytest.mark.parametrize("kind", [MissionType.FENCE, MissionType.RALLY])
async def test_geofence_and_rally_are_separate_plans(rig: Rig, kind: MissionType) -> None:
    mission = _survey(2)
    await rig.vehicle.upload_mission(mission)
    vertex = MavCmd.NAV_FENCE_POLYGON_VERTEX_INCLUSION
    other = [
        MissionItem(
            vertex if kind == MissionType.FENCE else MavCmd.NAV_RALLY_POINT,
            MavFrame.GLOBAL_INT,
            param1=3,
            x=35.0 + i * 1e-3,
            y=139.0,
        )
        for i in range(3)
    ]
    await rig.vehicle.upload_plan(other, kind)
    assert _all_same(other, await rig.vehicle.download_plan(kind))
    assert len(await rig.vehicle.download_mission()) == len(mission)
    await rig.vehicle.clear_plan(kind)
    assert await rig.vehicle.download_plan(kind) == []


async def test_a_refusal_carries_the_mission_result(rig: Rig) -> None:
    def refuse(msg: object) -> None:
        rig.fake.send(rig.fake.mav.mission_ack_encode(255, 190, 4, 0))  # NO_SPACE

    rig.fake._on_mission_count = refuse  # type: ignore[method-assign]
    with pytest.raises(MissionTransferError) as caught:
        await rig.vehicle.upload_mission(_survey(3))
    assert caught.value.result == 4
    assert "NO_SPACE" in str(caught.value)


async def test_no_answer_is_a_timeout_after_the_protocol_retries(rig: Rig) -> None:
    rig.fake._on_mission_count = lambda msg: None  # type: ignore[method-assign]
    sent_before = rig.hub.stats.messages
    with pytest.raises(MissionTransferError, match="timed out") as caught:
        await rig.vehicle.upload_mission(_survey(3))
    assert caught.value.result is None
    assert rig.hub.stats.messages > sent_before  # heartbeats still flowed: only the plan failed


async def test_a_late_duplicate_request_is_not_what_silence_repeats(rig: Rig) -> None:
    """The final ACK is lost and a late duplicate request for an earlier item arrives after it.

    PX4 repeats its ACK only for a repeated *last* item (other items: "No transfer"), so on
    silence the bridge must resend the last item, not the one the stale request asked for.
    """
    fake, items = rig.fake, _survey(3)
    n = len(items)
    receive = fake._on_mission_item_int

    def lose_ack_then_stale_request() -> None:
        assert fake._upload is not None
        fake.plans[fake._upload["type"]] = fake._upload["items"]
        fake._upload = None
        fake.send(fake.mav.mission_request_int_encode(255, 190, n - 2, 0))  # no ACK: lost

    def px4_item(msg: Any) -> None:
        if fake._upload is not None:
            receive(msg)
        elif msg.seq == n - 1:
            fake.send(fake.mav.mission_ack_encode(255, 190, 0, msg.mission_type))

    fake._finish_upload = lose_ack_then_stale_request  # type: ignore[method-assign]
    fake._on_mission_item_int = px4_item  # type: ignore[method-assign]
    await rig.vehicle.upload_mission(items)
    assert _all_same(items, [decode_item(msg) for msg in fake.plans[0]])


@pytest.mark.parametrize("seed", range(4))
async def test_lossy_link_completes_or_fails_with_a_clear_timeout(seed: int) -> None:
    gcs_end, vehicle_end = memory_pair(loss=0.3, seed=seed)
    fake = FakePx4(vehicle_end)
    await fake.start()
    items = _survey(15)
    async with MavlinkHub.open(gcs_end, FAST) as hub, asyncio.TaskGroup() as tasks:
        beating = tasks.create_task(fake.heartbeats())
        vehicle = await hub.wait_vehicle(1, timeout_s=2)
        try:
            await vehicle.upload_mission(items)
        except MissionTransferError as exc:
            assert "timed out" in str(exc)
        else:
            assert _all_same(items, fake_items(fake))
        beating.cancel()


def fake_items(fake: FakePx4) -> list[MissionItem]:
    return [decode_item(msg) for msg in fake.plans[0]]


_GLOBAL_FRAMES = st.sampled_from([MavFrame.GLOBAL_INT, MavFrame.GLOBAL_RELATIVE_ALT_INT])


@given(
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    alt=st.floats(-500, 10_000, width=32),
    frame=_GLOBAL_FRAMES,
    params=st.lists(st.floats(-1e6, 1e6, width=32), min_size=4, max_size=4),
)
def test_item_wire_encoding_round_trips_to_1e7_degrees(
    lat: float, lon: float, alt: float, frame: int, params: list[float]
) -> None:
    sender = mavlink.MAVLink(None, 255, 190)
    receiver = mavlink.MAVLink(None, 1, 1)
    channel = Channel(lambda msg, peer: None, sender, 1, 1)
    item = MissionItem(MavCmd.NAV_WAYPOINT, frame, *params, x=lat, y=lon, z=alt)
    wire = bytes(encode_item(channel, 3, item, 0).pack(sender))
    (msg,) = receiver.parse_buffer(wire)
    back = decode_item(msg)
    assert abs(back.x - lat) <= 0.51e-7 and abs(back.y - lon) <= 0.51e-7
    assert back.z == alt and [back.param1, back.param2, back.param3, back.param4] == params
    assert (back.command, back.frame, back.autocontinue) == (item.command, frame, True)
