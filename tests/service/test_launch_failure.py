"""A vehicle that will not take off fails its mission at once, in the vehicle's own words.

Issue 12, part 3: the runner arms at the departure and checks the heartbeat; a quad whose
preflight check refuses arming (a faulty pack here) is launched twice, then the mission fails
with PX4's words, its intent is Ended (the airspace is released) and never extended, and it
is never left ``in_flight``. Simulator port offset 1851.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select

from fleet.storage.tables import IntentRow
from tests.service.sim_service import sim_service
from tests.service.test_conformance_response import _audit
from tests.service.test_start_altitude import CITY_GROUND_AMSL_M, _deliver


async def test_a_quad_that_refuses_to_arm_fails_its_mission_with_its_reason(
    tmp_path: Path,
) -> None:
    db = tmp_path / "skyfleet.sqlite3"
    async with (
        sim_service(db, 1851, home_amsl_m=CITY_GROUND_AMSL_M) as service,
        asyncio.timeout(60),
    ):
        service.swarm.vehicles[0].fail_battery()
        state, reason, top_m = await _deliver(service)
        context = service.context
        with context.sessions() as session:
            intents = list(session.exec(select(IntentRow)))
        states = [e.detail.get("to") for e in _audit(context, "mission.transition")]
        updates = _audit(context, "intent.update")
    assert state == "failed", reason
    assert reason is not None and reason.count("Preflight Fail: Battery unhealthy") == 2
    assert top_m < 1.0
    assert intents and all(row.state == "Ended" for row in intents)
    assert updates == []  # never extended
    assert "failed" in states and "in_flight" not in states  # never reported flying
