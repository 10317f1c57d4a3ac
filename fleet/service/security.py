"""Passwords (argon2) and bearer tokens (signed JWT) carrying operator, role and scopes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fleet.service.settings import Settings

_HASHER = PasswordHasher()

# Scopes of the InterUSS flight_planning automated-testing interface (flight_planning.yaml).
SCOPE_PLAN = "interuss.flight_planning.plan"
SCOPE_DIRECT_AUTOMATED_TEST = "interuss.flight_planning.direct_automated_test"
FLIGHT_PLANNING_SCOPES = (SCOPE_PLAN, SCOPE_DIRECT_AUTOMATED_TEST)


class Role(StrEnum):
    """What a user may do inside their operator."""

    ADMIN = "admin"  # everything, incl. users, zones and the InterUSS interface
    DISPATCHER = "dispatcher"  # deliveries, scheduling, vehicles and their commands
    INSPECTOR = "inspector"  # inspections, scheduling, vehicle commands
    VIEWER = "viewer"  # read only


class TokenError(Exception):
    """A bearer token is missing, malformed, expired or badly signed."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: subject, tenant, role and granted scopes (from a verified token)."""

    subject: str
    operator_id: int
    operator_name: str
    role: Role
    scopes: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        return self.subject


def hash_password(password: str) -> str:
    """Return the argon2 hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises on a mismatch)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def mint_token(
    settings: Settings,
    principal: Principal,
    *,
    ttl_s: int | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a bearer token for ``principal``.

    Args:
        settings: the server configuration (secret key, algorithm, default lifetime).
        principal: subject, operator, role and scopes to grant.
        ttl_s: lifetime in seconds (default ``settings.token_ttl_s``).
        now: issue time (default: the current UTC time).

    Returns:
        The encoded JWT.
    """
    issued = now or datetime.now(UTC)
    claims = {
        "sub": principal.subject,
        "op": principal.operator_id,
        "opn": principal.operator_name,
        "role": principal.role.value,
        "scope": " ".join(sorted(principal.scopes)),
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s or settings.token_ttl_s),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=settings.jwt_algorithm)


def read_token(settings: Settings, token: str) -> Principal:
    """Verify ``token`` and return who it names.

    Raises:
        TokenError: bad signature, expired, or missing claims.
    """
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "exp", "op", "role"]},
        )
        return Principal(
            subject=str(claims["sub"]),
            operator_id=int(claims["op"]),
            operator_name=str(claims.get("opn", "")),
            role=Role(claims["role"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenError(f"invalid bearer token: {exc}") from exc
