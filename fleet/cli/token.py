"""`skyfleet token`: placeholder until issue 6 lands."""

import typer

from fleet.cli._pending import not_built_yet


def register(app: typer.Typer) -> None:
    """Add the ``token`` command to ``app``."""

    @app.command("token", help="Mint a bearer token for scripts and test tools.")
    def _token() -> None:
        not_built_yet("token", 6)
