"""Chunked request bodies under uWSGI, a server that cannot say where they end.

uWSGI's HTTP router hands a chunked body to the application with
``HTTP_TRANSFER_ENCODING: chunked``, no ``CONTENT_LENGTH`` and no
``wsgi.input_terminated``, and its ``wsgi.input`` then reads nothing. The
outside review (shared/reviews/2026-12-outside.md, Part 2 §4) found such a body
read as empty: a 200 kB body passed a 100 kB limit with a 200 and the view saw
no data. Roob now answers 411 Length Required when the view reads such a body,
and reads a body sent with a Content-Length as before. gunicorn removes the
chunking itself and says where the body ends (``wsgi.input_terminated``): the
same requests keep their answers there, and so do they under uWSGI behind nginx
with the project's deploy/nginx.conf, which buffers the body and sends it on
with a Content-Length (docs/deployment.md recommends it).
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
from types import SimpleNamespace

import pytest

from tests.integration.test_web_features_gunicorn import read_response
from tests.nginx import Nginx, nginx_binary
from tests.servers import ServerProcess, free_port

APP = """
from roob import Roob

app = Roob(static_dir=None)


@app.post("/limited", max_body_size=100_000)
def limited(request):
    return {"size": len(request.body)}


@app.post("/json")
def echo(request):
    return {"json": request.json}


@app.post("/upload")
def upload(request):
    return {"files": {name: upload.size for name, upload in request.files.items()}}


@app.post("/ignores-body")
def ignores_body(request):
    return {"read": False}


@app.get("/hello")
def hello(request):
    return {"body": len(request.body)}
