"""Security: 401 without a token, 403 for a wrong role, 404 for another operator's ids,
password login, and the refusal to run outside development with the default secret."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from fleet.service.settings import DEVELOPMENT_SECRET, Settings
from tests.service.conftest import TokenMaker
from tests.service.helpers import delivery_body, vehicle_body

PROTECTED = [
    ("GET", "/vehicles"),
    ("GET", "/missions"),
    ("GET", "/intents"),
    ("GET", "/zones"),
    ("GET", "/auth/me"),
    ("POST", "/missions/deliveries"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_no_token_gives_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401
    assert "bearer" in response.json()["detail"].lower()
    assert response.headers["www-authenticate"] == "Bearer"


async def test_forged_token_gives_401(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}
    assert (await client.get("/vehicles", headers=headers)).status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("viewer", "POST", "/missions/deliveries", delivery_body()),
        ("inspector", "POST", "/missions/deliveries", delivery_body()),
        ("viewer", "POST", "/vehicles", vehicle_body()),
        ("dispatcher", "POST", "/users", {"username": "x", "password": "p" * 8, "role": "viewer"}),
        ("dispatcher", "POST", "/zones", {}),
    ],
)
async def test_wrong_role_gives_403(
    client: httpx.AsyncClient, auth: TokenMaker, role: str, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body, headers=auth("acme", role))
    assert response.status_code == 403
    assert role in response.json()["detail"]


async def test_foreign_ids_give_404(client: httpx.AsyncClient, auth: TokenMaker) -> None:
    acme, rival = auth("acme", "admin"), auth("rival", "admin")
    vehicle = (await client.post("/vehicles", json=vehicle_body(), headers=acme)).json()
    mission = (await client.post("/missions/deliveries", json=delivery_body(), headers=acme)).json()
    for path in (f"/vehicles/{vehicle['id']}", f"/missions/{mission['id']}"):
        assert (await client.get(path, headers=acme)).status_code == 200
        foreign = await client.get(path, headers=rival)
        assert foreign.status_code == 404, path
        assert "not found" in foreign.json()["detail"]
    cancel = await client.post(f"/missions/{mission['id']}/cancel", headers=rival)
    assert cancel.status_code == 404
    command = await client.post(
        f"/vehicles/{vehicle['id']}/commands", json={"command": "land"}, headers=rival
    )
    assert command.status_code == 404
    assert (await client.get("/missions", headers=rival)).json() == []
    assert (await client.get("/vehicles", headers=rival)).json() == []


async def test_password_login_issues_a_working_token(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    admin = auth("acme", "admin")
    body = {"username": "hanako", "password": "correct horse", "role": "dispatcher"}
    assert (await client.post("/users", json=body, headers=admin)).status_code == 201
    bad = await client.post("/auth/token", data={"username": "hanako", "password": "wrong!!!"})
    assert bad.status_code == 401
    good = await client.post(
        "/auth/token", data={"username": "hanako", "password": "correct horse"}
    )
    assert good.status_code == 200
    token = good.json()["access_token"]
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "dispatcher"
    assert me.json()["operator_name"] == "acme"
    users = (await client.get("/users", headers=admin)).json()
    assert [u["username"] for u in users] == ["hanako"]
    assert "password" not in str(users)


def test_default_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="SKYFLEET_SECRET_KEY"):
        Settings(env="production", secret_key=DEVELOPMENT_SECRET)
    assert Settings(env="development").secret_key == DEVELOPMENT_SECRET


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKYFLEET_DATABASE_URL", "postgresql+psycopg://db/x")
    monkeypatch.setenv("SKYFLEET_ENV", "production")
    monkeypatch.setenv("SKYFLEET_SECRET_KEY", "a-real-secret-of-enough-length")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://db/x"
    assert not settings.is_sqlite
