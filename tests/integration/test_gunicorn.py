"""examples.hello:app served by a real gunicorn, spoken to over HTTP."""

from __future__ import annotations

import http.client
import json
import pathlib
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("gunicorn")

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    # gunicorn cannot bind port 0, so ask the OS for a free port first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, port: int, log: pathlib.Path) -> None:
        self.port = port
        self.log = log

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()


def wait_until_answering(process: subprocess.Popen, server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log.read_text()}")
        try:
            server.request("GET", "/")
        except OSError:
            time.sleep(0.05)
        else:
            return
    pytest.fail(f"gunicorn did not answer within {STARTUP_TIMEOUT}s:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
        "--graceful-timeout", "5",
        "examples.hello:app",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        running = Server(port, log)
        wait_until_answering(process, running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
