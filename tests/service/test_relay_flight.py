"""A drone + ground-robot relay delivery, booked and approved through the API, flown to the end.

The service (SQLite file, or PostgreSQL when ``SKYFLEET_TEST_DATABASE_URL`` is set) with its
in-process runner flies a simulated PX4-like quad (simulator port offset 1820) and drives a
simulated rover (offset 1821) on loopback UDP, on a scaled clock:

- the quad's flights to the transfer point and back are reserved as one F3548 intent, which
  ends ``Ended``;
- the rover drives from its dock to the transfer point; it carries the parcel on towards the
  dropoff only after the quad has landed there (the runner's landing times and tracks);
- the rover stops at the dropoff (a few metres) before it drives home; every leg lands and the
  mission is ``completed``.

And the negative: with no ground robot able to take the parcel (none registered, or the only
one lost), approval answers 400 saying why, and nothing is written (no legs, no intent).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from fleet.runner.store import set_vehicle_status
from fleet.runner.track import TrackPoint
from simulators import Swarm
from simulators.physics import VehicleKind
from tests.service.helpers import delivery_body, schedule_on, vehicle_body
from tests.service.sim_service import HOME, SimService, sim_service
from tests.service.test_city import TOWER
from tests.service.test_robot_mission import _headers

AIR_OFFSET, GROUND_OFFSET = 1820, 1821
SPEEDUP = 20.0
RATES_HZ = {33: 20.0}  # GLOBAL_POSITION_INT: a fix every simulated second
GROUND_AMSL_M = 0.0  # the GeoJSON buildings' declared ground: where the routes are planned
M_PER_DEG_LAT = 111_320.0
# the quad's dock at HOME; the transfer point ~225 m east of it; the rover's dock ~55 m south
# of the transfer point and the dropoff ~80 m north of it (so the rover's northing says which
# side of the transfer point it is on)
TRANSFER = {"lon_deg": HOME[0] + 0.0025, "lat_deg": HOME[1]}
ROBOT_DOCK = {"name": "street", "lon_deg": TRANSFER["lon_deg"], "lat_deg": HOME[1] - 0.0005}
DROPOFF = {"lon_deg": TRANSFER["lon_deg"], "lat_deg": HOME[1] + 0.0007}


@dataclass
class Relay:
    """The running service (quad swarm included), the rover's swarm, and an API client."""

    service: SimService
    rovers: Swarm
    api: httpx.AsyncClient
    headers: dict[str, str]


@asynccontextmanager
async def relay_service(db_url: str) -> AsyncIterator[Relay]:
    """The service with a simulated quad at ``HOME`` and a simulated rover at its dock."""
    rovers = Swarm(
        1, VehicleKind.ROVER, home_lon_lat=(ROBOT_DOCK["lon_deg"], ROBOT_DOCK["lat_deg"]),
        speedup=SPEEDUP, port_offset=GROUND_OFFSET, home_amsl_m=GROUND_AMSL_M,
    )  # fmt: skip
    async with (
        rovers,
        sim_service(
            db_url,
            AIR_OFFSET,
            speedup=SPEEDUP,
            home_amsl_m=GROUND_AMSL_M,
            message_rates_hz=RATES_HZ,
        ) as service,
        asyncio.TaskGroup() as tg,
    ):
        ticker = tg.create_task(rovers.run())
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as api:
            yield Relay(service, rovers, api, _headers(service))
        ticker.cancel()


