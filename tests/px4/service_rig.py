"""`skyfleet serve` as a user runs it, flying real PX4 SITL vehicles, driven over HTTP only.

The rig starts PX4 SITL instances (:mod:`simulators.px4_sitl`), writes a small GeoJSON city
around PX4's home (a few towers, ground at PX4's home altitude), starts ``skyfleet serve`` as a
subprocess on a free port with a SQLite file, mints a token with ``skyfleet token``, waits for
``/readyz``, and registers a dock at home and one vehicle per PX4 instance. Everything after
that is the caller's, through :class:`Px4Service`'s HTTP client.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from simulators.px4_sitl import SitlInstance, SitlOptions, px4_sitl

HOME_LON, HOME_LAT, HOME_AMSL_M = 139.6890, 35.6900, 40.0
"""PX4 SITL's default home (open ground in the Shinjuku set), and its altitude."""
SPREAD_M = 40.0
"""Instance k stands k * 40 m east of home: pads far enough apart that two take-offs' reserved
columns (15 m either side) do not meet, so both vehicles may leave at once."""
SECRET = "px4-rig-secret-0123456789abcdef"
SKYFLEET = Path(sys.executable).with_name("skyfleet")
TERMINAL = {"completed", "failed", "aborted", "cancelled"}


def east_of_home(metres: float, north_m: float = 0.0) -> tuple[float, float]:
    """Lon/lat ``metres`` east and ``north_m`` north of PX4's home."""
    lon = HOME_LON + metres / (111_320.0 * math.cos(math.radians(HOME_LAT)))
    return lon, HOME_LAT + north_m / 110_574.0


def _tower(east_m: float, north_m: float, half_m: float, height_m: float) -> dict[str, Any]:
    ring = [
        east_of_home(east_m + dx, north_m + dy)
        for dx, dy in ((-half_m, -half_m), (half_m, -half_m), (half_m, half_m), (-half_m, half_m))
    ]
    return {
        "type": "Feature",
        "properties": {"height_m": height_m},
        "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
    }


def write_city(path: Path) -> Path:
    """Two towers west of home, between the dock and the deliveries (routes go around or over)."""
    towers = [_tower(-100.0, -20.0, 15.0, 45.0), _tower(-160.0, 40.0, 12.0, 30.0)]
    data = {"type": "FeatureCollection", "ground_amsl_m": HOME_AMSL_M, "features": towers}
    path.write_text(json.dumps(data))
    return path


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Px4Service:
    """The running service, its PX4 vehicles and an authenticated HTTP client."""

    api: httpx.AsyncClient
    instances: list[SitlInstance]
    vehicle_ids: list[int]
    dock_id: int
    log_path: Path
    events: list[dict[str, Any]] = field(default_factory=list)

    async def mission(self, mission_id: int) -> dict[str, Any]:
        """``GET /missions/{id}``."""
        answer = await self.api.get(f"/missions/{mission_id}")
        answer.raise_for_status()
        return dict(answer.json())

    async def wait_state(
        self, mission_id: int, states: set[str], timeout_s: float, poll_s: float = 1.0
    ) -> dict[str, Any]:
        """Poll the mission until its state is in ``states`` (a terminal one ends the wait too).

        Raises:
            TimeoutError: naming the last state and reason seen, and the service log.
        """
        last: dict[str, Any] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            last = await self.mission(mission_id)
            if last["state"] in states or last["state"] in TERMINAL:
                return last
            await asyncio.sleep(poll_s)  # polling a remote API: there is no stream to wait on
        raise TimeoutError(
            f"mission {mission_id} still {last.get('state')} ({last.get('state_reason')}) after "
            f"{timeout_s:.0f} s; service log {self.log_path}"
        )

    async def vehicle(self, vehicle_id: int) -> dict[str, Any]:
        """``GET /vehicles/{id}``."""
        answer = await self.api.get(f"/vehicles/{vehicle_id}")
        answer.raise_for_status()
        return dict(answer.json())


def _token(env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(SKYFLEET), "token", "--operator", "px4-rig", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def _ready(api: httpx.AsyncClient, server: asyncio.subprocess.Process, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90.0
    why = "no answer"
    while loop.time() < deadline:
        if server.returncode is not None:
            raise RuntimeError(f"skyfleet serve exited ({server.returncode}); log {log}")
        try:
            answer = await api.get("/readyz")
            if answer.status_code == 200:
                return
            why = answer.text
        except httpx.TransportError as exc:
            why = str(exc)
        await asyncio.sleep(0.25)  # a subprocess starting: nothing to wait on but its port
    raise TimeoutError(f"skyfleet serve not ready after 90 s: {why}; log {log}")


async def _register(api: httpx.AsyncClient, instances: list[SitlInstance]) -> tuple[int, list[int]]:
    dock = await api.post(
        "/docks",
        json={"name": "home", "lon_deg": HOME_LON, "lat_deg": HOME_LAT, "slots": len(instances)},
    )
    assert dock.status_code == 201, dock.text
    dock_id = int(dock.json()["id"])
    ids = []
    for k, instance in enumerate(instances):
        answer = await api.post(
            "/vehicles",
            json={
                "name": f"px4-{k + 1}",
                "kind": "multicopter",
                "mavlink_url": instance.url,
                "system_id": instance.system_id,
                "home_dock_id": dock_id,
                "camera": True,
            },
        )
        assert answer.status_code == 201, answer.text
        ids.append(int(answer.json()["id"]))
    return dock_id, ids


@asynccontextmanager
async def px4_service(
    tmp: Path,
    px4_folder: Path,
    *,
    count: int = 2,
    speed_factor: float = 1.0,
    params: dict[str, float] | None = None,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Px4Service]:
    """PX4 SITL x ``count`` and ``skyfleet serve`` over them, vehicles registered."""
    city = write_city(tmp / "city.geojson")
    port = free_port()
    env = dict(
        os.environ,
        SKYFLEET_ENV="test",
        SKYFLEET_SECRET_KEY=SECRET,
        SKYFLEET_DATABASE_URL=f"sqlite:///{tmp / 'skyfleet.sqlite3'}",
        SKYFLEET_BUILDINGS_PATH=str(city),
        **(extra_env or {}),
    )
    options = SitlOptions(
        count=count,
        home_lon_deg=HOME_LON,
        home_lat_deg=HOME_LAT,
        home_alt_amsl_m=HOME_AMSL_M,
        home_spread_m=SPREAD_M,
        speed_factor=speed_factor,
        params=dict(params or {}),
    )
    log = tmp / "serve.log"
    with px4_sitl(options, px4_folder) as instances, log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            str(SKYFLEET), "serve", "--port", str(port), "--log-level", "warning",
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            token = await asyncio.to_thread(_token, env)
            headers = {"Authorization": f"Bearer {token}"}
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as api:
                await _ready(api, server, log)
                dock_id, vehicle_ids = await _register(api, instances)
                yield Px4Service(api, instances, vehicle_ids, dock_id, log)
        finally:
            server.terminate()
            try:
                await asyncio.wait_for(server.wait(), 15.0)
            except TimeoutError:
                server.kill()
                await server.wait()


def iso(t: datetime) -> str:
    """An aware datetime as the API takes it."""
    return t.isoformat()
