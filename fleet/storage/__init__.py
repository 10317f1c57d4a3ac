"""Persistence: SQLModel tables, the engine and session factory, and the shipped migrations.

SQLite (embedded default) and PostgreSQL (scale-out) are both first-class: every table and
query here runs on both, and the schema is created only by the Alembic migrations in
:mod:`fleet.storage.migrations`, applied at startup by :func:`fleet.storage.db.migrate`.
"""
