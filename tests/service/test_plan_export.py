"""QGroundControl ``.plan`` export of a planned mission leg, read back with fleet.qgc_plan."""

from __future__ import annotations

from datetime import timedelta

import httpx

from firmware_bridge.mission_item import MavCmd
from fleet.qgc_plan import from_json
from fleet.storage.tables import MissionLeg
from tests.service.conftest import TokenMaker
from tests.service.helpers import T0, delivery_body


def _route() -> dict[str, object]:
    points = [
        (139.700, 35.690, 40.0),
        (139.700, 35.690, 100.0),
        (139.705, 35.692, 100.0),
        (139.710, 35.695, 100.0),
        (139.710, 35.695, 40.0),
    ]
    return {
        "waypoints": [
            {
                "lon_deg": lon,
                "lat_deg": lat,
                "alt_amsl_m": alt,
                "ground_amsl_m": 40.0,
                "time": (T0 + timedelta(seconds=60 * k)).isoformat(),
            }
            for k, (lon, lat, alt) in enumerate(points)
        ],
        "length_m": 1300.0,
        "duration_s": 240.0,
    }


async def test_planned_leg_exports_a_plan_qgc_can_read(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    mission_id = (
        await client.post("/missions/deliveries", json=delivery_body(), headers=headers)
    ).json()["id"]
    unplanned = await client.get(f"/missions/{mission_id}/plan", headers=headers)
    assert unplanned.status_code == 404
    assert "not planned" in unplanned.json()["detail"]
    context = client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        session.add(MissionLeg(mission_id=mission_id, seq=0, route=_route()))
        session.commit()
    response = await client.get(f"/missions/{mission_id}/plan", headers=headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    plan = from_json(response.text)
    commands = [item.command for item in plan.mission_items]
    assert commands[0] == MavCmd.NAV_TAKEOFF and commands[-1] == MavCmd.NAV_LAND
    assert plan.planned_home is not None
    assert (plan.planned_home.lon_deg, plan.planned_home.lat_deg) == (139.7, 35.69)
    foreign = await client.get(f"/missions/{mission_id}/plan", headers=auth("rival", "admin"))
    assert foreign.status_code == 404
