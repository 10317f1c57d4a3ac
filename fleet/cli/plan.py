"""`skyfleet plan`: placeholder until issue 7 lands."""

import typer

from fleet.cli._pending import not_built_yet


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to ``app``."""

    @app.command("plan", help="Plan a 3D route clear of buildings and zones; print it as GeoJSON.")
    def _plan() -> None:
        not_built_yet("plan", 7)
