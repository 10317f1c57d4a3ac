"""Alembic migrations shipped with the package (applied at startup)."""
