"""TechEmpower's PostgreSQL database on a throwaway server, for ``python -m benchmarks.tfb``
and tests/test_tfb.py.

::

    with TFBDatabase() as database:
        database.app_url     # postgresql://benchmarkdbuser:benchmarkdbpass@127.0.0.1:PORT/hello_world
        database.admin_url   # the superuser's, for resetting and reading pg_stat_statements

The server is tests/postgres.py's ``ThrowawayPostgres`` (on 127.0.0.1, a free
port, deleted on exit) with ``pg_stat_statements`` preloaded, which is how
TechEmpower counts the statements an app sends. schema.sql is loaded by the
superuser; the apps connect as TechEmpower's ``benchmarkdbuser``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import psycopg

from tests.postgres import ThrowawayPostgres

__all__ = ["APP_USER", "SCHEMA", "TFBDatabase"]

APP_USER = "benchmarkdbuser"
APP_PASSWORD = "benchmarkdbpass"
DATABASE = "hello_world"
SCHEMA = Path(__file__).with_name("schema.sql")


class TFBDatabase(ThrowawayPostgres):
    """A PostgreSQL server of its own holding TechEmpower's tables."""

    def __init__(self) -> None:
        super().__init__(database=DATABASE)
        with (self.data / "postgresql.conf").open("a") as settings:
            settings.write("shared_preload_libraries = 'pg_stat_statements'\n")

    @property
    def app_url(self) -> str:
        """The libpq URL the apps use (``TFB_DATABASE_URL``)."""
        return f"postgresql://{APP_USER}:{APP_PASSWORD}@{self.host}:{self.port}/{DATABASE}"

    @property
    def admin_url(self) -> str:
        """The superuser's libpq URL: pg_stat_statements of every role, resettable."""
        return self.libpq_url

    def start(self) -> Self:
        """Start the server; the first time, create TechEmpower's user and tables too."""
        first = not self.started
        super().start()
        if first:
            with psycopg.connect(self.admin_url) as connection:
                connection.execute(
                    f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'"  # constants
                )
                connection.execute(SCHEMA.read_text(encoding="utf-8"))
        return self

    def __repr__(self) -> str:
        return f"TFBDatabase({self.app_url!r})"
