"""Fixtures: a bridge hub wired to a scripted fake PX4 over the in-memory transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

import pytest

from firmware_bridge.commands import CommandPolicy
from firmware_bridge.hub import HubConfig, MavlinkHub
from firmware_bridge.mission_protocol import MissionPolicy
from firmware_bridge.transports import memory_pair
from firmware_bridge.vehicle import ActionPolicy, Vehicle
from tests.bridge.fake_px4 import FakePx4

T = TypeVar("T")

# Short timeouts so failure paths run in well under a second.
FAST = HubConfig(
    heartbeat_timeout_s=0.3,
    commands=CommandPolicy(ack_timeout_s=0.1, retries=3, rejected_backoff_s=0.01),
    missions=MissionPolicy(timeout_s=0.1, retries=5),
    actions=ActionPolicy(confirm_timeout_s=0.2, mode_attempts=5),
)


@dataclass
class Rig:
    hub: MavlinkHub
    fake: FakePx4
    vehicle: Vehicle


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    gcs_end, vehicle_end = memory_pair()
    fake = FakePx4(vehicle_end)
    await fake.start()
    async with MavlinkHub.open(gcs_end, FAST) as hub, asyncio.TaskGroup() as tasks:
        beating = tasks.create_task(fake.heartbeats())
        vehicle = await hub.wait_vehicle(1, timeout_s=2)
        yield Rig(hub, fake, vehicle)
        beating.cancel()


async def take(values: AsyncIterator[T], n: int) -> list[T]:
    """The next ``n`` values of an async iterator."""
    return [await anext(values) for _ in range(n)]
