"""Real PX4 SITL for the tests: skipped with the reason when ``../shared/px4-sitl`` is absent.

Tests start their own instances with :func:`simulators.px4_sitl.px4_sitl` (each run gets its
own working folder and a free block of PX4 instance numbers and ports).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.px4_sitl import find_px4_sitl


@pytest.fixture(scope="session")
def px4_folder() -> Path:
    """The PX4 SITL folder; the test is skipped with the reason when it is absent."""
    folder = find_px4_sitl()
    if folder is None:
        pytest.skip("real PX4 SITL absent: ../shared/px4-sitl (or SKYFLEET_PX4_SITL) not found")
    return folder
