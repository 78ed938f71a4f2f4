"""Settings of the inventory service, read from the environment.

``DATABASE_URL``
    A SQLAlchemy URL. Default: the SQLite file ``var/inventory.sqlite3`` at
    the top of the project. ``postgresql+psycopg://user:pass@host/db`` runs
    the service on PostgreSQL, so several hosts can share one database.
``INVENTORY_DEBUG``
    ``1`` sends exception text to clients. Never in production.
``SQLITE_BUSY_TIMEOUT_MS``
    How long a SQLite write waits for another worker's (default 10000);
    past it the request is answered 503 with ``Retry-After``.
``ALLOWED_HOSTS``
    Comma-separated host names the service answers for (``shop.example``,
    ``.example.com`` for a domain and its subdomains); any other ``Host`` is
    a 400. Unset: every host is served.
``PUBLIC_ORIGIN``
    The scheme and host clients reach the service at
    (``https://shop.example``), for absolute ``Location`` headers. Unset:
    ``Location`` is a path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from inventory.database import SQLITE_BUSY_TIMEOUT_MS

__all__ = ["DEFAULT_DATABASE_URL", "PROJECT_ROOT", "Settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'inventory.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """What one instance of the service is configured with."""

    database_url: str = DEFAULT_DATABASE_URL
    #: The category of a product created without one.
    default_category: str = "uncategorized"
    #: Seconds a client is asked to wait (``Retry-After``) when the database is down.
    retry_after: int = 5
    debug: bool = False
    #: Milliseconds a SQLite write waits for a lock before the database counts as unavailable.
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    #: The hosts served (empty: every host).
    allowed_hosts: tuple[str, ...] = ()
    #: ``https://shop.example``: makes ``Location`` absolute (empty: a path).
    public_origin: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from the variables above, defaults for the others."""
        return cls(
            database_url=environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            debug=environ.get("INVENTORY_DEBUG", "") in {"1", "true", "yes"},
            sqlite_busy_timeout_ms=int(
                environ.get("SQLITE_BUSY_TIMEOUT_MS") or SQLITE_BUSY_TIMEOUT_MS
            ),
            allowed_hosts=tuple(
                host.strip() for host in environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()
            ),
            public_origin=environ.get("PUBLIC_ORIGIN", "").rstrip("/"),
        )
