"""Discovery, routing by system id, typed telemetry streams and link health (in memory)."""

from __future__ import annotations

import asyncio

from pymavlink.dialects.v20 import common as mavlink

from firmware_bridge.hub import MavlinkHub
from firmware_bridge.px4 import FlightMode
from firmware_bridge.telemetry import LandedState
from firmware_bridge.transports import memory_pair
from tests.bridge.conftest import FAST, Rig, take
from tests.bridge.fake_px4 import MISSION, FakePx4


async def test_one_connection_routes_many_systems_by_system_id() -> None:
    gcs_end, vehicle_end = memory_pair()
    fakes = [FakePx4(vehicle_end, system_id=s) for s in (3, 7, 42)]
    await vehicle_end.start(lambda data, peer: [f._receive(data, peer) for f in fakes])
    async with MavlinkHub.open(gcs_end, FAST) as hub:
        async with hub.discovered.subscribe() as discovered:
            for fake in fakes:
                fake.heartbeat()
            seen = [v.system_id for v in await take(discovered, 3)]
        assert sorted(seen) == [3, 7, 42]
        fakes[1].custom_mode = MISSION
        fakes[1].heartbeat()
        seven = hub.vehicle(7)
        assert seven is not None
        await seven.telemetry.flight_mode.wait_for(lambda m: m.mode is FlightMode.MISSION, 1)
        three = hub.vehicle(3)
        assert three is not None and three.telemetry.flight_mode.latest is not None
        assert three.telemetry.flight_mode.latest.mode is FlightMode.HOLD
        await seven.arm()
        assert (fakes[1].armed, fakes[0].armed, fakes[2].armed) == (True, False, False)


async def test_components_and_ground_stations_are_not_vehicles() -> None:
    gcs_end, vehicle_end = memory_pair()
    fake = FakePx4(vehicle_end, system_id=5)
    await fake.start()
    gimbal = mavlink.MAVLink(None, 9, 154)
    async with MavlinkHub.open(gcs_end, FAST) as hub:
        beat = gimbal.heartbeat_encode(
            mavlink.MAV_TYPE_GIMBAL, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 4
        )
        vehicle_end.send(bytes(beat.pack(gimbal)))
        fake.heartbeat()
        await hub.wait_vehicle(5, timeout_s=1)
        assert [v.system_id for v in hub.vehicles()] == [5]


async def test_telemetry_snapshot_and_iterators(rig: Rig) -> None:
    m = rig.fake.mav
    async with rig.vehicle.telemetry.position.subscribe() as positions:
        rig.fake.send(
            m.global_position_int_encode(
                1000, 356812000, 1397671000, 52_500, 12_000, 150, -20, 5, 9000
            )
        )
        first = await anext(positions)
    assert (round(first.lat_deg, 4), round(first.lon_deg, 4)) == (35.6812, 139.7671)
    assert (first.alt_amsl_m, first.alt_rel_home_m, first.heading_deg) == (52.5, 12.0, 90.0)
    assert (first.vn_mps, first.ve_mps, first.vd_mps) == (1.5, -0.2, 0.05)
    assert rig.vehicle.telemetry.position.latest == first

    cells = [3900, 3900, 3900, 3900] + [65535] * 6
    rig.fake.send(m.battery_status_encode(0, 0, 0, 2500, cells, 1230, -1, -1, 67))
    battery = await rig.vehicle.telemetry.battery.wait_for(lambda b: True, 1)
    assert battery.remaining_pct == 67 and abs((battery.voltage_v or 0) - 15.6) < 1e-9
    assert battery.current_a == 12.3

    rig.fake.send(m.extended_sys_state_encode(0, mavlink.MAV_LANDED_STATE_IN_AIR))
    landed = await rig.vehicle.telemetry.landed_state.wait_for(lambda s: True, 1)
    assert landed.state is LandedState.IN_AIR

    rig.fake.send(m.statustext_encode(4, b"Low battery, returning"))
    text = await rig.vehicle.telemetry.status_text.wait_for(lambda s: True, 1)
    assert (text.severity, text.text) == (4, "Low battery, returning")


async def test_mission_progress_counts_reached_items(rig: Rig) -> None:
    m = rig.fake.mav
    progress = rig.vehicle.telemetry.mission_progress
    async with progress.subscribe() as events:
        rig.fake.send(m.mission_current_encode(1, 3))
        rig.fake.send(m.mission_item_reached_encode(1))
        rig.fake.send(m.mission_current_encode(2, 3))
        rig.fake.send(m.mission_item_reached_encode(2))
        finals = await take(events, 4)
    assert [(e.current_seq, e.reached_seq) for e in finals] == [(1, -1), (1, 1), (2, 1), (2, 2)]
    assert finals[-1].finished and not finals[-2].finished


async def test_link_lost_after_the_timeout_and_recovered_on_the_next_heartbeat(rig: Rig) -> None:
    loop = asyncio.get_running_loop()
    async with rig.vehicle.telemetry.link.subscribe() as link:
        rig.fake.silent = True
        dropped_at = loop.time()
        lost = await anext(link)
        lost_after_s = loop.time() - dropped_at
        rig.fake.silent = False
        back = await anext(link)
    assert not lost.connected and back.connected
    assert lost_after_s < FAST.heartbeat_timeout_s + 0.3
    assert rig.vehicle.connected


async def test_iteration_ends_when_the_hub_closes() -> None:
    gcs_end, vehicle_end = memory_pair()
    fake = FakePx4(vehicle_end)
    await fake.start()
    async with MavlinkHub.open(gcs_end, FAST) as hub:
        fake.heartbeat()
        vehicle = await hub.wait_vehicle(timeout_s=1)

        async def read_all() -> int:
            return len([p async for p in vehicle.telemetry.position])

        reader = asyncio.create_task(read_all())
        await asyncio.sleep(0)
    assert await asyncio.wait_for(reader, 1) == 0


def test_every_telemetry_handler_is_in_the_decoded_set() -> None:
    from firmware_bridge.decoder import TELEMETRY_IDS, TelemetryDecoder
    from firmware_bridge.telemetry import Telemetry

    assert set(TelemetryDecoder(Telemetry(), lambda: 0.0).handlers) == TELEMETRY_IDS


async def test_unconsumed_messages_are_framed_but_not_decoded(rig: Rig) -> None:
    m = rig.fake.mav
    skipped_before = rig.hub.stats.skipped
    rig.fake.send(m.attitude_encode(1, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0))
    rig.fake.send(m.global_position_int_encode(1, 356812000, 1397671000, 1, 1, 0, 0, 0, 0))
    await rig.vehicle.telemetry.position.wait_for(lambda p: True, 1)
    assert rig.hub.stats.skipped == skipped_before + 1


async def test_a_handler_failure_is_counted_and_the_next_messages_still_flow(rig: Rig) -> None:
    def boom(msg: object) -> None:
        raise ValueError("absurd field")

    rig.vehicle._decoder.handlers[mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT] = boom
    m = rig.fake.mav
    rig.fake.send(m.global_position_int_encode(1, 0, 0, 0, 0, 0, 0, 0, 0))
    rig.fake.send(m.statustext_encode(6, b"still here"))
    text = await rig.vehicle.telemetry.status_text.wait_for(lambda s: True, 1)
    assert text.text == "still here"
    assert rig.hub.handler_errors == 1
