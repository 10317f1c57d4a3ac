"""`skyfleet sim`: placeholder until issue 4 lands."""

import typer

from fleet.cli._pending import not_built_yet


def register(app: typer.Typer) -> None:
    """Add the ``sim`` command to ``app``."""

    @app.command(
        "sim", help="Start N simulated PX4-like vehicles on SITL-style UDP ports until Ctrl-C."
    )
    def _sim() -> None:
        not_built_yet("sim", 4)
