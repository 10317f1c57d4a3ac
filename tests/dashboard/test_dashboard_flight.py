"""A delivery booked by clicking the map flies to ``completed`` while the map shows it.

The service runs as ``skyfleet serve`` does, its dispatch loop included, on a clock 30 times
real time, with two simulated quads (port offset 2950). A dispatcher (token in the URL
fragment) clicks pickup and dropoff and books; nobody approves by hand. The map then shows the
planned route, the reserved intent as a volume, the quad moving with its altitude and its flown
track, the schedule shows its flight on the quad's row, and the missions list follows the state
to ``completed``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from fleet.service.security import Role
from tests.dashboard.browser import CHROMIUM, SHOTS, click_map_at, features, fleet_ready
from tests.dashboard.served import HOME, Served, served

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.asyncio(loop_scope="module"),
]
PICKUP = (HOME[0] + 0.0004, HOME[1] - 0.0003)  # beside the dock (its markers take clicks)
DROPOFF = (HOME[0] + 0.002, HOME[1] - 0.0015)  # ~230 m south-east, clear of the blocks
FLIGHT_TIMEOUT_MS = 90_000


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    db = tmp_path_factory.mktemp("flight") / "db.sqlite3"
    async with served(db, port_offset=2950, speedup=30.0, dispatch=True) as running:
        yield running


def _minute(service: Served, ahead: timedelta = timedelta()) -> str:
    """The service's time (UTC) as a datetime-local value (the page runs in UTC)."""
    return (service.clock.now() + ahead).strftime("%Y-%m-%dT%H:%M")


async def test_a_clicked_delivery_flies_to_completed_on_the_map(service: Served, page: Any) -> None:
    token = service.token(Role.DISPATCHER)
    await page.goto(f"{service.base}/dashboard/#token={token}")
    await fleet_ready(page)
    await page.click("#pick-pickup")
    await click_map_at(page, *PICKUP)
    await click_map_at(page, *DROPOFF)
    await page.fill("#payload", "1.0")
    await page.fill("#earliest", _minute(service))
    await page.fill("#latest", _minute(service, timedelta(hours=2)))
    await page.click("#book")
    await page.wait_for_selector("#booking-ok:has-text('Booked: mission')")
    row = page.locator("#missions tbody tr.selected")
    flying = "#missions tr.selected[data-state=in_flight]"
    await page.wait_for_selector(flying, timeout=FLIGHT_TIMEOUT_MS)
    assert await features(page, "route") >= 1  # the planned legs
    await page.wait_for_function(
        "window.skyfleet.map.querySourceFeatures('intents').length > 0"
    )  # the reserved volume
    booked = await page.inner_text("#booking-ok")
    mission_id = booked.split("mission ")[1].split(" ")[0]
    await page.wait_for_selector(f"#gantt .bar[data-mission-id='{mission_id}']")  # scheduled
    await page.wait_for_function(  # a quad in the air, its altitude on its label
        "[...window.skyfleet.vehicles.values()].some(v => v.alt_agl_m > 5)"
    )
    await page.wait_for_function("window.skyfleet.map.querySourceFeatures('track').length > 0")
    await page.screenshot(path=SHOTS / "delivery-in-flight.png")
    await page.wait_for_selector(
        "#missions tr.selected[data-state=completed]", timeout=FLIGHT_TIMEOUT_MS
    )
    assert await row.locator(".state").inner_text() == "completed"
    await page.screenshot(path=SHOTS / "delivery-completed.png")
