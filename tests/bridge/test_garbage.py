"""Garbage on the wire never crashes the bridge, and valid packets after it still get through."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.hub import MavlinkHub
from firmware_bridge.transports import memory_pair
from tests.bridge.conftest import FAST

_VEHICLE = mavlink.MAVLink(None, 1, 1)
HEARTBEAT = bytes(
    _VEHICLE.heartbeat_encode(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_PX4, 0, 0, 4).pack(
        _VEHICLE
    )
)
MAGIC = st.sampled_from([b"\xfd", b"\xfe"])
CHUNK = st.one_of(st.binary(max_size=300), st.tuples(MAGIC, st.binary(max_size=60)).map(b"".join))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=st.lists(CHUNK, max_size=8), datagram=st.booleans())
def test_any_bytes_are_survived_and_the_next_heartbeat_still_parsed(
    chunks: list[bytes], datagram: bool
) -> None:
    async def scenario() -> None:
        gcs_end, vehicle_end = memory_pair()
        gcs_end.datagram = datagram  # also exercise the stream (TCP/serial) resync path
        await vehicle_end.start(lambda data, peer: None)
        async with MavlinkHub.open(gcs_end, FAST) as hub:
            for chunk in chunks:
                hub.receive(chunk, "vehicle")
            # On a byte stream a truncated packet may swallow a few following bytes (as
            # pymavlink and the C library do: up to 280 bytes); soon it is back in sync.
            for _ in range(1 if datagram else 60):
                hub.receive(HEARTBEAT, "vehicle")
            assert hub.vehicle(1) is not None

    asyncio.run(scenario())


async def test_garbage_over_real_udp_does_not_stop_the_bridge() -> None:
    async with MavlinkHub.open("udpin://127.0.0.1:0", FAST) as hub:
        port = hub._transport.local_port  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        sender, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port)
        )
        for junk in (b"\xfd" * 40, b"\x00" * 1000, b"\xfe\x05garbage", HEARTBEAT[:-3]):
            sender.sendto(junk)
        sender.sendto(HEARTBEAT)
        vehicle = await hub.wait_vehicle(1, timeout_s=2)
        sender.close()
    assert vehicle.system_id == 1
    assert hub.stats.bad_data > 0


def _packets(draw_ids: list[int]) -> list[bytes]:
    mav = mavlink.MAVLink(None, 4, 1)
    makers = [
        lambda: mav.heartbeat_encode(2, 12, 0, 0, 4),
        lambda: mav.attitude_encode(1, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0),
        lambda: mav.statustext_encode(4, b"Low battery"),
        lambda: mav.mission_current_encode(3, 9),
    ]
    out = []
    for k in draw_ids:
        v1 = k >= len(makers)
        out.append(bytes(makers[k % len(makers)]().pack(mav, force_mavlink1=v1)))
    return out


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.integers(0, 7), min_size=1, max_size=6),
    junk=st.binary(max_size=40),
)
def test_datagram_fast_path_matches_pymavlinks_parser(ids: list[int], junk: bytes) -> None:
    from firmware_bridge.codec import Codec

    packets = _packets(ids)
    reference = mavlink.MAVLink(None, 255, 190)
    expected = [m.to_dict() for m in reference.parse_buffer(b"".join(packets)) or []]
    codec = Codec()
    assert [m.to_dict() for m in codec.decode(b"".join(packets), datagram=True)] == expected
    # Junk after whole packets never costs the packets before it.
    got = codec.decode(b"".join(packets) + junk, datagram=True)
    assert [m.to_dict() for m in got][: len(expected)] == expected
