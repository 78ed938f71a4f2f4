"""examples.hello:app served by a real gunicorn, spoken to over HTTP."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from tests.servers import ServerProcess, free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
        "--graceful-timeout", "5",
        "examples.hello:app",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with ServerProcess(command, port=port, log=log) as running:
        yield running


def test_index(server):
    response, body = server.request("GET", "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/plain; charset=UTF-8"
    assert body == b"Hello from Roob!\n"


@pytest.mark.parametrize(
    ("path", "name"),
    [("/hello/world", "world"), ("/hello/Ada", "Ada"), ("/hello/J%C3%BCrgen", "Jürgen")],
)
def test_hello_name(server, path, name):
    response, body = server.request("GET", path)
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"message": f"Hello, {name}!"}


def test_class_view(server):
    response, body = server.request("GET", "/items/5")
    assert json.loads(body) == {"id": 5}
    response, body = server.request("DELETE", "/items/5")
    assert response.status == 204
    assert body == b""


def test_not_found_is_json(server):
    response, body = server.request("GET", "/nope")
    assert response.status == 404
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"message": "Requested path: /nope does not exist"}


def test_method_not_allowed_lists_allowed_methods(server):
    response, body = server.request("POST", "/hello/x", body=b"{}")
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD, OPTIONS"
    assert json.loads(body) == {"message": "POST request is not allowed for /hello/x"}


def test_head_has_headers_and_no_body(server):
    response, body = server.request("HEAD", "/")
    assert response.status == 200
    assert response.getheader("Content-Length") == str(len(b"Hello from Roob!\n"))
    assert body == b""


def test_head_sends_no_body_on_the_wire(server):
    # http.client never reads a body after HEAD, so look at the raw bytes.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"HEAD /hello/x HTTP/1.0\r\nHost: localhost\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200"))
    assert b"Content-Length: 23" in head  # {"message":"Hello, x!"}
    assert rest == b""
