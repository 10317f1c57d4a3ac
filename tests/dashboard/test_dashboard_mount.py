"""The command service serves the dashboard page itself (no separate mount step), and
MapLibre GL JS from the installed ``maplibre`` package (nothing from the internet)."""

from __future__ import annotations

from pathlib import Path

import httpx

from fleet.dashboard import DASHBOARD_PATH
from fleet.service.app import create_app
from fleet.service.settings import Settings


async def test_create_app_serves_the_dashboard_page(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/d.sqlite3", run_bridge=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(f"{DASHBOARD_PATH}/")
            assert response.status_code == 200
            assert 'id="map"' in response.text
            script = await client.get(f"{DASHBOARD_PATH}/vendor/maplibre-gl.js")
            assert script.status_code == 200 and "MapLibre GL JS" in script.text[:300]
            style = await client.get(f"{DASHBOARD_PATH}/vendor/maplibre-gl.css")
            assert style.status_code == 200
            assert (await client.get("/openapi.json")).status_code == 200
