"""Fixtures shared by every test: where the reference data lives, and the PostgreSQL URL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKYFLEET_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder; tests that need it skip with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL server (set by ./scripts/test when it answers)."""
    url = os.environ.get("SKYFLEET_TEST_DATABASE_URL")
    if not url:
        pytest.skip("SKYFLEET_TEST_DATABASE_URL is not set: no PostgreSQL server answered")
    return url
