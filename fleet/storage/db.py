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
BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another one's transaction before giving up."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (``sqlite:///file`` or ``postgresql+psycopg://...``).

    SQLite connections get foreign keys on, WAL journaling, a busy timeout, and explicit
    transaction control (see :func:`_sqlite_transactions`): a transaction that writes holds
    the write lock from ``BEGIN IMMEDIATE``, and
    :func:`fleet.storage.locks.take_reservation_lock` opens one up front.

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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    _sqlite_transactions(engine)


def _sqlite_transactions(engine: Engine) -> None:
    """Make every SQLite transaction that writes a ``BEGIN IMMEDIATE`` one.

    A deferred transaction that has read and then writes must upgrade its read snapshot to
    the write lock; when another connection committed meanwhile, SQLite refuses at once with
    ``SQLITE_BUSY`` ("database is locked"), busy timeout or not. Nearly every write here reads
    first (load the row, change it, append the audit entry), so the runner and an API request
    writing at the same moment crashed one of them. Therefore:

    - a transaction begins deferred (pure reads never wait for a writer: WAL snapshots), or
      ``BEGIN IMMEDIATE`` when the connection asks for it (``sqlite_immediate``);
    - before its first write (or savepoint), a deferred transaction that has only read is
      restarted as ``BEGIN IMMEDIATE``, which waits for the lock up to the busy timeout.
      Nothing is lost (it wrote nothing); rows it read may be newer in the new transaction,
      the READ COMMITTED behaviour PostgreSQL gives the same code.

    The transaction stays one unit: its writes commit or roll back together.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = bool(conn.get_execution_options().get("sqlite_immediate", False))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        conn.info[_WRITING] = immediate

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        conn: Any, cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if conn.info.get(_WRITING, True) or not _writes(statement, context):
            return
        conn.info[_WRITING] = True
        dbapi_conn = cursor.connection
        if dbapi_conn.in_transaction:  # a deferred transaction that has only read so far
            dbapi_conn.execute("ROLLBACK")
            dbapi_conn.execute("BEGIN IMMEDIATE")


_WRITING = "skyfleet_sqlite_writing"
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK", "RELEASE")


def _writes(statement: str, context: Any) -> bool:
    """True when ``statement`` may write (or opens a savepoint) and so needs the write lock."""
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    head = statement.lstrip().split(None, 1)
    return bool(head) and head[0].upper() not in _READS


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
