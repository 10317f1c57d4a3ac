"""A late flight's intent is extended only while its aircraft is in the air (issue 12, part 3).

A quad that PX4 disarmed on its pad (pre-flight disarm), or one that has not left the ground,
is not late in the air: extending its intent held airspace for minutes while it sat there.
"""

from __future__ import annotations

import pytest

from firmware_bridge.telemetry import ArmedState, LandedState, LandedStateEvent, Telemetry
from fleet.runner.extend import grounded


@pytest.mark.parametrize(
    ("armed", "landed", "expected"),
    [
        (True, LandedState.IN_AIR, False),
        (True, LandedState.TAKEOFF, False),
        (True, LandedState.LANDING, False),
        (True, None, False),  # no EXTENDED_SYS_STATE: the armed flag decides
        (None, None, False),  # nothing heard: as before, extended when late
        (True, LandedState.ON_GROUND, True),  # armed, not yet lifted off
        (False, LandedState.ON_GROUND, True),  # disarmed on its pad
        (False, None, True),
    ],
)
def test_an_aircraft_on_the_ground_or_disarmed_is_grounded(
    armed: bool | None, landed: LandedState | None, expected: bool
) -> None:
    telemetry = Telemetry()
    if armed is not None:
        telemetry.armed.publish(ArmedState(armed, 0.0))
    if landed is not None:
        telemetry.landed_state.publish(LandedStateEvent(landed, 0.0))
    assert grounded(telemetry) is expected
