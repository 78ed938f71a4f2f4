"""The end of a request under a real gunicorn (sync and gthread): teardown_request runs
exactly once per request, for a body sent at once, a streamed body read whole, one that
broke, and one the client dropped half way (the worker finds out when a write fails,
then closes the body); and a streamed body's links keep gunicorn's SCRIPT_NAME.

What roob/lifecycle.py promises only a real server can show: that the server's
``close()`` of the body is the request's end, and that it comes whatever the client
did. The SQLAlchemy recipe's pool-of-two proof (test_recipe_sqlalchemy_gunicorn.py)
is the same promise with a database.
"""

from __future__ import annotations

import http.client
import socket
import struct
import sys
import time
from pathlib import Path

import pytest

from tests.servers import ServerProcess, free_port

APP = "tests.integration.lifecycle_app:app"


@pytest.fixture(scope="module", params=["sync", "gthread"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"lifecycle-{request.param}")
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--worker-class", request.param, "--threads", "2", "--timeout", "60",
        "--no-control-socket", APP,
    ]  # fmt: skip
    env = {"LIFECYCLE_LOG": str(folder / "teardown.log"), "SCRIPT_NAME": "/sub"}
    with ServerProcess(
        command, port=port, log=folder / "server.log", env=env, ready_path="/sub/json?id=ready"
    ) as running:
        running.teardowns = folder / "teardown.log"
        yield running


def teardowns(server, request_id: str, wait: float = 10.0) -> list[str]:
    """The teardown lines of ``request_id``, once there is one (or ``wait`` has passed),
    and a moment later, so that a second call would be seen too."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        lines = _lines(server.teardowns, request_id)
        if lines:
            time.sleep(0.3)
            return _lines(server.teardowns, request_id)
        time.sleep(0.05)
    return []


def _lines(log: Path, request_id: str) -> list[str]:
    text = log.read_text() if log.exists() else ""
    return [line.split(" ", 1)[1] for line in text.splitlines() if line.split(" ")[0] == request_id]


def test_a_body_sent_at_once_ends_once(server):
    response, body = server.request("GET", "/sub/json?id=plain")
    assert (response.status, body) == (200, b'{"ok":true}')
    response, _ = server.request("GET", "/sub/fails?id=fails")
    assert response.status == 500
    assert teardowns(server, "plain") == ["None True"]
    assert teardowns(server, "fails") == ["RuntimeError True"]


def test_a_streamed_body_read_whole_ends_once(server):
    response, body = server.request("GET", "/sub/stream?id=whole")
    assert (response.status, len(body)) == (200, 200 * 65536)
    assert teardowns(server, "whole") == ["None True"]


def test_a_streamed_body_that_breaks_ends_once_with_its_error(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/sub/breaks?id=broken")
        response = connection.getresponse()
        assert response.status == 200  # the status line was out before the body broke
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        connection.close()
    assert teardowns(server, "broken") == ["RuntimeError True"]


def test_a_streamed_body_the_client_drops_half_way_ends_once(server):
    for n in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET /sub/stream?id=dropped{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # closed with a reset, the rest of the answer unread: not an error of the app's
        assert teardowns(server, f"dropped{n}") == ["None True"]
    response, _ = server.request("GET", "/sub/json?id=after")  # the worker serves on
    assert response.status == 200


def test_links_made_in_a_streamed_body_keep_the_script_name(server):
    response, body = server.request("GET", "/sub/links?id=links")
    assert (response.status, body) == (200, b"/sub/note/1\n/sub/note/2\n/sub/note/3\n")
    assert teardowns(server, "links") == ["None True"]
