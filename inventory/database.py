"""The database: engine, schema and the first start's seed data.

SQLite (the embedded default) runs in WAL mode with a busy timeout, so the
workers of one host read while one of them writes and wait for each other's
writes instead of failing. PostgreSQL is used at READ COMMITTED, whatever the
server's default (the product inserts rely on it, inventory/repository.py), with
connections checked before use so a restarted server does not fail the next
request.

:func:`prepare` creates the schema and seeds the four products of the seed
exactly once, even when several workers start at the same moment: the seed is
written in the same transaction as a marker row, and only by the worker whose
marker insert went in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.schema import CreateIndex, CreateTable

__all__ = [
    "BRAND_LENGTH",
    "CATEGORY_LENGTH",
    "IDEMPOTENCY_KEY_LENGTH",
    "NAME_LENGTH",
    "SEED_PRODUCTS",
    "connect",
    "idempotency_keys",
    "metadata",
    "prepare",
    "products",
]

NAME_LENGTH = 100
BRAND_LENGTH = 100
CATEGORY_LENGTH = 50
IDEMPOTENCY_KEY_LENGTH = 200
SQLITE_BUSY_TIMEOUT_MS = 10_000
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("product_name", String(NAME_LENGTH), nullable=False),
    Column("brand", String(BRAND_LENGTH), nullable=False),
    Column("category", String(CATEGORY_LENGTH), nullable=False, index=True),
)

# The first answer to each POST that carried an Idempotency-Key, to give again to a retry.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(IDEMPOTENCY_KEY_LENGTH), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of the request body
    Column("product", Text, nullable=False),  # the created product, as JSON
)

# One row per one-time task done on this database ("seeded").
markers = Table(
    "inventory_markers",
    metadata,
    Column("name", String(50), primary_key=True),
)

SEED_PRODUCTS = (
    {"id": 1, "product_name": "S25 Ultra", "brand": "Samsung", "category": "mobile"},
    {"id": 2, "product_name": "iPhone", "brand": "Apple", "category": "mobile"},
    {"id": 3, "product_name": "Macbook Pro M4", "brand": "Apple", "category": "laptop"},
    {"id": 4, "product_name": "Dell XPS", "brand": "Dell", "category": "laptop"},
)


def _sqlite_connection_setup(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return configure


def connect(database_url: str | URL, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``database_url``; a SQLite file's folder is created if missing.

    ``busy_timeout_ms``: how long a SQLite write waits for another one before
    the database counts as unavailable.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"DATABASE_URL names a {backend} database; the inventory runs on "
            f"{' or '.join(SUPPORTED_BACKENDS)}"
        )
    if backend == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
        event.listen(engine, "connect", _sqlite_connection_setup(busy_timeout_ms))
        return engine
    # Each statement sees what was committed before it started: an insert that waited
    # for another one's lock sees its product (inventory/repository.py).
    return create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")


def _insert_unless_present(connection: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row``; False (and nothing written) if its key is already there."""
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(row).on_conflict_do_nothing()
    key = table.primary_key.columns.values()[0]
    return connection.execute(statement.returning(key)).first() is not None


def _create_schema(engine: Engine) -> None:
    for attempt in range(3):
        try:
            with engine.begin() as connection:
                for table in metadata.sorted_tables:
                    connection.execute(CreateTable(table, if_not_exists=True))
                    for index in table.indexes:
                        connection.execute(CreateIndex(index, if_not_exists=True))
            return
        except (IntegrityError, ProgrammingError):
            # Two processes creating the same table at once on PostgreSQL: the
            # loser's IF NOT EXISTS check raced; the table is there now.
            if attempt == 2:
                raise


def prepare(engine: Engine, *, seed: bool = True) -> None:
    """Create the schema if missing and, on a new database, add the seed's products."""
    _create_schema(engine)
    if not seed:
        return
    with engine.begin() as connection:
        if not _insert_unless_present(connection, markers, {"name": "seeded"}):
            return
        if connection.execute(select(func.count()).select_from(products)).scalar_one():
            return  # products were there before the marker (an older database)
        connection.execute(insert(products), list(SEED_PRODUCTS))
