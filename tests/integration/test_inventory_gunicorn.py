"""The inventory under gunicorn (2 workers, the production config) on its SQLite default.

The seed's curl walkthrough over real HTTP; 100 concurrent POSTs spread over
both workers, every one stored exactly once; and all of it still there after
the server restarts.
"""

from __future__ import annotations

import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import ServerProcess, free_port

CONCURRENT_POSTS = 100


@pytest.fixture
def make_server(tmp_path):
    database = tmp_path / "var" / "inventory.sqlite3"
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "-c", "deploy/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "2",
        # A gthread worker accepts up to worker_connections at once; capping
        # it makes a busy worker leave new connections to the other one.
        "--worker-connections", "4",
        "--access-logformat", "pid=%(p)s %(m)s %(U)s %(s)s",
    ]  # fmt: skip
    started: list[ServerProcess] = []

    def make() -> ServerProcess:
        server = ServerProcess(
            [*command, "inventory.wsgi:app"],
            port=port,
            log=tmp_path / "gunicorn.log",
            env={"DATABASE_URL": f"sqlite:///{database}"},
            ready_path="/api/products/1",
        )
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


def send(server: ServerProcess, method: str, path: str, document=None):
    body = None if document is None else json.dumps(document).encode()
    response, raw = server.request(method, path, body=body)
    return response, (json.loads(raw) if raw else None)


def test_the_seed_walkthrough(make_server):
    server = make_server()
    response, listing = send(server, "GET", "/api/products")
    assert response.status == 200
    assert [p["product_name"] for p in listing["mobile"]] == ["S25 Ultra", "iPhone"]
    assert [p["product_name"] for p in listing["laptop"]] == ["Macbook Pro M4", "Dell XPS"]

    galaxy = {"id": 5, "product_name": "Galaxy Tab", "brand": "Samsung"}
    response, created = send(server, "POST", "/api/products", galaxy)
    assert response.status == 201
    assert created == {**galaxy, "category": "uncategorized"}
    assert response.getheader("Location") == "/api/products/5"

    response, product = send(server, "GET", "/api/products/1")
    assert product == {
        "id": 1,
        "product_name": "S25 Ultra",
        "brand": "Samsung",
        "category": "mobile",
    }

    response, body = send(server, "DELETE", "/api/products/2")
    assert (response.status, body) == (204, None)

    response, mobile = send(server, "GET", "/api/products/mobile")
    assert [p["id"] for p in mobile] == [1]

    response, body = send(server, "GET", "/api/products/tablets")
    assert response.status == 404
    assert body == {"message": "tablets doesn't exist in the inventory"}

    response, page = server.request("GET", "/dashboard")
    assert response.status == 200
    assert b"Galaxy Tab" in page
    response, _ = server.request("GET", "/css/main.css")
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")


def serving_pids(server: ServerProcess, request_line: str) -> set[str]:
    return set(re.findall(rf"pid=<?(\d+)>? {request_line}", server.output))


def wait_until_both_workers_serve(server: ServerProcess) -> None:
    """The first answer may come before the second worker has booted; wait for it."""
    deadline = time.monotonic() + 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(serving_pids(server, "GET /api/products/1 200")) < 2:
            assert time.monotonic() < deadline, "the second worker never served a request"
            list(pool.map(lambda _: server.request("GET", "/api/products/1"), range(8)))


def test_concurrent_writes_are_all_kept_across_workers_and_restarts(make_server):
    server = make_server()
    wait_until_both_workers_serve(server)

    def create(n: int) -> dict:
        response, product = send(
            server, "POST", "/api/products", {"product_name": f"Load {n}", "brand": "Loadtest"}
        )
        assert response.status == 201, product
        return product

    with ThreadPoolExecutor(max_workers=CONCURRENT_POSTS) as pool:
        created = list(pool.map(create, range(CONCURRENT_POSTS)))

    ids = [product["id"] for product in created]
    assert len(set(ids)) == CONCURRENT_POSTS
    assert {product["product_name"] for product in created} == {
        f"Load {n}" for n in range(CONCURRENT_POSTS)
    }
    pids = serving_pids(server, "POST /api/products 201")
    assert len(pids) == 2, "the POSTs were not spread over both workers"

    def stored(server: ServerProcess) -> list[dict]:
        response, listing = send(server, "GET", "/api/products?brand=Loadtest&limit=1000")
        assert response.getheader("X-Total-Count") == str(CONCURRENT_POSTS)
        return listing["uncategorized"]

    assert stored(server) == sorted(created, key=lambda product: product["id"])

    assert server.stop() == 0
    restarted = make_server()
    assert stored(restarted) == sorted(created, key=lambda product: product["id"])
    response, _ = send(restarted, "GET", "/api/products")
    assert response.getheader("X-Total-Count") == str(4 + CONCURRENT_POSTS)
