"""The schema, the one-time seed and the SQLite settings."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from sqlalchemy import func, select, text

from inventory.database import connect, prepare, products
from inventory.errors import ProductIdsExhausted
from inventory.repository import ProductRepository
from inventory.validation import MAX_PRODUCT_ID


def count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(products)).scalar_one()


def test_prepare_seeds_a_new_database_once(engine):
    assert count(engine) == 4
    with engine.begin() as connection:
        connection.execute(products.delete())
    prepare(engine)  # a restart: the deleted seed products stay deleted
    assert count(engine) == 0


def test_prepare_without_seed_leaves_the_table_empty(tmp_path):
    engine = connect(f"sqlite:///{tmp_path}/empty.sqlite3")
    prepare(engine, seed=False)
    assert count(engine) == 0
    engine.dispose()


FIELDS = {"product_name": "a", "brand": "b", "category": "c"}


def test_ids_assigned_after_the_seed_follow_it(engine):
    assert ProductRepository(engine).add(dict(FIELDS))[0]["id"] == 5


def test_after_a_client_takes_the_top_id_the_lowest_free_one_is_assigned(engine):
    repository = ProductRepository(engine)
    repository.add({"id": MAX_PRODUCT_ID, **FIELDS})
    assert repository.add(dict(FIELDS))[0]["id"] == 5  # the gap after the seed
    repository.remove(1)
    assert repository.add(dict(FIELDS))[0]["id"] == 1
    assert repository.add(dict(FIELDS))[0]["id"] == 6


def test_when_every_id_is_taken_adding_is_refused(engine):
    repository = ProductRepository(engine)
    with engine.begin() as connection:
        connection.execute(products.delete())
        connection.execute(products.insert().values(id=1, **FIELDS))
    with pytest.raises(ProductIdsExhausted), patch("inventory.repository.MAX_PRODUCT_ID", 1):
        repository.add(dict(FIELDS))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = connect(f"sqlite:///{tmp_path}/nested/folder/inventory.sqlite3")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    assert (tmp_path / "nested" / "folder" / "inventory.sqlite3").exists()
    engine.dispose()


def test_an_unsupported_database_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="names a mysql database; the inventory runs on sqlite"):
        connect("mysql://user@localhost/db")
