"""What the application is given from outside: where its data lives, how tokens are signed."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """The application's settings.

    :param database_url: a SQLAlchemy URL (``sqlite:///conduit.sqlite3``,
        ``postgresql+psycopg://user:password@host/conduit``).
    :param secret_key: signs the tokens (HS256): a long random string kept out
        of the code, the same in every worker and host.
    :param token_lifetime: how long a token is valid, in seconds.
    """

    database_url: str
    secret_key: str
    token_lifetime: int = 24 * 3600

    @classmethod
    def from_environ(cls) -> Settings:
        """``DATABASE_URL`` (default: SQLite in ``conduit.sqlite3``) and ``CONDUIT_SECRET_KEY``
        (required: a default key would sign everybody's tokens with a key everybody knows)."""
        secret_key = os.environ.get("CONDUIT_SECRET_KEY", "")
        if len(secret_key) < 32:
            raise RuntimeError(
                "set CONDUIT_SECRET_KEY to a random string of 32 characters or more, the "
                "same for every worker (python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return cls(
            database_url=os.environ.get("DATABASE_URL", "sqlite:///conduit.sqlite3"),
            secret_key=secret_key,
        )
