"""The ``skyfleet`` console script: help, version, and the commands the issues add."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from typer.testing import CliRunner

from fleet.cli.main import build_app

EXPECTED_COMMANDS = ("demo", "serve", "sim", "plan", "fly", "token")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(build_app(), ["--help"])
    assert result.exit_code == 0, result.output
    for command in EXPECTED_COMMANDS:
        assert command in result.output


def test_version_matches_the_installed_distribution() -> None:
    result = CliRunner().invoke(build_app(), ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"skyfleet {version('skyfleet')}"


def test_console_script_is_installed_and_runs() -> None:
    exe = subprocess.run(
        [sys.executable, "-m", "fleet.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert exe.returncode == 0, exe.stderr
    assert exe.stdout.startswith("skyfleet ")
