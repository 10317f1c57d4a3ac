"""``skyfleet sim --home LON,LAT[,ALT_AMSL]``: parsed, checked, and handed to the swarm."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

import simulators
from fleet.cli.main import build_app
from simulators.errors import InvalidSimArgument
from simulators.swarm import DEFAULT_HOME, DEFAULT_HOME_AMSL_M, Swarm


@pytest.fixture
def swarm_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the swarm the command runs by a recorder (the arguments, no sockets)."""
    calls: list[dict[str, Any]] = []

    async def record(count: int, kind: object, home_lon_lat: tuple[float, float], *args: object,
                     **kwargs: Any) -> None:  # fmt: skip
        calls.append({"home": home_lon_lat, "home_amsl_m": kwargs["home_amsl_m"]})

    monkeypatch.setattr(simulators, "run_swarm", record)
    return calls


@pytest.mark.parametrize(
    ("argument", "home", "amsl"),
    [
        (None, DEFAULT_HOME, DEFAULT_HOME_AMSL_M),
        ("139.70,35.69", (139.70, 35.69), DEFAULT_HOME_AMSL_M),
        ("139.70, 35.69, 38.5", (139.70, 35.69), 38.5),
        ("-0.1276,51.5072,-2", (-0.1276, 51.5072), -2.0),
    ],
)
def test_good_homes_reach_the_swarm(
    swarm_calls: list[dict[str, Any]], argument: str | None, home: tuple[float, float], amsl: float
) -> None:
    args = ["sim", "--no-gcs"] + ([] if argument is None else ["--home", argument])
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert swarm_calls == [{"home": home, "home_amsl_m": amsl}]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("139.7", "expected LON,LAT[,ALT_AMSL]"),
        ("139.7,35.7,40,1", "expected LON,LAT[,ALT_AMSL]"),
        ("east,35.7", "got 'east,35.7'"),
        ("139.7,35.7,", "expected LON,LAT[,ALT_AMSL]"),
        ("190,35.7", "longitude 190 is outside -180..180 degrees"),
        ("139.7,88", "latitude 88 is outside -85..85 degrees"),
        ("139.7,35.7,12000", "altitude 12000 is outside -500..9000 m AMSL"),
        ("139.7,35.7,nan", "altitude nan is outside -500..9000 m AMSL"),
    ],
)
def test_bad_homes_are_refused_naming_the_value(
    swarm_calls: list[dict[str, Any]], argument: str, message: str
) -> None:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(build_app(), ["sim", "--home", argument])
    assert result.exit_code == 2
    assert message in result.output
    assert swarm_calls == []


def test_the_swarm_puts_its_vehicles_at_the_home_altitude() -> None:
    swarm = Swarm(2, home_lon_lat=(139.70, 35.69), home_amsl_m=38.5)
    assert [v.spec.home_amsl_m for v in swarm.vehicles] == [38.5, 38.5]
    assert Swarm(1).vehicles[0].spec.home_amsl_m == DEFAULT_HOME_AMSL_M
    with pytest.raises(
        InvalidSimArgument, match=r"home altitude must be -500\.\.9000 m AMSL, got inf"
    ):
        Swarm(1, home_amsl_m=float("inf"))
