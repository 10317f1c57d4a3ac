"""The command service the demo talks to: ``skyfleet serve``'s app under uvicorn on loopback.

The demo starts the service in its own process only to share the scaled clock with its
simulated fleet (both run faster than real time); everything else goes over HTTP and the
WebSocket, as any client's would. The city goes to the service as a building file (a generated
district is written as GeoJSON, each building with its ground elevation).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from shapely.geometry import mapping

from airspace.city import City
from fleet.cli.serve import service_app
from fleet.runner.clock import ScaledClock
from fleet.service.settings import Settings

MESSAGE_RATES_HZ = {
    33: 20.0,  # GLOBAL_POSITION_INT: tracks sampled every 2.5 s of simulated time at x50
    0: 10.0,  # HEARTBEAT: arming and mode changes confirmed within 5 simulated seconds
    42: 5.0,  # MISSION_CURRENT
    245: 5.0,  # EXTENDED_SYS_STATE (landed state)
}
"""Wall-time rates the runner asks the simulated vehicles for (SET_MESSAGE_INTERVAL)."""
HEARTBEAT_TIMEOUT_S = 6.0  # the 2-core machine is shared: tolerate a busy event loop


def write_city(city: City, path: Path) -> Path:
    """``city`` as a GeoJSON building file (height and ground of each building), at ``path``."""
    features = [
        {
            "type": "Feature",
            "properties": {"height_m": b.height_agl_m, "ground_m": b.ground_amsl_m},
            "geometry": mapping(b.footprint_lonlat),
        }
        for b in city.buildings
    ]
    collection = {"type": "FeatureCollection", "name": city.name, "features": features}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


@asynccontextmanager
async def served(settings: Settings, clock: ScaledClock) -> AsyncIterator[str]:
    """The service listening on a free loopback port for the block; yields its base URL.

    The socket listens before the server starts, so a request made at once waits in the
    backlog until the app's lifespan (database, runner, dispatcher) has started.
    """
    app = service_app(
        settings, clock, heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S, message_rates_hz=MESSAGE_RATES_HZ
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(server.serve(sockets=[sock]), name="demo-service")
            try:
                yield f"127.0.0.1:{port}"
            finally:
                server.should_exit = True
                await asyncio.wait({task}, timeout=10.0)
                task.cancel()
