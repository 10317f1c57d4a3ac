"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, apps, clients and tokens.

PostgreSQL tests get their own schema (random name, ``search_path``), dropped afterwards, so
parallel runs against one server never see each other's rows.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from fleet.service.app import create_app
from fleet.service.operators import ensure_operator
from fleet.service.security import Principal, Role, mint_token
from fleet.service.settings import Settings
from fleet.storage.db import make_engine, make_session_factory, migrate

SECRET = "test-secret-key-0123456789abcdef"


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"dbname={parsed.database} user={parsed.username or 'postgres'}"
        + (f" password={parsed.password}" if parsed.password else "")
    )


@pytest.fixture(scope="session")
def pg_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a new schema for this test session, migrated
    once and dropped at the end."""
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    try:
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "skyfleet.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _empty_pg(url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            )
            if r[0] != "alembic_version"
        ]
        # DELETE with triggers and FK checks off is ~50x faster than TRUNCATE here.
        conn.execute("SET session_replication_role = replica")
        for table in tables:
            conn.execute(f'DELETE FROM "{schema}"."{table}"')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty, migrated database: a SQLite file, or the session's PostgreSQL schema
    emptied."""
    if request.param == "sqlite":
        path = tmp_path / "skyfleet.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_schema_url")
    _empty_pg(url)
    return url


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Test settings on the fresh database."""
    return Settings(env="test", database_url=db_url, secret_key=SECRET)


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on the fresh database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a running app (lifespan entered) on the fresh database."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://skyfleet") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


TokenMaker = Callable[..., dict[str, str]]


@pytest.fixture
def auth(settings: Settings) -> TokenMaker:
    """``auth(operator, role, scopes=())`` -> Authorization headers for that caller."""

    def make(operator: str, role: str = "admin", scopes: tuple[str, ...] = ()) -> dict[str, str]:
        engine = make_engine(settings.database_url)
        try:
            with make_session_factory(engine)() as session:
                row = ensure_operator(session, operator, actor="test")
                assert row.id is not None
                principal = Principal(
                    f"test:{operator}:{role}", row.id, row.name, Role(role), frozenset(scopes)
                )
        finally:
            engine.dispose()
        return {"Authorization": f"Bearer {mint_token(settings, principal)}"}

    return make
