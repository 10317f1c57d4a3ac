"""The airspace reservation lock (and the vehicle-registry lock): one writer at a time across
every service process.

A reservation reads the live intents, checks the candidate against them and inserts it; two
processes doing that at once could both accept conflicting intents. The whole sequence therefore
runs inside one transaction that first takes

- on PostgreSQL, a transaction-level advisory lock (``pg_advisory_xact_lock``), released by the
  database at commit or rollback, so a crashed process can never leave it held;
- on SQLite, the database write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# An arbitrary 63-bit key naming "the airspace" among advisory locks (ASCII "skyfleet").
AIRSPACE_LOCK_KEY = 0x736B79666C656574
# The vehicle registry's key (ASCII "vehicles").
VEHICLES_LOCK_KEY = 0x76656869636C6573


def take_reservation_lock(session: Session) -> None:
    """Start ``session``'s transaction holding the airspace lock until it ends.

    Call it before anything else in the transaction (on SQLite the lock is taken by the
    ``BEGIN`` statement itself).

    Args:
        session: a session with no transaction begun yet.

    Raises:
        RuntimeError: the session already has a transaction in progress.
    """
    _take(session, AIRSPACE_LOCK_KEY)


def take_vehicles_lock(session: Session) -> None:
    """Start ``session``'s transaction holding the vehicle-registry lock until it ends.

    Registering a vehicle and recording one discovered on a connection both read "is this
    system id on this URL known?" and then insert: under this lock they cannot both decide
    no (which would list the vehicle twice). Same rules as :func:`take_reservation_lock`.
    """
    _take(session, VEHICLES_LOCK_KEY)


def _take(session: Session, key: int) -> None:
    if session.in_transaction():
        raise RuntimeError("take the lock before the transaction starts")
    connection = session.connection(execution_options={"sqlite_immediate": True})
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
