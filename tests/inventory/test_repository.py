"""Products written by many processes at once, on SQLite and on PostgreSQL.

Issue 18: two hosts behind nginx, two workers each, on one PostgreSQL answered
500 (``UniqueViolation`` on ``products_pkey``) when POSTs without an id computed
the same next id at the same moment. Here two gunicorn instances of two workers
(four processes, four threads each; tests/servers.py) share one database, and
clients on many threads mix POSTs without an id, POSTs that choose an id, POSTs
with an ``Idempotency-Key``, and PUTs and PATCHes of existing products. Every
write must be answered 2xx and stored exactly once, with the id its answer gave.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import literal

from inventory import repository
from inventory.validation import MAX_PRODUCT_ID
from tests.servers import ServerProcess, free_port, inventory_server

CLIENTS = 16
WRITES = 400
LOWEST_FREE_WRITES = 96
BRAND = "concurrent"
# Client-chosen ids count down from here: assigned ids jump past the first one to
# land, and no later choice can meet them, so no answer may be a 409.
CHOSEN_FROM = 2_000_000_000


@pytest.fixture
def hosts(engine, database_url, tmp_path):
    """Two gunicorn instances on the database (its schema made and seeded by ``engine``)."""
    with ExitStack() as stack:
        servers = []
        for number in range(2):
            folder = tmp_path / f"host{number}"
            folder.mkdir()
            server = inventory_server(folder, free_port(), {"DATABASE_URL": database_url})
            servers.append(stack.enter_context(server))
        yield servers


def send(server: ServerProcess, method: str, path: str, document: Any = None, **headers: str):
    body = None if document is None else json.dumps(document).encode()
    headers = {"Content-Type": "application/json", **headers}
    response, raw = server.request(method, path, body=body, headers=headers)
    return response.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)


def stored(server: ServerProcess) -> list[dict[str, Any]]:
    """Every product, in id order, as a client reads them."""
    _, listing = send(server, "GET", "/api/products?limit=1000")
    return sorted((p for group in listing.values() for p in group), key=lambda p: p["id"])


def write(hosts: list[ServerProcess], n: int) -> tuple[str, int, Any]:
    """The n-th write, through host n % 2: (what it was, status, answer)."""
    server = hosts[n % len(hosts)]
    product = {"product_name": f"write {n}", "brand": BRAND}
    kind = ("assigned", "chosen", "keyed", "assigned", "put", "assigned", "patch", "keyed")[n % 8]
    if kind == "chosen":
        return kind, *send(server, "POST", "/api/products", {"id": CHOSEN_FROM - n, **product})
    if kind == "keyed":
        return kind, *send(server, "POST", "/api/products", product, **{"Idempotency-Key": f"k{n}"})
    if kind == "put":  # a seed product, replaced with its own id repeated
        seed_id = 1 + n // 8 % 4
        document = {"id": seed_id, "product_name": f"seed {seed_id}", "brand": "seed"}
        return kind, *send(server, "PUT", f"/api/products/{seed_id}", document)
    if kind == "patch":
        return kind, *send(server, "PATCH", f"/api/products/{1 + n // 8 % 4}", {"category": "x"})
    return kind, *send(server, "POST", "/api/products", product)


def test_concurrent_writers_on_two_hosts_each_get_their_own_id(hosts):
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(lambda n: write(hosts, n), range(WRITES)))

    statuses = Counter((kind, status) for kind, status, _ in answers)
    expected = {"assigned": 201, "chosen": 201, "keyed": 201, "put": 200, "patch": 200}
    assert all(status == expected[kind] for kind, status in statuses), statuses
    created = [answer for kind, _, answer in answers if kind in ("assigned", "chosen", "keyed")]
    assert len({product["id"] for product in created}) == len(created)
    for n, (kind, _, answer) in enumerate(answers):
        if kind == "chosen":
            assert answer["id"] == CHOSEN_FROM - n

    # Read back through each host: every acknowledged product, once, as answered.
    for reader in hosts:
        everything = stored(reader)
        assert [p for p in everything if p["brand"] == BRAND] == sorted(
            created, key=lambda p: p["id"]
        )
        assert [p["id"] for p in everything if p["brand"] != BRAND] == [1, 2, 3, 4]


def test_once_a_client_takes_the_top_id_concurrent_writers_get_the_lowest_free_ones(hosts):
    for chosen in (MAX_PRODUCT_ID, 5, 6, 9):  # left free: 7, 8, and 10 on
        document = {"id": chosen, "product_name": f"chosen {chosen}", "brand": "b"}
        assert send(hosts[chosen % 2], "POST", "/api/products", document)[0] == 201

    def create(n: int) -> tuple[int, Any]:
        product = {"product_name": f"write {n}", "brand": BRAND}
        return send(hosts[n % 2], "POST", "/api/products", product)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(create, range(LOWEST_FREE_WRITES)))

    assert {status for status, _ in answers} == {201}
    ids = sorted(answer["id"] for _, answer in answers)
    assert ids == [7, 8, *range(10, 10 + LOWEST_FREE_WRITES - 2)]
    everything = [1, 2, 3, 4, 5, 6, 9, *ids, MAX_PRODUCT_ID]
    assert [p["id"] for p in stored(hosts[0])] == sorted(everything)


def test_an_assigned_id_that_stays_taken_is_a_503_after_bounded_attempts(client, caplog):
    """As if a writer that bypasses the insert lock (an older version of the service
    during a rolling update) took each assigned id first: the service tries again a
    bounded number of times, then asks the client to retry; never a 500."""
    with patch.object(repository, "_free_id", lambda: literal(1)), caplog.at_level(logging.WARNING):
        response = client.post("/api/products", json={"product_name": "a", "brand": "b"})
    assert response.status_code == 503
    assert response.json() == {"message": "The database is busy; try again shortly"}
    assert response.headers["Retry-After"] == "5"
    conflicts = [r for r in caplog.records if "assigned product id taken" in r.getMessage()]
    assert len(conflicts) == repository._ASSIGN_ATTEMPTS
    assert client.post("/api/products", json={"product_name": "a", "brand": "b"}).json()["id"] == 5
