"""Fixtures for the inventory's tests: the app on a fresh database, per backend.

Every API test runs twice: on a new SQLite file and on PostgreSQL. The
PostgreSQL database comes from the ``postgres_url`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from inventory import ProductRepository, Settings, create_app
from inventory.database import connect, metadata, prepare
from roob import Roob
from roob.testing import TestClient


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/inventory.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    engine = connect(url)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    prepare(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Roob:
    return create_app(settings, repository=ProductRepository(engine))


@pytest.fixture
def client(app: Roob) -> TestClient:
    return TestClient(app)
