"""A generator dependency under a real gunicorn (sync and gthread): its code after
``yield`` runs once per request, after a streamed body was sent whole, and when the
client dropped the connection half way (the worker finds out when a write fails, then
closes the body, which ends the request: roob/lifecycle.py), with no error thrown in.
"""

from __future__ import annotations

import socket
import struct
import sys
import time
from pathlib import Path

import pytest

from tests.servers import ServerProcess, free_port

APP = "tests.integration.dependencies_app:app"


@pytest.fixture(scope="module", params=["sync", "gthread"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"dependencies-{request.param}")
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--worker-class", request.param, "--threads", "2", "--timeout", "60",
        "--no-control-socket", APP,
    ]  # fmt: skip
    env = {"DEPENDENCIES_LOG": str(folder / "dependencies.log")}
    with ServerProcess(
        command, port=port, log=folder / "server.log", env=env, ready_path="/json?id=ready"
    ) as running:
        running.lines = folder / "dependencies.log"
        yield running


def lines(server, request_id: str, wait: float = 10.0) -> list[str]:
    """The lines of ``request_id`` once it has closed (or ``wait`` has passed), and a
    moment later, so that a second close would be seen too."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if any(line.startswith("closed ") for line in _lines(server.lines, request_id)):
            time.sleep(0.3)
            break
        time.sleep(0.05)
    return _lines(server.lines, request_id)


def _lines(log: Path, request_id: str) -> list[str]:
    text = log.read_text() if log.exists() else ""
    return [line.split(" ", 1)[1] for line in text.splitlines() if line.split(" ")[0] == request_id]


def test_a_body_sent_at_once_closes_the_dependency_once(server):
    response, body = server.request("GET", "/json?id=plain")
    assert (response.status, body) == (200, b'{"ok":true}')
    assert lines(server, "plain") == ["open", "closed None False"]


def test_a_streamed_body_closes_the_dependency_after_it_is_sent(server):
    response, body = server.request("GET", "/stream?id=whole")
    assert (response.status, len(body)) == (200, 200 * 65536)
    assert lines(server, "whole") == ["open", "closed None True"]


def test_a_client_that_leaves_mid_stream_closes_the_dependency_once(server):
    for n in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET /stream?id=dropped{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # the session stayed open while the body was produced, and closed once, early
        assert lines(server, f"dropped{n}") == ["open", "closed None False"]
    response, _ = server.request("GET", "/json?id=after")  # the worker serves on
    assert response.status == 200
