"""Products in the database, through SQLAlchemy Core.

Every write is one statement in one transaction (``INSERT/UPDATE/DELETE ...
RETURNING``), so no request can leave a half-written product, and no write
reads first and then writes (which, on SQLite, could fail instead of waiting
for another worker's write). All values go in as bound parameters.

Database failures that a client can do nothing about but wait (the server is
down, the SQLite file is locked past the busy timeout) surface as
:class:`~inventory.errors.DatabaseUnavailable`.

How a new product's id is chosen, and why concurrent writers never collide
---------------------------------------------------------------------------

A product created without an id gets one past the largest id there is, or, once
a product holds ``MAX_PRODUCT_ID``, the lowest free id (:func:`_free_id`),
computed inside the ``INSERT``. A client may also choose a free id (``POST`` with
an ``id``; ``PUT`` and ``PATCH`` never create or renumber a product). Two
transactions that compute the next id at the same moment compute the same one,
and the second fails on the primary key: on PostgreSQL behind several hosts that
was a 500 (issue 18). Retrying on the conflict alone does not fix it: under
contention each retry loses again to another writer (six processes exhausted ten
attempts within seconds).

So the inserts of products are serialized, and each one computes its id from
every product committed before it:

* SQLite has one writer at a time, and an ``INSERT ... SELECT`` takes the write
  lock before it reads: nothing is written between its read of the largest id
  and its write.
* PostgreSQL: each transaction that inserts a product first takes a transaction
  advisory lock (:data:`INSERT_LOCK`, held until commit or rollback). Under READ
  COMMITTED (the engine's level, see :func:`inventory.database.connect`) the
  ``INSERT``, a later statement, sees every product the previous holder
  committed: PostgreSQL makes a commit visible before it releases the locks.
  Client-chosen ids take the same lock, so a 409 means the id was really taken.
  Reads, updates and deletes never wait for it.

Why not let the database number the rows (a SERIAL/IDENTITY sequence, SQLite's
ROWID)? A sequence knows nothing of the ids clients choose: it hands out an id a
client already took, and keeping it ahead with ``setval(GREATEST(...))`` is not
atomic with a concurrent ``nextval`` (it can move the sequence back), so the
conflicts and retries stay. And the range: once a client takes
``MAX_PRODUCT_ID``, PostgreSQL's sequence stops and SQLite's ROWID goes past the
column's range, where the service promises the lowest free id instead. The lock
costs one round trip per insert and makes product inserts on PostgreSQL wait
for each other for one ``INSERT`` and a commit each (SQLite serializes every
write anyway), which an inventory written at human rates never notices. It needs
no change to the schema, so databases made by older versions keep working.

A writer that does not take the lock (an older version of the service during a
rolling update, a manual ``INSERT``) can still collide with an assigned id: the
insert is tried again, a bounded number of times, and past that the answer is
a 503 with ``Retry-After``, never a 500.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import (
    Engine,
    Row,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from inventory.database import idempotency_keys, products
from inventory.errors import DatabaseUnavailable, ProductIdsExhausted, ProductIdTaken
from inventory.validation import MAX_PRODUCT_ID, Product, ProductFields

__all__ = ["ProductRepository"]

logger = logging.getLogger("inventory")

P = ParamSpec("P")
T = TypeVar("T")

_COLUMNS = (products.c.id, products.c.product_name, products.c.brand, products.c.category)
_TEXT_COLUMNS = ("product_name", "brand", "category")
_ORDER = products.c.id
#: The PostgreSQL advisory lock key that product inserts hold until they end
#: ("products" in ASCII); see the module's docstring.
INSERT_LOCK = int.from_bytes(b"products", "big")
# Attempts at an insert whose id is assigned, against writers that bypass INSERT_LOCK.
_ASSIGN_ATTEMPTS = 10


def _free_id() -> Any:
    """The id a new product gets: one past the largest, or, once a product holds the
    largest id there is, the lowest free one (NULL when every id is taken).

    Assigned here, not by the database: SQLite would go past ``MAX_PRODUCT_ID``
    and PostgreSQL's sequence stops at it, after a client chose an id near the top.
    Safe only while no other insert runs: see :func:`_lock_inserts`.
    """
    top = select(func.coalesce(func.max(products.c.id), 0)).scalar_subquery()
    taken = products.alias("taken")
    gap = (
        select(func.min(products.c.id + 1))
        .where(products.c.id < MAX_PRODUCT_ID, ~exists().where(taken.c.id == products.c.id + 1))
        .scalar_subquery()
    )
    first_free = ~exists().where(products.c.id == 1)
    return case((top < MAX_PRODUCT_ID, top + 1), (first_free, 1), else_=gap)


def _lock_inserts(connection: Connection) -> None:
    """Wait until no other transaction is inserting a product, and keep others
    waiting until this one ends (PostgreSQL; SQLite has one writer anyway)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(INSERT_LOCK)))


def _product(row: Row[Any, Any, Any, Any]) -> Product:
    return Product(id=row.id, product_name=row.product_name, brand=row.brand, category=row.category)


