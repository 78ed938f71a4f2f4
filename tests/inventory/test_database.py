"""The schema, the one-time seed and the SQLite settings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from inventory.database import connect, prepare, products


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


def test_ids_assigned_after_the_seed_follow_it(engine):
    with engine.begin() as connection:
        new_id = connection.execute(
            products.insert()
            .values(product_name="a", brand="b", category="c")
            .returning(products.c.id)
        ).scalar_one()
    assert new_id == 5


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