"""


def server_command(server: str, port: int, folder) -> list[str]:
    if server == "uwsgi":
        pytest.importorskip("pyuwsgi", reason="uWSGI's wheel (pyuwsgi) is in the test group")
        return [
            sys.executable, "-c", "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
            "--http", f"127.0.0.1:{port}",
            "--chdir", str(folder), "--module", "chunked_app:app",
            "--master", "--processes", "1", "--need-app",
            "--die-on-term",  # SIGTERM stops it (by default uWSGI reloads on SIGTERM)
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket",
        "--chdir", str(folder), "chunked_app:app",
    ]  # fmt: skip


@pytest.fixture(scope="module", params=["uwsgi", "gunicorn"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    (folder / "chunked_app.py").write_text(APP)
    port = free_port()
    command = server_command(request.param, port, folder)
    with ServerProcess(command, port=port, log=folder / "server.log",
                       ready_path="/hello") as running:  # fmt: skip
        running.name = request.param  # type: ignore[attr-defined]
        yield running


def post(server, path: str, body: bytes, content_type: str, *, chunked: bool):
    """POST ``body`` in 4 chunks (chunked) or with a Content-Length; status and JSON.

    A server may answer before the body is all sent (a 411 or 413 comes from the
    headers, a view may not read the body) and close: sending stops there, as a
    client reading its socket would, and the answer is read.
    """
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"{framing}\r\nConnection: close\r\n\r\n"
    ).encode()
    step = max(1, len(body) // 4)
    pieces = [body[i : i + step] for i in range(0, len(body), step)]
    if chunked:
        pieces = [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces] + [b"0\r\n\r\n"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        try:
            sock.sendall(head)
            for piece in pieces:
                if select.select([sock], [], [], 0)[0]:  # answered already: stop sending
                    break
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):  # answered and closed meanwhile
            pass
        status, _headers, answer = read_response(sock)
    return status, json.loads(answer)


LENGTH_REQUIRED = {
    "message": "Request body is chunked and this server cannot tell where it ends: "
    "send it with a Content-Length"
}
BIG = b"x" * 200_000
MULTIPART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="doc"; filename="a.txt"\r\n\r\n'
    + b"y" * 5000
    + b"\r\n--XyZ--\r\n"
)


def test_a_chunked_200_kb_body_never_passes_a_100_kb_limit(server):
    status, body = post(server, "/limited", BIG, "application/octet-stream", chunked=True)
    if server.name == "uwsgi":
        assert (status, body) == (411, LENGTH_REQUIRED)  # was 200 {"size": 0}
    else:
        assert status == 413


def test_a_small_chunked_json_body_is_a_411_where_the_server_cannot_end_it(server):
    status, body = post(server, "/json", b'{"chunked": true}', "application/json", chunked=True)
    if server.name == "uwsgi":
        assert (status, body) == (411, LENGTH_REQUIRED)  # was a 400: "Request body is empty"
    else:
        assert (status, body) == (200, {"json": {"chunked": True}})


def test_a_chunked_upload_is_a_411_where_the_server_cannot_end_it(server):
    content_type = "multipart/form-data; boundary=XyZ"
    status, body = post(server, "/upload", MULTIPART, content_type, chunked=True)
    if server.name == "uwsgi":
        assert (status, body) == (411, LENGTH_REQUIRED)  # was 200 {"files": {}}
    else:
        assert (status, body) == (200, {"files": {"doc": 5000}})


def test_the_same_bodies_with_a_content_length_are_read_on_every_server(server):
    assert post(server, "/limited", BIG, "application/octet-stream", chunked=False)[0] == 413
    assert post(server, "/limited", BIG[:100_000], "text/plain", chunked=False) == (
        200, {"size": 100_000},
    )  # fmt: skip
    assert post(server, "/json", b'{"a": 1}', "application/json", chunked=False) == (
        200, {"json": {"a": 1}},
    )  # fmt: skip
    content_type = "multipart/form-data; boundary=XyZ"
    assert post(server, "/upload", MULTIPART, content_type, chunked=False) == (
        200, {"files": {"doc": 5000}},
    )  # fmt: skip


def test_requests_that_read_no_body_are_answered_as_before(server):
    status, body = post(server, "/ignores-body", BIG, "text/plain", chunked=True)
    assert (status, body) == (200, {"read": False})
    response, raw = server.request("GET", "/hello")
    assert (response.status, json.loads(raw)) == (200, {"body": 0})


@pytest.fixture(scope="module")
def uwsgi_behind_nginx(tmp_path_factory):
    if nginx_binary() is None:
        reason = "nginx is needed: apt-get install nginx"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("uwsgi-nginx")
    (folder / "chunked_app.py").write_text(APP)
    upstream, front = free_port(), free_port()
    with (
        # --http-keepalive: deploy/nginx.conf keeps its connections to the upstream open,
        # and uWSGI's router would otherwise close them after each answer.
        ServerProcess([*server_command("uwsgi", upstream, folder), "--http-keepalive"],
                      port=upstream, log=folder / "server.log", ready_path="/hello"),
        Nginx(listen=f"127.0.0.1:{front}", upstreams=[f"127.0.0.1:{upstream}"],
              folder=folder / "nginx"),
    ):  # fmt: skip
        yield SimpleNamespace(port=front)


def test_behind_nginx_uwsgi_reads_chunked_bodies(uwsgi_behind_nginx):
    front = uwsgi_behind_nginx
    assert post(front, "/json", b'{"chunked": true}', "application/json", chunked=True) == (
        200, {"json": {"chunked": True}},
    )  # fmt: skip
    # Bodies under nginx's in-memory buffer (8 KiB): a larger one goes to a temporary
    # file in tests/nginx.py's folder, which nginx's worker user cannot write there.
    assert post(front, "/limited", BIG[:6000], "application/octet-stream", chunked=True) == (
        200, {"size": 6000},
    )  # fmt: skip
    content_type = "multipart/form-data; boundary=XyZ"
    assert post(front, "/upload", MULTIPART, content_type, chunked=True) == (
        200, {"files": {"doc": 5000}},
    )  # fmt: skip
