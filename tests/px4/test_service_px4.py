"""`skyfleet serve` dispatches and flies booked work on real PX4 SITL at real time (issue 12).

Two PX4 SITL quadrotors (stock parameters: PX4 disarms 10 s after arming without a take-off
and 2 s after landing), the service as a subprocess over HTTP only, speed-up 1 everywhere:

- a delivery and an inspection are booked; nobody calls approve or scheduling: the service's
  dispatcher schedules, plans, reserves and the runner flies both to ``completed``, each
  vehicle landed back on its pad and disarmed, every intent ``Ended``;
- a delivery aborted by its dispatcher mid-flight ends ``aborted`` with the reason, its vehicle
  comes back and lands at home, and its intent is no longer live once it is down.

Skipped with the reason when ``../shared/px4-sitl`` is absent.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.px4.service_rig import (
    HOME_AMSL_M,
    HOME_LAT,
    HOME_LON,
    SPREAD_M,
    Px4Service,
    east_of_home,
    iso,
    px4_service,
)

pytestmark = pytest.mark.px4


def _metres(lon: float, lat: float, lon0: float, lat0: float) -> float:
    dx = (lon - lon0) * 111_320.0 * math.cos(math.radians(lat0))
    return math.hypot(dx, (lat - lat0) * 110_574.0)


def _delivery(east_m: float, north_m: float, opens: datetime) -> dict[str, Any]:
    lon, lat = east_of_home(east_m, north_m)
    return {
        "pickup": {"lon_deg": HOME_LON, "lat_deg": HOME_LAT},
        "dropoff": {"lon_deg": lon, "lat_deg": lat},
        "payload_kg": 0.5,
        "earliest_pickup": iso(opens),
        "latest_delivery": iso(opens + timedelta(minutes=20)),
        "priority": "normal",
    }


DROPOFF_EAST_NORTH_M = (-200.0, -40.0)
"""West of the dock, past the 45 m tower: pad 0's flight never crosses pad 1 or the survey."""
SURVEY_EAST_NORTH_M = ((60.0, 90.0), (100.0, 90.0), (100.0, 120.0), (60.0, 120.0))
"""North-east of pad 1 (40 m east of home)."""


def _inspection(opens: datetime) -> dict[str, Any]:
    ring = [east_of_home(e, n) for e, n in SURVEY_EAST_NORTH_M]
    return {
        "target": {"type": "area", "polygon": [list(p) for p in ring]},
        "gsd_cm_per_px": 2.0,
        "window_start": iso(opens),
        "window_end": iso(opens + timedelta(minutes=30)),
    }


async def _book(rig: Px4Service, path: str, body: dict[str, Any]) -> int:
    answer = await rig.api.post(path, json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def _intents_live(rig: Px4Service, mission_id: int) -> list[str]:
    """The mission's intents that are not ``Ended`` (as ``id: state``)."""
    mission = await rig.mission(mission_id)
    return [
        f"{leg['intent_id']}: {leg['intent_state']}"
        for leg in mission["legs"]
        if leg["intent_id"] and leg["intent_state"] != "Ended"
    ]


async def _landed_home(rig: Px4Service, vehicle_id: int, timeout_s: float) -> dict[str, Any]:
    """The vehicle's telemetry once it is disarmed on the ground."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last: dict[str, Any] = {}
    while loop.time() < deadline:
        last = await rig.vehicle(vehicle_id)
        if last.get("telemetry") and last["telemetry"].get("armed") is False:
            return last
        await asyncio.sleep(1.0)  # polling a remote API: there is no stream to wait on
    raise TimeoutError(f"vehicle {vehicle_id} not disarmed after {timeout_s:.0f} s: {last}")


async def test_dispatcher_flies_a_delivery_and_an_inspection_on_px4(
    tmp_path: Path, px4_folder: Path
) -> None:
    async with px4_service(tmp_path, px4_folder) as rig:
        opens = datetime.now(UTC) + timedelta(seconds=20)
        delivery = await _book(rig, "/missions/deliveries", _delivery(*DROPOFF_EAST_NORTH_M, opens))
        inspection = await _book(rig, "/missions/inspections", _inspection(opens))
        done = await asyncio.gather(
            rig.wait_state(delivery, {"completed"}, timeout_s=600.0),
            rig.wait_state(inspection, {"completed"}, timeout_s=600.0),
        )
        for mission in done:
            assert mission["state"] == "completed", (mission["id"], mission["state_reason"])
            assert mission["legs"], f"mission {mission['id']} completed without legs"
            assert await _intents_live(rig, mission["id"]) == []
        flown = {leg["vehicle_id"] for m in done for leg in m["legs"]}
        assert flown == set(rig.vehicle_ids), "two idle twins: each mission on its own vehicle"
        for vehicle_id in flown:
            state = await _landed_home(rig, vehicle_id, timeout_s=30.0)
            fix = state["telemetry"]
            k = rig.vehicle_ids.index(vehicle_id)
            pad = rig.instances[k]
            assert pad.system_id == k + 1
            pad_lon, pad_lat = east_of_home(SPREAD_M * k)
            assert _metres(fix["lon_deg"], fix["lat_deg"], pad_lon, pad_lat) < 5.0  # its own pad
            assert state["status"] == "idle"


async def test_a_dispatcher_aborts_a_delivery_mid_flight_on_px4(
    tmp_path: Path, px4_folder: Path
) -> None:
    async with px4_service(tmp_path, px4_folder, count=1) as rig:
        opens = datetime.now(UTC) + timedelta(seconds=15)
        delivery = await _book(rig, "/missions/deliveries", _delivery(-300.0, -40.0, opens))
        flying = await rig.wait_state(delivery, {"in_flight"}, timeout_s=240.0)
        assert flying["state"] == "in_flight", flying["state_reason"]
        vehicle_id = rig.vehicle_ids[0]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120.0
        while loop.time() < deadline:  # abort once it is well on its way
            fix = (await rig.vehicle(vehicle_id)).get("telemetry") or {}
            if (fix.get("alt_amsl_m") or 0.0) > HOME_AMSL_M + 10.0:
                break
            await asyncio.sleep(1.0)
        answer = await rig.api.post(
            f"/missions/{delivery}/abort", json={"action": "rtl", "reason": "parcel recalled"}
        )
        assert answer.status_code == 200, answer.text
        ended = await rig.wait_state(delivery, {"aborted"}, timeout_s=60.0)
        assert ended["state"] == "aborted"
        assert "parcel recalled" in (ended["state_reason"] or "")
        back = await _landed_home(rig, vehicle_id, timeout_s=180.0)
        fix = back["telemetry"]
        assert _metres(fix["lon_deg"], fix["lat_deg"], HOME_LON, HOME_LAT) < 10.0
        # the intent stays Contingent while the vehicle flies back, and ends once it is down
        assert await _intents_live(rig, delivery) == []
