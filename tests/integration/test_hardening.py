"""The inventory under a real gunicorn, on SQLite and PostgreSQL, meeting hostile input.

Each test is one of the defects an attack on a live inventory found: malformed
chunked bodies, a forged Host, a client-chosen id at the top of the range, a
retried POST, a number too long for Python, an unpaged dashboard, requests for
hosts the service is not.
"""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import free_port, inventory_server

TOP_ID = 2**31 - 1
TAB = {"product_name": "Tab", "brand": "Samsung"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"hardening-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'inventory.sqlite3'}"
    else:
        from sqlalchemy import text

        from inventory.database import connect

        database_url = request.getfixturevalue("postgres_url")
        engine = connect(database_url)
        with engine.begin() as connection:  # a database of its own: no other test's rows
            connection.execute(
                text("DROP TABLE IF EXISTS products, idempotency_keys, inventory_markers")
            )
        engine.dispose()
    env = {"DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    with inventory_server(folder, free_port(), env) as running:
        yield running


def post(server, document, headers=None, host="127.0.0.1"):
    response, body = server.request(
        "POST", "/api/products", body=json.dumps(document).encode(),
        headers={"Content-Type": "application/json", "Host": host, **(headers or {})},
    )  # fmt: skip
    return response, json.loads(body)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize(
    "chunks",
    [b"zz\r\n{}\r\n0\r\n\r\n", b"-5\r\n{}\r\n0\r\n\r\n", b"2\r\n{}0\r\n\r\n", b'10\r\n{"product'],
    ids=["bad-size", "negative-size", "missing-crlf", "cut-mid-chunk"],
)
def test_a_malformed_chunked_body_is_a_400(server, method, chunks):
    path = "/api/products" if method == "POST" else "/api/products/1"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + chunks)
        sock.shutdown(socket.SHUT_WR)  # the body is cut here: no more bytes come
        received = b""
        while data := sock.recv(65536):
            received += data
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {
        "message": "Request body could not be read: its chunked encoding is malformed "
        "or it was cut short"
    }
    assert "unreadable request body" in server.output
    assert "Traceback" not in server.output


def test_a_forged_host_never_reaches_the_location(server):
    response, product = post(server, TAB, host="localhost")
    assert response.status == 201
    assert response.getheader("Location") == f"/api/products/{product['id']}"


def test_a_host_the_service_is_not_gets_a_400(server):
    response, document = post(server, TAB, host="evil.example")
    assert response.status == 400
    assert document == {"message": "Requests for the host 'evil.example' are not served here"}


def test_the_top_id_taken_by_a_client_leaves_assignment_working(server):
    response, _ = post(server, {"id": TOP_ID, **TAB})
    assert response.status == 201
    response, product = post(server, TAB)
    assert response.status == 201
    assert product["id"] < TOP_ID
    for method, body in (("GET", None), ("PATCH", b'{"brand": "x"}'), ("DELETE", None)):
        answer, _ = server.request(method, f"/api/products/{product['id']}", body=body)
        assert answer.status in (200, 204)


def test_concurrent_retries_with_one_idempotency_key_create_one_product(server):
    key = {"Idempotency-Key": f"retry-{server.port}"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(server, TAB, key), range(16)))
    assert {response.status for response, _ in answers} == {201}
    assert len({product["id"] for _, product in answers}) == 1
    response, _ = post(server, {**TAB, "brand": "other"}, key)
    assert response.status == 422


def test_a_number_too_long_for_python_is_a_400_in_our_words(server):
    response, body = server.request(
        "POST",
        "/api/products",
        body=b'{"product_name": "a", "brand": "b", "id": ' + b"9" * 5000 + b"}",
    )
    assert response.status == 400
    assert json.loads(body) == {"message": "Request body holds a number longer than 4300 digits"}


def test_the_dashboard_is_paged(server):
    for number in range(120):
        post(server, {"product_name": f"bulk {number}", "brand": "b"})
    response, body = server.request("GET", "/dashboard")
    page = body.decode()
    assert response.status == 200
    assert page.count("<tr><td>") == 100
    assert '<a rel="next" href="/dashboard?page=2">Next</a>' in page
