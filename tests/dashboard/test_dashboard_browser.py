"""The dashboard in a real browser: Debian's headless Chromium (WebGL through SwiftShader)
driven by Playwright against a running service with two simulated quads (see ``served.py``).

One service and one browser serve the module; each test opens a fresh browser context (its own
session storage). Screenshots go to ``$SKYFLEET_DASHBOARD_SHOTS`` or a temporary folder (never
the repository). Skipped with the reason when ``/usr/bin/chromium`` or Playwright is absent
(CI installs Debian's ``chromium``; Playwright's own browser builds are never downloaded).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fleet.service.security import Role
from tests.dashboard.browser import CHROMIUM, SHOTS, click_map_at, features, fleet_ready
from tests.dashboard.browser import log_in as log_in_as
from tests.dashboard.served import HTML_NAME, PASSWORD, ZONE_CORNER, Served, served

pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    async with served(tmp_path_factory.mktemp("dash") / "db.sqlite3") as running:
        yield running


async def log_in(page: Any, base: str, user: str, password: str = PASSWORD) -> None:
    await log_in_as(page, base, user, password)


async def canvas_colours(page: Any) -> int:
    """How many distinct colours the map's WebGL canvas shows (1: blank)."""
    script = """() => {
      const gl = window.skyfleet.map.getCanvas();
      const c = document.createElement('canvas'); c.width = 200; c.height = 120;
      const ctx = c.getContext('2d'); ctx.drawImage(gl, 0, 0, 200, 120);
      const px = ctx.getImageData(0, 0, 200, 120).data; const seen = new Set();
      for (let i = 0; i < px.length; i += 4)
        seen.add((px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | px[i + 2] >> 3);
      return seen.size;
    }"""
    return int(await page.evaluate(script))


async def test_a_dispatcher_logs_in_and_sees_the_city_and_the_fleet(
    service: Served, page: Any
) -> None:
    await log_in(page, service.base, "dana")
    await fleet_ready(page)
    await page.wait_for_selector("#link-status[data-state=live]")
    assert "dana · dispatcher" in await page.inner_text("#who")
    heights = await page.evaluate(
        "window.skyfleet.map.querySourceFeatures('buildings').map(f => f.properties.height_agl_m)"
    )
    assert min(heights) >= 12 and max(heights) <= 90
    assert await features(page, "zones") >= 1
    await page.wait_for_timeout(500)  # the frame after the last data
    assert await canvas_colours(page) > 20, "the map's canvas is blank"
    row = page.locator("#vehicles tbody tr", has_text="drone-1")
    assert await row.locator(".status").inner_text() == "idle"
    assert await row.locator(".armed").inner_text() == "disarmed"
    assert (await row.locator(".battery").inner_text()).endswith("%")
    assert await row.locator(".link").inner_text() == "ok"
    assert await page.locator(".maplibregl-marker.vehicle").count() == 2
    assert await page.locator(".maplibregl-ctrl-compass").count() == 1  # the north arrow
    assert await page.locator(".maplibregl-ctrl-scale").count() == 1
    assert await page.locator("#legend").is_visible()
    # a name is text, never markup: shown as typed, and its script never ran
    assert await page.locator("#vehicles td.name", has_text=HTML_NAME).count() == 1
    assert await page.locator("#vehicles img").count() == 0
    assert await page.evaluate("window.pwned === undefined")
    await page.locator("#intent-time").fill("60")  # the time slider filters the volumes
    assert "+60 min" in await page.inner_text("#intent-time-out")
    assert await page.evaluate("window.skyfleet.map.getFilter('intents') !== null")
    await page.locator("#intent-time").fill("-5")
    assert await page.inner_text("#intent-time-out") == "all live"
    lon, lat = ZONE_CORNER
    await click_map_at(page, lon + 0.00067, lat + 0.00027)  # inside the no-fly zone
    popup = page.locator(".maplibregl-popup")
    await popup.wait_for()
    text = await popup.inner_text()
    assert "heliport" in text and "no fly" in text and "always" in text, text
    await page.screenshot(path=SHOTS / "dispatcher-fleet.png")


async def test_a_dispatcher_books_a_delivery_by_clicking_the_map(
    service: Served, page: Any
) -> None:
    await log_in(page, service.base, "dana")
    await fleet_ready(page)
    await page.click("#book")  # nothing picked yet: the form says what is missing
    assert "pickup" in await page.inner_text("#booking-error")
    await page.click("#pick-pickup")
    assert await page.locator("#map-hint").is_visible()
    box = await page.locator("#map").bounding_box()
    for point in ([0.3, 0.6], [0.7, 0.35]):
        await page.mouse.click(
            box["x"] + box["width"] * point[0], box["y"] + box["height"] * point[1]
        )
    assert "no pickup" not in await page.inner_text("#pickup-out")
    assert "no dropoff" not in await page.inner_text("#dropoff-out")
    assert await features(page, "booking") >= 2
    await page.fill("#payload", "2000")  # the API refuses it: its message shows by the form
    await page.click("#book")
    await page.wait_for_function("document.getElementById('booking-error').textContent !== ''")
    refusal = await page.inner_text("#booking-error")
    assert "payload_kg" in refusal and "1000" in refusal, refusal
    await page.fill("#payload", "1.5")
    await page.select_option("#priority", "urgent")
    await page.click("#book")
    await page.wait_for_selector("#booking-ok:has-text('Booked: mission')")
    assert await page.inner_text("#booking-error") == ""
    mission_id = int((await page.inner_text("#booking-ok")).split("mission ")[1].split(" ")[0])
    await page.wait_for_selector(f"#missions tr[data-mission-id='{mission_id}']")
    headers = {"Authorization": f"Bearer {service.admin_token}"}
    async with httpx.AsyncClient(base_url=service.base, headers=headers) as api:
        spec = (await api.get(f"/missions/{mission_id}")).json()["spec"]
    assert spec["payload_kg"] == 1.5 and spec["priority"] == "urgent"
    assert spec["pickup"] != spec["dropoff"]
    await page.screenshot(path=SHOTS / "dispatcher-booked.png")


