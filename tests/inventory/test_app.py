"""create_app: settings from the environment, the default database, a database that fails."""

from __future__ import annotations

import sqlite3

from inventory import ProductRepository, Settings, create_app
from inventory.database import connect
from inventory.settings import DEFAULT_DATABASE_URL, PROJECT_ROOT
from roob.testing import TestClient


def test_settings_come_from_the_environment():
    assert Settings.from_environment({}) == Settings()
    assert Settings().database_url == DEFAULT_DATABASE_URL
    assert f"sqlite:///{PROJECT_ROOT}/var/inventory.sqlite3" == DEFAULT_DATABASE_URL
    settings = Settings.from_environment(
        {"DATABASE_URL": "postgresql+psycopg://u@h/db", "INVENTORY_DEBUG": "1"}
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.debug is True


def test_create_app_builds_and_seeds_its_own_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/var/own.sqlite3")
    client = TestClient(create_app())
    assert client.get("/api/products/4").json()["product_name"] == "Dell XPS"
    assert (tmp_path / "var" / "own.sqlite3").exists()


def test_two_apps_on_one_database_see_each_others_writes(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/shared.sqlite3")
    first, second = TestClient(create_app(settings)), TestClient(create_app(settings))
    created = first.post("/api/products", json={"product_name": "a", "brand": "b"}).json()
    assert second.get(f"/api/products/{created['id']}").json() == created
    assert second.get("/api/products").headers["X-Total-Count"] == "5"


def test_an_unreachable_database_is_a_503_with_retry_after(tmp_path):
    missing = tmp_path / "no-such-folder" / "x.sqlite3"
    engine = connect(f"sqlite:///{missing}")
    (tmp_path / "no-such-folder").rmdir()
    app = create_app(Settings(retry_after=7), repository=ProductRepository(engine))
    response = TestClient(app).get("/api/products")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"message": "The database is unavailable; try again shortly"}
    assert "sqlite" not in response.text.lower()


def test_the_busy_timeout_comes_from_the_environment():
    settings = Settings.from_environment({"SQLITE_BUSY_TIMEOUT_MS": "250"})
    assert settings.sqlite_busy_timeout_ms == 250
    assert Settings.from_environment({}).sqlite_busy_timeout_ms == 10_000


def test_an_app_started_while_the_database_is_locked_serves_503_then_recovers(tmp_path):
    # A worker (re)started during an outage must boot: gunicorn stops every worker
    # when one fails to boot. It answers 503 and prepares the database once it is back.
    database = tmp_path / "new.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        settings = Settings(database_url=f"sqlite:///{database}", sqlite_busy_timeout_ms=50)
        client = TestClient(create_app(settings))
        response = client.get("/api/products/1")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/api/products/1").json()["product_name"] == "S25 Ultra"
    assert client.get("/api/products").headers["X-Total-Count"] == "4"
