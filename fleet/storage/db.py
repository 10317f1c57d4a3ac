"""Engine, session factory and schema migration for SQLite and PostgreSQL.

Nothing here runs at import time: the service's lifespan calls :func:`make_engine`, then
:func:`migrate`, then :func:`make_session_factory`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

SessionFactory = Callable[[], Session]


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///file`` or ``postgresql+psycopg://...``).

    SQLite connections get foreign keys on, WAL journaling, a busy timeout, and explicit
    transaction control so that :func:`fleet.storage.locks.reservation_lock` can open a
    ``BEGIN IMMEDIATE`` write transaction.

    Args:
        url: SQLAlchemy database URL.
        echo: log SQL statements.

    Returns:
        A new engine; the caller disposes of it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    memory = parsed.database in (None, "", ":memory:")
    if not memory and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=None if memory else NullPool,
    )
    _sqlite_pragmas(engine, wal=not memory)
    return engine


def _sqlite_pragmas(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> SessionFactory:
    """Return a callable opening a new :class:`Session` on ``engine``.

    Sessions keep loaded objects usable after commit (``expire_on_commit=False``), so API
    handlers can return rows they just committed.
    """

    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the shipped migrations and ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the latest shipped migration (idempotent).

    Args:
        engine: the database to migrate.
    """
    command.upgrade(alembic_config(engine), "head")
