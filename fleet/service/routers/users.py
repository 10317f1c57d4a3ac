"""``/users``: an operator's admins manage its users."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlmodel import col, select

from fleet.service.deps import Admin, SessionDep
from fleet.service.errors import Conflict
from fleet.service.schemas import ERRORS, UserCreate, UserPublic
from fleet.service.security import hash_password
from fleet.storage.audit import record
from fleet.storage.tables import User

router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS)


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, admin: Admin) -> User:
    """Add a user to the caller's operator."""
    if session.exec(select(User).where(User.username == body.username)).first():
        raise Conflict(f"username {body.username!r} is taken; choose another")
    user = User(
        username=body.username,
        operator_id=admin.operator_id,
        role=body.role.value,
        password_hash=hash_password(body.password),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=admin.actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        operator_id=admin.operator_id,
        detail={"username": user.username, "role": user.role},
    )
    session.commit()
    return user


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, admin: Admin) -> list[User]:
    """The users of the caller's operator."""
    query = select(User).where(User.operator_id == admin.operator_id).order_by(col(User.id))
    return list(session.exec(query))
