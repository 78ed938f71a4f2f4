"""The database: an engine per process, and one session per request through ``get_db``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from examples.conduit.models import Base
from roob import Depends, Request


class Database:
    """The engine and the sessions of one database (``DATABASE_URL``)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            # SQLite enforces foreign keys (the cascades) only when asked, per connection.
            event.listen(self.engine, "connect", _sqlite_foreign_keys)
        # Objects stay readable after commit: views commit, then build their answer from them.
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        Base.metadata.create_all(self.engine)


def _sqlite_foreign_keys(connection: object, record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_db(request: Request) -> Iterator[Session]:
    """The request's session: opened when a view (or another dependency) first asks for it,
    closed when the request has ended, whatever happened.

    Views commit what they mean to keep before they answer; closing rolls back the rest,
    so a view that raised half way leaves nothing behind. ``request.app`` is the
    :class:`~examples.conduit.app.Conduit` application, which holds the database.
    """
    with request.app.database.sessions() as session:
        yield session


#: A view's (or a dependency's) parameter ``db: DB`` is the request's session.
DB = Annotated[Session, Depends(get_db)]
