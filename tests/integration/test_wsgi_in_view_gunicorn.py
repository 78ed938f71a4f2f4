"""A WSGI application returned by a view, behind an after hook, under a real gunicorn.

The hook gets a Response with the application's status and headers, and the
application's body still streams: its first chunk reaches the client before
the rest is produced, and the server's close() reaches the application.
"""

from __future__ import annotations

import pathlib
import socket
import sys
import time

import pytest

from tests.servers import ServerProcess, free_port

HERE = pathlib.Path(__file__).resolve().parent
# Imported from its folder, not as tests.integration...: a dependency that ships a
# top-level "tests" package (sniffpy does) would shadow the repository's.
APP = "wsgi_in_view_app:app"


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return tmp_path_factory.mktemp("gate")


@pytest.fixture(scope="module")
def server(gate, tmp_path_factory):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--no-control-socket", "--pythonpath", str(HERE), APP]  # fmt: skip
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with ServerProcess(command, port=port, log=log, env={"ROOB_TEST_GATE": str(gate)}) as running:
        yield running


def _read_until(sock: socket.socket, received: bytes, marker: bytes) -> bytes:
    while marker not in received:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_the_hook_sees_the_status_and_the_body_still_streams(server, gate):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        received = _read_until(sock, b"", b"first")
        # The application is still waiting for the gate: the first chunk was not buffered.
        assert b"first" in received
        assert b"last" not in received
        assert not (gate / "closed").exists()
        (gate / "go").write_text("go")
        received = _read_until(sock, received, b"0\r\n\r\n")  # the chunked body's end
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 201 Created"
    headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in lines[1:]}
    assert headers["x-seen-status"] == "201"
    assert headers["content-type"] == "text/plain"
    assert b"first\n" in body
    assert b"last\n" in body
    deadline = time.monotonic() + 5
    while not (gate / "closed").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (gate / "closed").read_text() == "yes"  # the server's close() reached it
