"""FastAPI dependencies as ``Annotated`` aliases: the session, the caller, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session, SQLModel

from fleet.service.context import ServiceContext
from fleet.service.errors import NotFound
from fleet.service.security import Principal, Role, TokenError, read_token

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def get_context(request: Request) -> ServiceContext:
    """The running service's shared resources."""
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """A database session for one request, closed afterwards."""
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


def get_principal(
    context: ContextDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """The caller named by the bearer token.

    Raises:
        HTTPException: 401 when the token is missing or invalid.
    """
    if not token:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    try:
        return read_token(context.settings, token)
    except TokenError as exc:
        raise _unauthorized(str(exc)) from exc


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only callers with one of ``roles`` (403 otherwise)."""
    allowed = frozenset(roles)

    def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role.value!r} may not do this; needs one of: {names}",
            )
        return principal

    return check


Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
Dispatcher = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.DISPATCHER))]
Commander = Annotated[Principal, Depends(require_role(Role.ADMIN, Role.DISPATCHER, Role.INSPECTOR))]

RowT = TypeVar("RowT", bound=SQLModel)


def owned(session: Session, model: type[RowT], row_id: object, principal: Principal) -> RowT:
    """Load ``model`` row ``row_id`` if it belongs to the caller's operator.

    Raises:
        NotFound: it does not exist or belongs to another operator (404 either way, so ids of
            other tenants leak nothing).
    """
    row = session.get(model, row_id)
    if row is None or getattr(row, "operator_id", None) != principal.operator_id:
        raise NotFound(f"{model.__name__.removesuffix('Row').lower()} {row_id} not found")
    return row
