"""The examples in the docstrings of the geometry and model helpers are run and must hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "fleet.model.camera",
    "fleet.model.vehicle",
    "fleet.model.mission",
    "fleet.energy.power",
    "fleet.energy.legs",
    "fleet.patterns.frame",
    "fleet.patterns.plan",
    "fleet.patterns.survey",
    "fleet.patterns.corridor",
    "fleet.patterns.structure",
    "fleet.patterns.split",
    "fleet.scheduler.docks",
    "fleet.oracle.meeting",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