def _unavailable_on_failure(
    method: Callable[Concatenate[ProductRepository, P], T],
) -> Callable[Concatenate[ProductRepository, P], T]:
    @functools.wraps(method)
    def guarded(self: ProductRepository, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            if self.setup is not None:
                self.setup()
                self.setup = None
            return method(self, *args, **kwargs)
        except OperationalError as exc:
            logger.error("database unavailable: %s", exc.orig)
            raise DatabaseUnavailable("The database is unavailable; try again shortly") from exc
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            logger.error("database connection lost: %s", exc.orig)
            raise DatabaseUnavailable("The database is unavailable; try again shortly") from exc

    return guarded


class ProductRepository:
    """The ``products`` table of one database."""

    def __init__(self, engine: Engine, *, setup: Callable[[], None] | None = None) -> None:
        self.engine = engine
        #: Run before the first query, until it succeeds once: the schema and seed
        #: of a database that was down when the application started.
        self.setup = setup

    @_unavailable_on_failure
    def page(
        self, *, brand: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[list[Product], int]:
        """Products in id order (``brand`` only, if given), one page, and how many in all."""
        query = select(*_COLUMNS).order_by(_ORDER).limit(limit).offset(offset)
        count = select(func.count()).select_from(products)
        if brand is not None:
            query = query.where(products.c.brand == brand)
            count = count.where(products.c.brand == brand)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            total = connection.execute(count).scalar_one()
        return [_product(row) for row in rows], total

    @_unavailable_on_failure
    def get(self, product_id: int) -> Product | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(*_COLUMNS).where(products.c.id == product_id)).first()
        return _product(row) if row else None

    @_unavailable_on_failure
    def in_category(self, category: str) -> list[Product]:
        query = select(*_COLUMNS).where(products.c.category == category).order_by(_ORDER)
        with self.engine.connect() as connection:
            return [_product(row) for row in connection.execute(query)]

    @_unavailable_on_failure
    def add(
        self, fields: ProductFields, *, idempotency: tuple[str, str] | None = None
    ) -> tuple[Product, str | None]:
        """Insert a product; with an ``id`` that one (or :class:`ProductIdTaken`).

        ``idempotency`` is (key, fingerprint of the request): the key is stored
        with the product in the same transaction. When the key is already there,
        nothing is written and the answer is the stored product with the stored
        fingerprint, for the caller to compare.
        """
        last_conflict: IntegrityError | None = None
        for attempt in range(_ASSIGN_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    _lock_inserts(connection)  # before the key's look-up: a retry sees it
                    if idempotency is not None:
                        stored = self._stored(connection, idempotency[0])
                        if stored is not None:
                            return stored
                    product = self._insert(connection, fields)
                    if idempotency is not None:
                        key, fingerprint = idempotency
                        connection.execute(
                            insert(idempotency_keys).values(
                                key=key, fingerprint=fingerprint, product=json.dumps(product)
                            )
                        )
                    return product, None
            except IntegrityError as exc:
                if idempotency is not None:  # the same key, sent at the same time?
                    with self.engine.connect() as connection:
                        stored = self._stored(connection, idempotency[0])
                    if stored is not None:
                        return stored
                if "id" in fields:
                    raise ProductIdTaken(fields["id"]) from None
                # An assigned id taken by a writer that bypasses INSERT_LOCK.
                logger.warning("assigned product id taken (attempt %d): %s", attempt + 1, exc.orig)
                last_conflict = exc
        raise DatabaseUnavailable("The database is busy; try again shortly") from last_conflict

    @staticmethod
    def _stored(connection: Connection, key: str) -> tuple[Product, str] | None:
        row = connection.execute(
            select(idempotency_keys.c.product, idempotency_keys.c.fingerprint).where(
                idempotency_keys.c.key == key
            )
        ).first()
        return (json.loads(row.product), row.fingerprint) if row else None

    @staticmethod
    def _insert(connection: Connection, fields: ProductFields) -> Product:
        if "id" in fields:
            statement = insert(products).values(dict(fields)).returning(*_COLUMNS)
            return _product(connection.execute(statement).one())
        new_id = _free_id()
        values = select(new_id, *(literal(fields[name]) for name in _TEXT_COLUMNS))  # type: ignore[literal-required]
        statement = (
            insert(products)
            .from_select(["id", *_TEXT_COLUMNS], values.where(and_(new_id.is_not(None))))
            .returning(*_COLUMNS)
        )
        row = connection.execute(statement).first()
        if row is None:
            raise ProductIdsExhausted()
        return _product(row)

    @_unavailable_on_failure
    def change(self, product_id: int, fields: ProductFields) -> Product | None:
        """Set ``fields`` of a product; the product as it is now, or None if there is none."""
        if not fields:
            return self.get(product_id)
        statement = (
            update(products)
            .where(products.c.id == product_id)
            .values(dict(fields))
            .returning(*_COLUMNS)
        )
        with self.engine.begin() as connection:
            row = connection.execute(statement).first()
        return _product(row) if row else None

    @_unavailable_on_failure
    def remove(self, product_id: int) -> bool:
        """Delete a product; False if there was none."""
        statement = delete(products).where(products.c.id == product_id).returning(products.c.id)
        with self.engine.begin() as connection:
            return connection.execute(statement).first() is not None
