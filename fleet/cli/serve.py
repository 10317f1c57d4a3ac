"""`skyfleet serve`: placeholder until issue 6 lands."""

import typer

from fleet.cli._pending import not_built_yet


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command(
        "serve", help="Run the command service (FastAPI) with vehicles attached by MAVLink URL."
    )
    def _serve() -> None:
        not_built_yet("serve", 6)
