"""`skyfleet demo`: placeholder until issue 6 lands."""

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command(
        "demo", help="Run the whole job on embedded defaults: generated city, simulated fleet."
    )
    def _demo() -> None:
        typer.echo("skyfleet demo: the demo is not built yet (issue 6); the install works.")
