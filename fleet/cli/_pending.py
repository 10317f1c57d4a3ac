"""Uniform message for a command whose issue has not landed yet."""

import typer


def not_built_yet(command: str, issue: int) -> None:
    """Say plainly that ``command`` is not built yet and exit with status 2."""
    typer.echo(
        f"skyfleet {command}: not built yet (tracked in issue {issue}); nothing was done.",
        err=True,
    )
    raise typer.Exit(code=2)
