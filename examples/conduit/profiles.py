"""Profiles, and following their users: ``/profiles/{username}[/follow]``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from examples.conduit import schemas
from examples.conduit.auth import CurrentUser, OptionalUser
from examples.conduit.database import DB
from examples.conduit.models import User
from roob import NotFound, Request, Router

router = Router(name="profiles", tags=["Profile"])


def profile_of(user: User, viewer: User | None) -> schemas.Profile:
    """``user`` as ``viewer`` sees it (whether they follow them)."""
    return schemas.Profile(
        username=user.username,
        bio=user.bio,
        image=user.image,
        following=viewer is not None and user in viewer.following,
    )


def user_named(db: Session, username: str) -> User:
    user = db.query(User).filter_by(username=username).one_or_none()
    if user is None:
        raise NotFound(f"There is no user {username!r}")
    return user


@router.get("/profiles/{username}", operation_id="GetProfileByUsername")
def show(request: Request, username: str, me: OptionalUser, db: DB) -> schemas.ProfileResponse:
    """Get a profile."""
    return schemas.ProfileResponse(profile=profile_of(user_named(db, username), me))


@router.post("/profiles/{username}/follow", operation_id="FollowUserByUsername")
def follow(request: Request, username: str, me: CurrentUser, db: DB) -> schemas.ProfileResponse:
    """Follow a user."""
    user = user_named(db, username)
    if user not in me.following and user is not me:
        me.following.append(user)
        db.commit()
    return schemas.ProfileResponse(profile=profile_of(user, me))


@router.delete("/profiles/{username}/follow", operation_id="UnfollowUserByUsername")
def unfollow(request: Request, username: str, me: CurrentUser, db: DB) -> schemas.ProfileResponse:
    """Unfollow a user."""
    user = user_named(db, username)
    if user in me.following:
        me.following.remove(user)
        db.commit()
    return schemas.ProfileResponse(profile=profile_of(user, me))
