"""Differential tests against real PX4 SITL: skipped with the reason when it is absent.

The ``px4_folder`` fixture is the PX4 tests' own (``tests/px4/conftest.py``).
"""

from __future__ import annotations

from tests.px4.conftest import px4_folder

__all__ = ["px4_folder"]