async def test_rtl_is_sent_only_once_confirmed(service: Served, page: Any) -> None:
    await log_in(page, service.base, "dana")
    await fleet_ready(page)
    row = page.locator("#vehicles tbody tr", has_text="drone-1")
    await row.locator("button.command-rtl").click()
    dialog = page.locator("#confirm-dialog")
    assert "RTL to drone-1" in await dialog.inner_text()
    await page.click("#confirm-no")
    assert not await dialog.is_visible()
    await row.locator("button.command-rtl").click()
    await page.screenshot(path=SHOTS / "confirm-rtl.png")
    await page.click("#confirm-yes")
    await page.wait_for_selector("#mission-detail:has-text('RTL → drone-1')")
    headers = {"Authorization": f"Bearer {service.admin_token}"}
    async with httpx.AsyncClient(base_url=service.base, headers=headers) as api:
        audit = (await api.get("/audit", params={"action": "vehicle.command"})).json()
    sent = [a for a in audit if a["target_id"] == str(service.vehicle_ids["drone-1"])]
    assert [a["detail"]["command"] for a in sent] == ["rtl"]  # once: the cancelled one never left


async def test_a_viewer_is_offered_no_booking_and_no_commands(service: Served, page: Any) -> None:
    await log_in(page, service.base, "vic")
    await fleet_ready(page)
    assert "vic · viewer" in await page.inner_text("#who")
    assert not await page.locator("#booking").is_visible()
    assert not await page.locator("#inspection").is_visible()
    assert await page.locator("#vehicles button").count() == 0
    assert await page.locator("#missions button").count() == 0
    assert await page.locator("th[data-needs]:visible").count() == 0
    await page.screenshot(path=SHOTS / "viewer.png")


async def test_an_inspector_draws_an_area_and_books_an_inspection(
    service: Served, page: Any
) -> None:
    await log_in(page, service.base, "ines")
    await fleet_ready(page)
    assert not await page.locator("#booking").is_visible()  # deliveries are the dispatcher's
    assert await page.locator("#vehicles button.command-rtl").count() == 2
    await page.click("#draw-area")
    box = await page.locator("#map").bounding_box()
    for x, y in ([0.35, 0.3], [0.55, 0.3], [0.55, 0.5], [0.35, 0.5]):
        await page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    await page.click("#draw-area")  # finish
    assert await page.inner_text("#area-out") == "4 corner(s)"
    assert await features(page, "area") >= 5  # the corners and the polygon
    await page.screenshot(path=SHOTS / "inspector-area.png")
    await page.fill("#gsd", "500")  # the API refuses it: its message shows by the form
    await page.click("#book-inspection")
    await page.wait_for_function("document.getElementById('inspection-error').textContent !== ''")
    assert "gsd_cm_per_px" in await page.inner_text("#inspection-error")
    await page.fill("#gsd", "1.5")
    await page.click("#book-inspection")
    await page.wait_for_selector("#inspection-ok:has-text('Booked: mission')")
    await page.wait_for_selector("#missions tr.selected td:has-text('inspection')")
    assert await page.inner_text("#area-out") == "no area"


async def test_a_wrong_password_is_refused_in_the_apis_words(service: Served, page: Any) -> None:
    await log_in(page, service.base, "dana", "not the password")
    await page.wait_for_selector("#login-error:has-text('wrong username or password')")
    assert await page.locator("#login-dialog").is_visible()


async def test_a_refused_token_shows_the_login_again(service: Served, page: Any) -> None:
    await log_in(page, service.base, "dana")
    await fleet_ready(page)
    bad = "{'token': 'not-a-token', 'expiresAt': Date.now() + 3600e3}"
    await page.evaluate(f"sessionStorage.setItem('skyfleet.session', JSON.stringify({bad}))")
    await page.reload()
    await page.wait_for_selector("#login-dialog[open]")
    assert "refused" in await page.inner_text("#login-reason")
    await log_in(page, service.base, "dana")  # and the page works again after a new login
    await fleet_ready(page)


async def test_an_expired_token_shows_the_login_again(service: Served, page: Any) -> None:
    token = service.token(Role.DISPATCHER, ttl_s=6)
    await page.goto(f"{service.base}/dashboard/#token={token}")
    await page.wait_for_selector("#who:has-text('dispatcher')")  # logged in by the token
    assert "token" not in await page.evaluate("location.href")  # it left the address bar
    await page.wait_for_selector("#login-dialog[open]", timeout=15_000)
    assert "expired" in await page.inner_text("#login-reason")
    assert await page.locator("#vehicles tbody tr").count() == 0


async def test_a_lost_event_stream_reconnects_and_says_so(service: Served, page: Any) -> None:
    await log_in(page, service.base, "dana")
    await page.wait_for_selector("#link-status[data-state=live]")
    await page.evaluate("window.skyfleet.dropEvents()")
    await page.wait_for_selector("#link-status[data-state=reconnecting]")
    assert "reconnecting" in await page.inner_text("#link-status")
    await page.wait_for_selector("#link-status[data-state=live]")
