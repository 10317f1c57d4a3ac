"""``/auth``: OAuth2 password flow issuing bearer tokens, and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import select

from fleet.service.deps import ContextDep, CurrentUser, SessionDep
from fleet.service.schemas import ERRORS, Me, TokenResponse
from fleet.service.security import Principal, Role, mint_token, verify_password
from fleet.storage.tables import Operator, User

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS)


@router.post("/token", response_model=TokenResponse)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    context: ContextDep,
) -> TokenResponse:
    """Exchange a username and password for a bearer token."""
    user = session.exec(select(User).where(User.username == form.username)).first()
    if user is None or not verify_password(user.password_hash, form.password):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    operator = session.get(Operator, user.operator_id)
    assert operator is not None and user.id is not None
    principal = Principal(f"user:{user.username}", user.operator_id, operator.name, Role(user.role))
    token = mint_token(context.settings, principal, now=context.clock())
    return TokenResponse(access_token=token, expires_in=context.settings.token_ttl_s)


@router.get("/me", response_model=Me)
def me(principal: CurrentUser) -> Me:
    """Who the bearer token names."""
    return Me(
        subject=principal.subject,
        operator_id=principal.operator_id,
        operator_name=principal.operator_name,
        role=principal.role,
        scopes=sorted(principal.scopes),
    )
