"""The inventory under a second WSGI server, waitress, and bad input over real HTTP.

gunicorn is tested at length in test_inventory_gunicorn.py; here the seed's
walkthrough runs under waitress and gunicorn alike, and requests a client can only send over a socket (raw
non-UTF-8 bytes, bad percent-encoding, chunked bodies past the limit) go to
both servers: each gets its status and a JSON message, never a 500.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.integration.test_inventory_gunicorn import send
from tests.servers import ServerProcess, free_port

MIB = 1024 * 1024


def server_command(server: str, port: int) -> list[str]:
    if server == "waitress":
        return [
            sys.executable, "-m", "waitress",
            f"--listen=127.0.0.1:{port}", "--threads=4", "inventory.wsgi:app",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "inventory.wsgi:app",
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["waitress", "gunicorn"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    port = free_port()
    with ServerProcess(
        server_command(request.param, port),
        port=port,
        log=folder / "server.log",
        env={"DATABASE_URL": f"sqlite:///{folder}/inventory.sqlite3"},
        ready_path="/api/products/1",
    ) as running:
        yield running


def test_the_seed_walkthrough(server):
    response, listing = send(server, "GET", "/api/products")
    assert response.status == 200
    assert [p["id"] for p in listing["mobile"]] == [1, 2]
    assert response.getheader("X-Total-Count") == "4"

    galaxy = {"id": 5, "product_name": "Galaxy Tab", "brand": "Samsung"}
    response, created = send(server, "POST", "/api/products", galaxy)
    assert (response.status, created) == (201, {**galaxy, "category": "uncategorized"})
    assert response.getheader("Location") == "/api/products/5"

    response, changed = send(server, "PATCH", "/api/products/5", {"category": "tablet"})
    assert changed["category"] == "tablet"
    response, body = send(server, "DELETE", "/api/products/5")
    assert (response.status, body) == (204, None)
    response, body = send(server, "GET", "/api/products/5")
    assert (response.status, body) == (404, {"message": "No product found with product id 5"})

    response, page = server.request("GET", "/dashboard")
    assert response.status == 200
    assert b"S25 Ultra" in page
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    response, _css = server.request("GET", "/css/main.css")
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")
    status, _head, body = server.raw_request(b"HEAD /api/products/1 HTTP/1.0\r\n\r\n")
    assert (status, body) == (200, b"")


def get(path: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"


def chunked_post(body: bytes, chunk: int = 64 * 1024) -> bytes:
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk])
        for i in range(0, len(body), chunk)
    )
    return (
        b"POST /api/products HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )


def sized_post(body: bytes) -> bytes:
    return (
        b"POST /api/products HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


TOO_BIG = b'{"product_name": "' + b"x" * (MIB + 10) + b'", "brand": "b"}'
RAW_REQUESTS = [
    # (id, request bytes, status)
    ("non-utf8-path", get(b"/api/products/%FF%FE"), 400),
    ("nul-in-path", get(b"/api/products/a%00b"), 400),
    ("bad-percent-in-path", get(b"/api/products/%ZZ"), 404),
    ("non-utf8-query", get(b"/api/products?brand=%FF"), 400),
    ("nul-in-query", get(b"/api/products?brand=%00"), 200),
    ("bad-percent-in-query", get(b"/api/products?limit=%Z1"), 422),
    ("5000-digit-id", get(b"/api/products/" + b"7" * 5000), 404),
    ("traversal", get(b"/css/../../inventory/app.py"), 404),
    ("encoded-traversal", get(b"/css/%2e%2e/%2e%2e/inventory/app.py"), 404),
    ("encoded-slash", get(b"/css%2f..%2f..%2finventory%2fapp.py"), 404),
    ("post-to-a-static-file", sized_post(b"{}").replace(b"/api/products", b"/css/main.css"), 405),
    ("malformed-json", sized_post(b'{"product_name": }'), 400),
    ("deep-json", sized_post(b"[" * 100_000), 400),
    ("non-utf8-body", sized_post(b'{"product_name": "\xff", "brand": "b"}'), 400),
    ("too-big-with-length", sized_post(TOO_BIG), 413),
    ("too-big-chunked", chunked_post(TOO_BIG), 413),
    ("chunked", chunked_post(b'{"product_name": "Chunked", "brand": "c"}', chunk=5), 201),
]


@pytest.mark.parametrize(
    ("raw", "status"), [row[1:] for row in RAW_REQUESTS], ids=[row[0] for row in RAW_REQUESTS]
)
def test_bad_input_over_http(server, raw, status):
    got, head, body = server.raw_request(raw)
    assert got == status, (head, body[:300])
    if got >= 400:
        assert b"Content-Type: application/json" in head
        message = json.loads(body)["message"]
        assert "Traceback" not in message
        assert "Error:" not in message
    assert b"import " not in body


def test_a_raw_non_ascii_byte_in_the_request_line_is_the_servers_400(server):
    # Both servers refuse it themselves (RFC 9112) before the application sees it.
    status, _head, _body = server.raw_request(get(b"/api/products/\xe9"))
    assert status == 400
