"""Assemble the ``skyfleet`` Typer application from one module per command.

Each command module exposes ``register(app)``; heavy imports stay inside the command bodies so
``skyfleet --help`` answers at once.
"""

from importlib.metadata import PackageNotFoundError, version

import typer

from fleet.cli import demo, fly, plan, serve, sim, token

COMMAND_MODULES = (demo, serve, sim, plan, fly, token)


def _version() -> str:
    try:
        return version("skyfleet")
    except PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"skyfleet {_version()}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    """Return a fresh ``skyfleet`` application with every command registered."""
    app = typer.Typer(
        name="skyfleet",
        help="Command system for fleets of drones and ground delivery robots in dense cities.",
        no_args_is_help=True,
        add_completion=False,
    )

    @app.callback()
    def _root(
        show_version: bool = typer.Option(
            False,
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ) -> None:
        """skyfleet: plan, deconflict, schedule and fly drone and robot fleets."""

    for module in COMMAND_MODULES:
        module.register(app)
    return app


def run() -> None:
    """Console-script entry point."""
    build_app()()
