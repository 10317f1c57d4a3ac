"""A simulated vehicle's link keeps replying to its client when another autopilot sends to it.

PX4 SITL's SIH display link (instance i, port offset O) sends to 19410 + i + O, which is a
simulated vehicle's ground-station port (18570 + i + K) when K = O + 840: with PX4 running on
the machine at offset 1000, a service test at offset 1840 saw its vehicle's telemetry and
command replies go to PX4. The message that did it was PX4's CURRENT_EVENT_SEQUENCE (411), a
type the simulator's dialect lacks, which pymavlink leaves with component 0, taken for a client.
"""

from __future__ import annotations

from pymavlink.dialects.v20 import common as mavlink

from simulators.link import LinkFaults, UdpLink
from simulators.wire import x25_crc

CLIENT = ("127.0.0.1", 16390)
PX4_SIH = ("127.0.0.1", 20450)


def _frame(msgid: int, payload: bytes, sysid: int = 1, compid: int = 1) -> bytes:
    header = bytes((len(payload), 0, 0, 0, sysid, compid)) + msgid.to_bytes(3, "little")
    body = header + payload
    return b"\xfd" + body + x25_crc(body).to_bytes(2, "little")  # CRC unchecked for unknown ids


def test_an_autopilots_unknown_message_does_not_take_the_link_from_its_client() -> None:
    handled: list[str] = []
    link = UdpLink("gcs", 1, CLIENT, LinkFaults(), lambda m, _: handled.append(m.get_type()), float)
    link.datagram_received(_frame(411, b"\x01\x00\x00\x00"), PX4_SIH)
    assert link.remote == CLIENT
    assert handled == []


def test_a_client_still_becomes_the_remote() -> None:
    link = UdpLink("gcs", 1, CLIENT, LinkFaults(), lambda m, _: None, float)
    gcs = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
    beat = mavlink.MAVLink_heartbeat_message(mavlink.MAV_TYPE_GCS, 8, 0, 0, 4, 3).pack(gcs)
    link.datagram_received(bytes(beat), ("127.0.0.1", 40000))
    assert link.remote == ("127.0.0.1", 40000)
