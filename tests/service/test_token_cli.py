"""`skyfleet token` mints tokens the server accepts, with its configuration."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from fleet.cli.main import build_app
from fleet.service.security import read_token
from fleet.service.settings import Settings


async def test_cli_token_is_accepted_by_the_server(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYFLEET_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SKYFLEET_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SKYFLEET_ENV", "test")
    result = CliRunner().invoke(
        build_app(), ["token", "--operator", "Sora Logistics", "--role", "dispatcher", "--interuss"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    principal = read_token(settings, token)
    assert principal.operator_name == "Sora Logistics"
    assert "interuss.flight_planning.plan" in principal.scopes
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["role"] == "dispatcher"


def test_cli_token_rejects_an_unknown_role(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYFLEET_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(build_app(), ["token", "--operator", "x", "--role", "pilot"])
    assert result.exit_code != 0
    assert "unknown role" in result.output


def test_serve_refuses_the_default_secret_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKYFLEET_ENV", "production")
    monkeypatch.delenv("SKYFLEET_SECRET_KEY", raising=False)
    result = CliRunner().invoke(build_app(), ["serve", "--port", "38999"])
    assert result.exit_code == 2
    assert "SKYFLEET_SECRET_KEY" in result.output
