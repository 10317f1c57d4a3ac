"""What the browser tests share: the Chromium command line, where screenshots go, and the
steps every test takes (log in, wait for the fleet and the city on the map)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
SHOTS = Path(os.environ.get("SKYFLEET_DASHBOARD_SHOTS") or tempfile.mkdtemp(prefix="dashboard-"))
"""Screenshots: ``$SKYFLEET_DASHBOARD_SHOTS`` or a temporary folder, never the repository."""


async def log_in(page: Any, base: str, user: str, password: str) -> None:
    """Open the dashboard and log in through its form."""
    await page.goto(f"{base}/dashboard/")
    await page.fill("#login-user", user)
    await page.fill("#login-password", password)
    await page.click("#login-form button[type=submit]")


async def fleet_ready(page: Any, vehicles: int = 2) -> None:
    """The vehicles listed with a live link, and the map's buildings loaded."""
    await page.wait_for_function(
        f"document.querySelectorAll('#vehicles tbody tr[data-link=ok]').length === {vehicles}"
    )
    await page.wait_for_function(
        "window.skyfleet.map.loaded()"
        " && window.skyfleet.map.querySourceFeatures('buildings').length > 0"
    )


async def features(page: Any, source: str) -> int:
    """How many features of a map source are loaded."""
    return int(await page.evaluate(f"window.skyfleet.map.querySourceFeatures('{source}').length"))


async def click_map_at(page: Any, lon_deg: float, lat_deg: float) -> None:
    """Click the map where it shows a lon/lat."""
    box = await page.locator("#map").bounding_box()
    xy = await page.evaluate(f"window.skyfleet.map.project([{lon_deg}, {lat_deg}])")
    await page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
