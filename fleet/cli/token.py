"""`skyfleet token`: mint a bearer token with the server's configuration.

Run it on the server host with the server's ``SKYFLEET_*`` environment: it opens the same
database (creating the operator if it does not exist yet) and signs with the same secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fleet.service.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the ``token`` command to ``app``."""

    @app.command("token", help="Mint a bearer token for scripts and test tools.")
    def _token(
        operator: str = typer.Option(..., "--operator", help="Operator (tenant) name."),
        role: str = typer.Option(
            "viewer", "--role", help="admin, dispatcher, inspector or viewer."
        ),
        scope: list[str] = typer.Option(
            [],
            "--scope",
            help="Extra scope, repeatable (e.g. interuss.flight_planning.plan).",
        ),
        interuss: bool = typer.Option(
            False, "--interuss", help="Grant both InterUSS flight_planning scopes."
        ),
        subject: str = typer.Option("", "--subject", help="Token subject (default: cli:...)."),
        ttl_s: int = typer.Option(0, "--ttl-s", help="Lifetime in seconds (default: server's)."),
    ) -> None:
        typer.echo(mint_cli_token(operator, role, scope, interuss, subject, ttl_s))


def mint_cli_token(
    operator: str,
    role: str,
    scopes: list[str],
    interuss: bool,
    subject: str,
    ttl_s: int,
    settings: Settings | None = None,
) -> str:
    """Open the server's database, ensure ``operator`` exists and sign a token for it
    (``settings``: the server's; default from the ``SKYFLEET_*`` environment).

    Raises:
        typer.BadParameter: unknown role, or a bad operator name.
    """
    from fleet.service.operators import ensure_operator
    from fleet.service.security import FLIGHT_PLANNING_SCOPES, Principal, Role, mint_token
    from fleet.service.settings import Settings as ServerSettings
    from fleet.storage.db import make_engine, make_session_factory, migrate

    try:
        chosen = Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"unknown role {role!r}; use one of: {names}") from None
    settings = settings or ServerSettings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with make_session_factory(engine)() as session:
            try:
                row = ensure_operator(session, operator, actor="cli:token")
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
            assert row.id is not None
            granted = frozenset(scopes) | (
                frozenset(FLIGHT_PLANNING_SCOPES) if interuss else frozenset()
            )
            who = subject or f"cli:{row.name}:{chosen.value}"
            principal = Principal(who, row.id, row.name, chosen, granted)
            return mint_token(settings, principal, ttl_s=ttl_s or None)
    finally:
        engine.dispose()