async def _post(relay: Relay, path: str, **kw: Any) -> Any:
    response = await relay.api.post(path, headers=relay.headers, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _get(relay: Relay, path: str) -> Any:
    response = await relay.api.get(path, headers=relay.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _fleet(relay: Relay, robot: bool) -> tuple[int, int | None]:
    """The tower, the quad at its dock and (optionally) the rover at its dock."""
    files = {"file": ("tower.geojson", json.dumps(TOWER), "application/geo+json")}
    await _post(relay, "/buildings", files=files)
    air = {"name": "roof", "lon_deg": HOME[0], "lat_deg": HOME[1]}
    air_dock = await _post(relay, "/docks", json=air)
    body = vehicle_body(
        "quad", mavlink_url=relay.service.gcs_url, home_dock_id=air_dock["id"], system_id=1
    )
    drone = await _post(relay, "/vehicles", json=body)
    if not robot:
        return drone["id"], None
    ground_dock = await _post(relay, "/docks", json=ROBOT_DOCK)
    url = f"udpin://127.0.0.1:{14550 + GROUND_OFFSET}"
    body = vehicle_body(
        "rover", kind="ground_robot", mavlink_url=url, home_dock_id=ground_dock["id"], system_id=1
    )
    rover = await _post(relay, "/vehicles", json=body)
    return drone["id"], rover["id"]


async def _book(relay: Relay, drone: int) -> int:
    """A relay delivery from the quad's dock to the dropoff, scheduled on the quad."""
    now = relay.service.runner.now()
    booking = delivery_body(
        pickup={"lon_deg": HOME[0], "lat_deg": HOME[1]},
        dropoff=DROPOFF,
        transfer=TRANSFER,
        relay_requested=True,
        payload_kg=1.0,
        earliest_pickup=now.isoformat(),
        latest_delivery=(now + timedelta(hours=2)).isoformat(),
    )
    mission = await _post(relay, "/missions/deliveries", json=booking)
    await asyncio.to_thread(schedule_on, relay.service.context.sessions, mission["id"], drone)
    return int(mission["id"])


def _metres(point: TrackPoint, place: dict[str, float]) -> float:
    """Horizontal distance from a track point to ``place`` (flat earth: fine over 100 m)."""
    north = (point.lat_deg - place["lat_deg"]) * M_PER_DEG_LAT
    east = (point.lon_deg - place["lon_deg"]) * M_PER_DEG_LAT * math.cos(math.radians(HOME[1]))
    return math.hypot(north, east)


def _fix(track: list[TrackPoint], t_s: float, *, before: bool) -> TrackPoint:
    """The last fix at or before ``t_s`` (``before``), or the first at or after it."""
    fixes = [p for p in track if (p.t_s <= t_s if before else p.t_s >= t_s)]
    assert fixes, f"no fix {'before' if before else 'after'} t={t_s:.1f} s"
    return fixes[-1] if before else fixes[0]


async def test_a_relay_is_flown_to_the_transfer_point_and_driven_on_to_the_dropoff(
    db_url: str,
) -> None:
    async with relay_service(db_url) as relay, asyncio.timeout(60):
        drone, robot = await _fleet(relay, robot=True)
        mission_id = await _book(relay, drone)
        service = relay.service
        async with service.context.bus.subscribe() as events:
            approved = await _post(relay, f"/missions/{mission_id}/approve")
            legs = approved["legs"]
            states = []
            async for event in events:
                if event.kind == "mission.state" and event.data["mission_id"] == mission_id:
                    states.append(event.data["state"])
                    if event.data["state"] in ("completed", "failed", "aborted"):
                        break
        mission = await _get(relay, f"/missions/{mission_id}")
        intent_ids = {leg["intent_id"] for leg in legs if leg["vehicle_id"] == drone}
        intents = [await _get(relay, f"/intents/{i}") for i in intent_ids if i is not None]
    assert states[-3:] == ["uploaded", "in_flight", "completed"], (states, mission["state_reason"])
    assert mission["state"] == "completed" and mission["progress_fraction"] == 1.0

    # the quad's two flights under one intent, which ended when it landed back at its dock
    air = [leg for leg in legs if leg["vehicle_id"] == drone]
    ground = [leg for leg in legs if leg["vehicle_id"] == robot]
    assert len(air) == 2 and len(ground) == 3 and len(legs) == 5
    (intent_id,) = {leg["intent_id"] for leg in air}
    assert intent_id is not None and {leg["intent_id"] for leg in ground} == {None}
    assert {leg["intent_state"] for leg in mission["legs"] if leg["intent_id"]} == {"Ended"}
    assert [(i["id"], i["state"]) for i in intents] == [(intent_id, "Ended")]
    assert service.runner.excursions == []  # the quad kept to its volumes throughout

    # every leg landed; the quad on the ground at the transfer point before the rover carries on
    runner = service.runner
    seqs = [leg["seq"] for leg in legs]
    assert sorted(seq for mission, seq in runner.landed_at if mission == mission_id) == seqs
    landed = {seq: runner.landed_at[(mission_id, seq)] for seq in seqs}

    def elapsed(when: datetime) -> float:
        return (when - runner.clock.start).total_seconds()

    out, carry = air[0]["seq"], ground[1]["seq"]
    quad, rover = runner.tracks["quad"], runner.tracks["rover"]
    down = _fix(quad, elapsed(landed[out]), before=True)
    assert _metres(down, TRANSFER) < 3.0 and down.alt_agl_m < 1.0, down
    north_of_transfer = [p for p in rover if p.lat_deg > TRANSFER["lat_deg"] + 3 / M_PER_DEG_LAT]
    assert north_of_transfer, "the rover never carried the parcel past the transfer point"
    assert north_of_transfer[0].t_s > elapsed(landed[out]), (north_of_transfer[0], landed[out])
    # it stood at the transfer point when its first drive ended, before it carried on
    reached = elapsed(landed[ground[0]["seq"]])
    assert _metres(_fix(rover, reached, before=False), TRANSFER) < 5.0
    assert north_of_transfer[0].t_s > reached
    # at the dropoff when its carrying drive ended; then home to its dock
    assert _metres(_fix(rover, elapsed(landed[carry]), before=False), DROPOFF) < 5.0
    state = relay.rovers.vehicles[0].autopilot.state
    assert math.hypot(state.north_m, state.east_m) < 10.0


async def _refused(db_url: str, robot: str | None) -> tuple[str, int | None]:
    """Approve a relay with no robot (``None``) or one of status ``robot``: the 400's detail
    and the robot's id; nothing was written (no legs, no intent, still ``scheduled``)."""
    async with relay_service(db_url) as relay, asyncio.timeout(30):
        drone, robot_id = await _fleet(relay, robot=robot is not None)
        if robot is not None and robot_id is not None:  # as the runner records a lost link
            with relay.service.context.sessions() as session:
                set_vehicle_status(session, robot_id, robot, now=relay.service.runner.now())
        mission_id = await _book(relay, drone)
        refused = await relay.api.post(f"/missions/{mission_id}/approve", headers=relay.headers)
        assert refused.status_code == 400, refused.text
        mission = await _get(relay, f"/missions/{mission_id}")
        assert mission["state"] == "scheduled" and mission["legs"] == []
        assert await _get(relay, "/intents?mine=true") == []
    return str(refused.json()["detail"]), robot_id


async def test_a_relay_with_no_ground_robot_is_refused_and_nothing_is_reserved(
    db_url: str,
) -> None:
    detail, _ = await _refused(db_url, None)
    assert "ground robot" in detail and "register one (kind ground_robot)" in detail, detail


async def test_a_relay_whose_only_robot_is_lost_is_refused_naming_it(db_url: str) -> None:
    detail, robot = await _refused(db_url, "lost")
    assert f"robot {robot}: its link is lost" in detail and "add a robot" in detail, detail
