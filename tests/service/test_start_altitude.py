"""A leg under an intent is not flown when the vehicle's altitude does not match its route's.

The service plans routes from the city's ground (0 m AMSL for the GeoJSON tower used here). A
simulated quad standing at 40 m AMSL (a wrong altitude reference, or a city whose ground datum
is off) would leave its reserved volumes on every take-off. The runner refuses the leg before
arming and says why; the quad never leaves the ground. The same delivery with the quad at the
city's ground is flown. Simulator port offsets 1830 and 1831.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest

from tests.service.helpers import delivery_body, schedule_on, vehicle_body
from tests.service.sim_service import GROUND_AMSL_M, HOME, SimService, sim_service
from tests.service.test_city import TOWER
from tests.service.test_robot_mission import _headers

CITY_GROUND_AMSL_M = 0.0  # the GeoJSON tower's declared ground: where routes are planned
DROPOFF = {"lon_deg": HOME[0] + 0.0025, "lat_deg": HOME[1]}  # ~225 m east


async def _deliver(service: SimService) -> tuple[str, str | None, float]:
    """Book, schedule and approve one delivery on the quad; its end state, reason, top height."""
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api:
        headers = _headers(service)

        async def post(path: str, **kw: object) -> dict[str, object]:
            response = await api.post(path, headers=headers, **kw)  # type: ignore[arg-type]
            assert response.status_code in (200, 201), response.text
            return dict(response.json())

        files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
        await post("/buildings", files=files)
        dock = await post("/docks", json={"name": "roof", "lon_deg": HOME[0], "lat_deg": HOME[1]})
        body = vehicle_body("quad", mavlink_url=service.gcs_url, home_dock_id=dock["id"])
        drone = await post("/vehicles", json=body)
        now = service.runner.now()
        booking = delivery_body(
            pickup={"lon_deg": HOME[0], "lat_deg": HOME[1]},
            dropoff=DROPOFF,
            payload_kg=1.0,
            earliest_pickup=now.isoformat(),
            latest_delivery=(now + timedelta(hours=2)).isoformat(),
        )
        mission = await post("/missions/deliveries", json=booking)
        mission_id = int(str(mission["id"]))
        sessions = service.context.sessions
        await asyncio.to_thread(schedule_on, sessions, mission_id, int(str(drone["id"])))
        async with service.context.bus.subscribe() as events:
            await post(f"/missions/{mission_id}/approve")
            async for event in events:
                data = event.data
                mine = event.kind == "mission.state" and data["mission_id"] == mission_id
                if mine and data["state"] in ("completed", "failed", "aborted"):
                    break
        done = (await api.get(f"/missions/{mission_id}", headers=headers)).json()
    top = max((p.alt_agl_m for p in service.runner.tracks.get("quad", [])), default=0.0)
    return done["state"], done["state_reason"], top


@pytest.mark.parametrize(
    ("home_amsl_m", "offset", "flown"),
    [(GROUND_AMSL_M, 1830, False), (CITY_GROUND_AMSL_M, 1831, True)],
)
async def test_a_vehicle_off_its_routes_altitude_is_not_flown(
    db_url: str, home_amsl_m: float, offset: int, flown: bool
) -> None:
    async with (
        sim_service(db_url, offset, home_amsl_m=home_amsl_m) as service,
        asyncio.timeout(60),
    ):
        state, reason, top_m = await _deliver(service)
    if flown:
        assert state == "completed", reason
        assert top_m > 20.0  # it cruised
    else:
        assert state != "completed"
        assert reason is not None and "+40 m" in reason and "altitude reference" in reason
        assert top_m < 2.0  # refused before arming: it never left the ground
