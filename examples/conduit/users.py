"""Registration, login and the current user: ``/users``, ``/users/login``, ``/user``."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import or_
from sqlalchemy.orm import Session

from examples.conduit import schemas
from examples.conduit.auth import (
    CurrentUser,
    Tokens,
    authenticate,
    hash_password,
    token_scheme,
    tokens,
)
from examples.conduit.database import DB
from examples.conduit.models import User
from roob import Body, Depends, Request, Router, UnprocessableEntity
from roob.openapi import operation

router = Router(name="users", tags=["User and Authentication"])

Signer = Annotated[Tokens, Depends(tokens)]


def present_user(user: User, token: str) -> schemas.UserResponse:
    return schemas.UserResponse(
        user=schemas.User(
            email=user.email, token=token, username=user.username, bio=user.bio, image=user.image
        )
    )


def refuse_taken(db: Session, username: str | None, email: str | None, user: User | None) -> None:
    """A 422 naming what another user already has (RealWorld's ``has already been taken``)."""
    clauses = [User.username == username] if username is not None else []
    clauses += [User.email == email] if email is not None else []
    if not clauses:
        return
    query = db.query(User).filter(or_(*clauses))
    if user is not None:
        query = query.filter(User.id != user.id)
    taken = []
    for other in query:
        if other.username == username:
            taken.append("username has already been taken")
        if other.email == email:
            taken.append("email has already been taken")
    if taken:
        raise UnprocessableEntity(", ".join(taken))


@router.post("/users", status=201, operation_id="CreateUser")
def register(
    request: Request, user: Annotated[schemas.NewUser, Body(embed=True)], db: DB, signer: Signer
) -> schemas.UserResponse:
    """Register a new user."""
    refuse_taken(db, user.username, user.email, None)
    new = User(username=user.username, email=user.email, password_hash=hash_password(user.password))
    db.add(new)
    db.commit()
    return present_user(new, signer.issue(new))


@router.post("/users/login", operation_id="Login")
@operation(responses={401: "The e-mail address or the password is wrong"})
def login(
    request: Request, user: Annotated[schemas.LoginUser, Body(embed=True)], db: DB, signer: Signer
) -> schemas.UserResponse:
    """Existing user login."""
    found = authenticate(db, user.email, user.password)
    if found is None:
        raise token_scheme.unauthorized("email or password is invalid")
    return present_user(found, signer.issue(found))


@router.get("/user", operation_id="GetCurrentUser")
def current(request: Request, me: CurrentUser, signer: Signer) -> schemas.UserResponse:
    """Get the current user."""
    return present_user(me, signer.issue(me))


@router.put("/user", operation_id="UpdateCurrentUser")
def update(
    request: Request,
    user: Annotated[schemas.UpdateUser, Body(embed=True)],
    me: CurrentUser,
    db: DB,
    signer: Signer,
) -> schemas.UserResponse:
    """Update the current user."""
    refuse_taken(db, user.username, user.email, me)
    changes = user.model_dump(exclude_unset=True, exclude={"password"})
    for name, value in changes.items():
        if value is not None or name in ("bio", "image"):  # a null e-mail or name: unchanged
            setattr(me, name, value)
    if user.password is not None:
        me.password_hash = hash_password(user.password)
    db.commit()
    return present_user(me, signer.issue(me))
