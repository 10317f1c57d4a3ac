"""`skyfleet fly`: placeholder until issue 4 lands."""

import typer

from fleet.cli._pending import not_built_yet


def register(app: typer.Typer) -> None:
    """Add the ``fly`` command to ``app``."""

    @app.command(
        "fly", help="Upload a QGroundControl .plan to a vehicle, fly it, and report progress."
    )
    def _fly() -> None:
        not_built_yet("fly", 4)
