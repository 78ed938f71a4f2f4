"""A body that fails, on real servers: gunicorn (sync and gthread), waitress and wsgiref.

Before any byte of body is out, the client gets a clean JSON 500 with its own
headers only (none of the failed response's: no second Content-Type, no
Set-Cookie). After bytes are out, the connection is aborted, so the client
cannot take the cut body for a complete one (http.client: IncompleteRead).
"""

from __future__ import annotations

import http.client
import json
import sys

import pytest

from tests.servers import ServerProcess, free_port

APP = "tests.integration.streaming_app:app"
WSGIREF = (
    "import sys; from wsgiref.simple_server import make_server; "
    "from tests.integration.streaming_app import app; "
    "make_server('127.0.0.1', int(sys.argv[1]), app).serve_forever()"
)


def _command(server: str, port: int) -> list[str]:
    if server == "wsgiref":
        return [sys.executable, "-c", WSGIREF, str(port)]
    if server == "waitress":
        return [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", APP]
    worker = server.removeprefix("gunicorn-")
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--worker-class", worker, "--no-control-socket", APP]  # fmt: skip


@pytest.fixture(scope="module", params=["gunicorn-sync", "gunicorn-gthread", "waitress", "wsgiref"])
def server(request, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp(request.param) / "server.log"
    with ServerProcess(_command(request.param, port), port=port, log=log) as running:
        running.name = request.param
        yield running


def _raw_get(server, path: str) -> tuple[bytes, bytes]:
    _, head, body = server.raw_request(
        f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
    )
    return head, body


@pytest.mark.parametrize("source", ["roob", "raw"])
@pytest.mark.parametrize("kind", ["before-body", "empty-first"])
def test_a_body_failing_before_its_first_byte_is_a_clean_500(server, source, kind):
    head, body = _raw_get(server, f"/{source}/{kind}")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].endswith("500 Internal Server Error")
    headers = [line.split(":", 1)[0].lower() for line in lines[1:]]
    assert headers.count("content-type") == 1
    assert "content-type: application/json" in (line.lower() for line in lines)
    assert "set-cookie" not in headers
    assert json.loads(body) == {"message": "Internal Server Error"}


@pytest.mark.parametrize("source", ["roob", "raw"])
@pytest.mark.parametrize("kind", ["after-data", "after-data-sized"])
def test_a_body_failing_after_its_first_bytes_cannot_pass_for_complete(server, source, kind):
    if server.name == "wsgiref" and kind == "after-data":
        # HTTP/1.0 without a length: the end of the connection is the end of the body,
        # so no server could tell this client; the server's log has it.
        _, body = _raw_get(server, f"/{source}/{kind}")
        assert body == b"partial"
        assert "the body broke" in server.output
        return
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", f"/{source}/{kind}")
        response = connection.getresponse()
        assert response.status == 200  # the status line was out before the body broke
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert cut.value.partial == b"partial"
    finally:
        connection.close()
    assert "the body broke" in server.output  # and it was logged
