"""Browser fixtures: Debian's Chromium driven by Playwright, one browser per test module and a
fresh context (own session storage, UTC time zone) per test; the page's uncaught errors fail
the test. Playwright's own browser builds are never downloaded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.dashboard.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium (WebGL through SwiftShader)."""
    playwright_api = pytest.importorskip("playwright.async_api")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    """A new page in its own browser context; fails the test on an uncaught page error."""
    context = await browser.new_context(viewport={"width": 1500, "height": 900}, timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    await context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
