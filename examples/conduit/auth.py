"""Who is asking: ``Authorization: Token <jwt>``, password hashes, the current user.

Two dependencies give a view its user: ``CurrentUser`` (a 401 without a valid
token) and ``OptionalUser`` (None without a token; a 401 for a bad one). Both
stand on the ``Token`` scheme, so the OpenAPI document lists it on the
operations that use them: required where ``CurrentUser`` is, optional
(``[{}, {"Token": []}]``) where ``OptionalUser`` is.

Passwords are hashed with Argon2id (argon2-cffi), the first choice of OWASP's
password storage cheat sheet and RFC 9106, at argon2-cffi's defaults (RFC 9106's
low-memory profile: 64 MiB, 3 passes, 4 lanes). Tokens are JWTs (PyJWT) signed
with HS256 and the application's secret key, holding the user's id and an expiry.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from examples.conduit.database import get_db
from examples.conduit.models import User
from roob import Depends, Request
from roob.security import APIKeyHeader

TOKEN_DESCRIPTION = (
    "A JWT from POST /users or POST /users/login, sent as `Authorization: Token <jwt>`."
)
#: RealWorld's scheme: the ``Authorization`` header with ``Token`` before the JWT.
token_scheme = APIKeyHeader(
    name="Authorization", prefix="Token", scheme_name="Token", description=TOKEN_DESCRIPTION
)
#: The same, for the operations where a token is optional.
optional_token_scheme = APIKeyHeader(
    name="Authorization",
    prefix="Token",
    scheme_name="Token",
    description=TOKEN_DESCRIPTION,
    auto_error=False,
)

passwords = PasswordHasher()
# Verified against when the e-mail address is unknown, so that a login takes as long
# for an unknown address as for a wrong password and does not tell which it was.
_NO_SUCH_USER = passwords.hash("no such user")


class Tokens:
    """Signs and reads the application's JWTs."""

    algorithm = "HS256"

    def __init__(self, secret_key: str, lifetime: int) -> None:
        self.secret_key = secret_key
        self.lifetime = datetime.timedelta(seconds=lifetime)

    def issue(self, user: User) -> str:
        now = datetime.datetime.now(datetime.UTC)
        claims = {"sub": str(user.id), "iat": now, "exp": now + self.lifetime}
        return jwt.encode(claims, self.secret_key, algorithm=self.algorithm)

    def user_id(self, token: str) -> int | None:
        """The id the token was issued for, or None for a token that is forged, expired
        or malformed."""
        try:
            claims = jwt.decode(
                token, self.secret_key, algorithms=[self.algorithm],
                options={"require": ["sub", "exp"]},
            )  # fmt: skip
            return int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError):
            return None


def tokens(request: Request) -> Tokens:
    """The application's :class:`Tokens` (``request.app`` is the Conduit application)."""
    signer: Tokens = request.app.tokens
    return signer


def hash_password(password: str) -> str:
    return passwords.hash(password)


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user with this e-mail address and password, or None."""
    user = db.query(User).filter_by(email=email).one_or_none()
    try:
        passwords.verify(user.password_hash if user else _NO_SUCH_USER, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is not None and passwords.check_needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)  # stronger settings since: kept at login
        db.commit()
    return user


def _user_of(token: str, db: Session, signer: Tokens, scheme: APIKeyHeader) -> User:
    user_id = signer.user_id(token)
    user = db.get(User, user_id) if user_id is not None else None
    if user is None:
        raise scheme.unauthorized("The token is invalid or has expired; log in again")
    return user


def current_user(
    token: Annotated[str, Depends(token_scheme)],
    db: Annotated[Session, Depends(get_db)],
    signer: Annotated[Tokens, Depends(tokens)],
) -> User:
    """The user the request's token names; a 401 without one, or with a bad one."""
    return _user_of(token, db, signer, token_scheme)


def optional_user(
    token: Annotated[str | None, Depends(optional_token_scheme)],
    db: Annotated[Session, Depends(get_db)],
    signer: Annotated[Tokens, Depends(tokens)],
) -> User | None:
    """The user the request's token names, None without a token; a 401 for a bad one (a
    client that sent one meant to be someone: answering as anonymous would hide it)."""
    return None if token is None else _user_of(token, db, signer, optional_token_scheme)


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
