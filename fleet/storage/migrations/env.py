"""Alembic environment: migrates the engine given by :func:`fleet.storage.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import fleet.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def _run() -> None:
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run migrations through fleet.storage.db.migrate(engine)")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=SQLModel.metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


_run()
