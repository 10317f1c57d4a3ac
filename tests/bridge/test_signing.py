"""MAVLink 2 signing: signed commands accepted, unsigned ones ignored when signing is required."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.codec import SigningConfig
from firmware_bridge.errors import CommandTimeout
from firmware_bridge.hub import HubConfig, MavlinkHub
from firmware_bridge.transports import memory_pair
from tests.bridge.conftest import FAST
from tests.bridge.fake_px4 import FakePx4

KEY = bytes(range(32))


def _require_signing(mav: Any, key: bytes) -> None:
    """What pymavlink's ``mavutil.setup_signing`` does, on the vehicle's parser."""
    mav.signing.secret_key = key
    mav.signing.sign_outgoing = True
    mav.signing.allow_unsigned_callback = lambda _mav, _msg_id: False
    mav.signing.timestamp = int((time.time() - 1_420_070_400) * 100_000)  # 10 µs since 2015


def _hub_config(signing: SigningConfig | None) -> HubConfig:
    return HubConfig(
        heartbeat_timeout_s=FAST.heartbeat_timeout_s,
        commands=FAST.commands,
        missions=FAST.missions,
        actions=FAST.actions,
        signing=signing,
    )


@pytest.mark.parametrize(("bridge_key", "armed"), [(KEY, True), (None, False), (b"x" * 32, False)])
async def test_a_vehicle_requiring_signatures_ignores_unsigned_commands(
    bridge_key: bytes | None, armed: bool
) -> None:
    gcs_end, vehicle_end = memory_pair()
    fake = FakePx4(vehicle_end)
    _require_signing(fake.mav, KEY)
    await fake.start()
    signing = SigningConfig(bridge_key, require_signed=False) if bridge_key else None
    async with MavlinkHub.open(gcs_end, _hub_config(signing)) as hub, asyncio.TaskGroup() as tg:
        beating = tg.create_task(fake.heartbeats())
        vehicle = await hub.wait_vehicle(1, timeout_s=1)
        if armed:
            await vehicle.arm()
        else:
            with pytest.raises(CommandTimeout):
                await vehicle.arm()
        beating.cancel()
    assert fake.armed is armed
    assert (fake.mav.signing.reject_count > 0) is not armed


async def test_a_bridge_requiring_signatures_ignores_unsigned_vehicles() -> None:
    gcs_end, vehicle_end = memory_pair()
    await vehicle_end.start(lambda data, peer: None)
    signed, unsigned = mavlink.MAVLink(None, 1, 1), mavlink.MAVLink(None, 2, 1)
    _require_signing(signed, KEY)
    config = _hub_config(SigningConfig(KEY, require_signed=True))
    async with MavlinkHub.open(gcs_end, config) as hub:
        for mav in (unsigned, signed):
            beat = mav.heartbeat_encode(
                mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_PX4, 0, 0, 4
            )
            vehicle_end.send(bytes(beat.pack(mav)))
        await hub.wait_vehicle(1, timeout_s=1)
        assert [v.system_id for v in hub.vehicles()] == [1]
        assert hub.stats.bad_data == 1  # the unsigned heartbeat, rejected


def test_signing_keys_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SigningConfig(b"short")
