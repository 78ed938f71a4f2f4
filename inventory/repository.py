"""Products in the database, through SQLAlchemy Core.

Every write is one statement in one transaction (``INSERT/UPDATE/DELETE ...
RETURNING``), so no request can leave a half-written product, and no write
reads first and then writes (which, on SQLite, could fail instead of waiting
for another worker's write). All values go in as bound parameters.

Database failures that a client can do nothing about but wait (the server is
down, the SQLite file is locked past the busy timeout) surface as
:class:`~inventory.errors.DatabaseUnavailable`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from inventory.database import products, sync_id_sequence
from inventory.errors import DatabaseUnavailable, ProductIdTaken
from inventory.validation import Product, ProductFields

__all__ = ["ProductRepository"]

logger = logging.getLogger("inventory")

P = ParamSpec("P")
T = TypeVar("T")

_COLUMNS = (products.c.id, products.c.product_name, products.c.brand, products.c.category)
_ORDER = products.c.id
# Attempts at an insert whose id the database assigns; on PostgreSQL a
# concurrent insert of a client-chosen id can take the id the sequence hands out.
_ASSIGN_ATTEMPTS = 5


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
    def add(self, fields: ProductFields) -> Product:
        """Insert a product; with an ``id`` that one (or :class:`ProductIdTaken`)."""
        statement = insert(products).values(dict(fields)).returning(*_COLUMNS)
        if "id" in fields:
            try:
                with self.engine.begin() as connection:
                    row = connection.execute(statement).one()
                    sync_id_sequence(connection)
            except IntegrityError:
                raise ProductIdTaken(fields["id"]) from None
            return _product(row)
        for attempt in range(_ASSIGN_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    return _product(connection.execute(statement).one())
            except IntegrityError:
                if attempt == _ASSIGN_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

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
