"""Attacks on uploads and request framing under four real servers.

A second engineer's attack on issue 18's classes 4 and 9 (the in-process half is
tests/test_attack_bodies.py). Each server runs one worker whose collector is off
(``gc.disable()`` in the application module), so only Roob's closing can free an
upload's temporary file, and spools into a folder of its own (``TMPDIR``):

* uploads: after every way a request with files can end (interleaved files and
  fields read three ways, a malformed part after a file, a body the client cut
  mid-file, a 413 or 411 mid-file, a view, an after hook or an exception handler
  that raises, a CSRF refusal, an answer the server refuses to start, a session
  JSON cannot store, a streamed answer the client leaves mid-way, many uploads on
  one kept-alive connection), the worker's /proc/<pid>/fd holds nothing in that
  folder, and the folder is empty; a view that reads no body spools nothing;
* framing: the request-smuggling shapes of Transfer-Encoding and Content-Length
  (RFC 9112, 6.1 and 6.3; the PortSwigger "HTTP request smuggling" variants:
  both headers, ``gzip, chunked``, case, blanks) and Content-Length values that
  are not numbers: whatever a server passes on, the view never gets the chunk
  framing or an empty body for data, and nothing is a 500. uWSGI's HTTP router
  passes them all on; gunicorn and waitress decide most themselves.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import pathlib
import select
import socket
import struct
import sys
import time
from collections.abc import Iterator

import pytest

from tests.integration.test_web_features_gunicorn import read_response
from tests.servers import ServerProcess, free_port

KiB, MiB = 1024, 2**20

APP = f"""
import gc
import os

from typing import Annotated

from roob import File, Form, Response, Roob, UploadedFile

gc.disable()  # only Roob's closing, never a collection, may free an upload's file

app = Roob(static_dir=None, secret_key="a long random secret key, for tests only",
           max_body_size={8 * MiB})


def spooled():
    found = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            found += os.readlink(f"/proc/self/fd/{{fd}}").startswith(os.environ["SPOOL"])
        except OSError:
            pass
    return found


@app.get("/pid")
def pid(request):
    return {{"pid": os.getpid()}}


@app.post("/upload")
def upload(request):
    return {{
        "fields": request.form.getall("f"),
        "files": [[name, item.size] for name, item in request.files.items()],
    }}


@app.post("/typed")
def typed(request, doc: Annotated[UploadedFile, File()], title: Annotated[str, Form()]):
    posted = request.POST
    return {{"doc": doc.size, "title": title, "same": posted["doc"] is doc}}


@app.post("/small", max_body_size={256 * KiB})
def small(request):
    return {{"files": len(request.files)}}


@app.post("/raises")
def raises(request):
    request.files
    raise RuntimeError("the view failed after reading the files")


@app.post("/hook-raises")
def hook_raises(request):
    return {{"files": len(request.files)}}


@app.after_request
def failing_hook(request, response):
    if request.path == "/hook-raises":
        raise RuntimeError("the after hook failed")
    return response


class Refused(Exception):
    pass


@app.exception_handler(Refused)
def failing_handler(request, exc):
    request.files
    raise RuntimeError("the exception handler failed")


@app.post("/handler-raises")
def handler_raises(request):
    request.files
    raise Refused()


@app.post("/csrf", csrf=True)
def protected(request):
    return {{"files": len(request.files)}}


@app.post("/ignores")
def ignores(request):
    return {{"spooled": spooled()}}


@app.post("/bad-header")
def bad_header(request):
    upload = request.files["doc"]
    response = Response(text="ok")
    # WebOb's header API, which Roob does not check: the client's filename, not latin-1.
    response.headers["Content-Disposition"] = f'inline; filename="{{upload.filename}}"'
    return response


@app.post("/session")
def session(request):
    request.files
    request.session["uploaded"] = {{"a", "set"}}  # JSON cannot store it: a 500
    return Response(text="ok")


@app.post("/stream")
def stream(request):
    def chunks():
        upload = request.files["doc"]  # parsed while the answer is sent
        while block := upload.file.read(16384):
            yield block

    return Response(app_iter=chunks(), content_type="application/octet-stream")


@app.route("/framing", methods=["GET", "POST"])
def framing(request):
    return {{"body": request.body.decode("latin-1")}}


@app.route("/form", methods=["POST"])
def form(request):
    return {{"form": request.form.dict_of_lists(),
            "files": {{k: v.read().decode("latin-1") for k, v in request.files.items()}}}}


@app.route("/no-read", methods=["GET", "POST"])
def no_read(request):
    return {{"read": False}}
"""


def server_command(name: str, port: int, folder: pathlib.Path) -> list[str]:
    if name == "uwsgi":
        pytest.importorskip("pyuwsgi", reason="uWSGI's wheel (pyuwsgi) is in the test group")
        return [
            sys.executable, "-c", "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
            "--http", f"127.0.0.1:{port}", "--http-keepalive",
            "--chdir", str(folder), "--module", "attack_app:app",
            "--master", "--processes", "1", "--need-app", "--die-on-term",
        ]  # fmt: skip
    if name == "waitress":
        return [
            sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=4",
            "attack_app:app",
        ]  # fmt: skip
    worker = ["--threads", "4", "--worker-class", "gthread"] if name == "gthread" else []
    return [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        *worker, "--timeout", "60", "--no-control-socket",
        "--worker-tmp-dir", str(folder),  # the heartbeat file, kept out of the spool
        "attack_app:app",
    ]  # fmt: skip


SERVERS = ["sync", "gthread", "waitress", "uwsgi"]


@pytest.fixture(scope="module", params=SERVERS)
def server(request, tmp_path_factory) -> Iterator[ServerProcess]:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts a worker's open files in /proc (Linux)")
    folder = tmp_path_factory.mktemp(request.param)
    spool = folder / "spool"
    spool.mkdir()
    (folder / "attack_app.py").write_text(APP)
    port = free_port()
    env = {"TMPDIR": str(spool), "SPOOL": str(spool)}
    with ServerProcess(server_command(request.param, port, folder), port=port,
                       log=folder / "server.log", env=env, ready_path="/pid",
                       cwd=folder) as running:  # fmt: skip
        running.name = request.param  # type: ignore[attr-defined]
        running.spool = spool  # type: ignore[attr-defined]
        yield running


def worker_pid(server: ServerProcess) -> int:
    _, body = server.request("GET", "/pid")
    return int(json.loads(body)["pid"])


def spooled_open(pid: int, spool: pathlib.Path) -> list[str]:
    """The worker's open files in the spool folder."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith(str(spool)):
                found.append(target)
    return found


def left_open(server: ServerProcess, wait: float = 5.0) -> list[str]:
    """The spooled files still open in the worker after ``wait`` (a streamed body is
    closed just after its last byte is sent, a cut one when the server notices)."""
    pid, spool = worker_pid(server), server.spool  # type: ignore[attr-defined]
    deadline = time.monotonic() + wait
    while (left := spooled_open(pid, spool)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left + [str(path) for path in spool.iterdir()]  # named files left behind too


BOUNDARY = "attack-servers"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def part(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    )


END = f"--{BOUNDARY}--\r\n".encode()
FILE = os.urandom(100 * KiB)  # over the 64 KiB kept in memory: spooled to a file
INTERLEAVED = b"".join(
    part("f", str(i).encode()) + part(f"file{i}", FILE, f"{i}.bin") for i in range(20)
) + END  # fmt: skip


def post(server: ServerProcess, path: str, body: bytes, headers=MULTIPART, **extra):
    response, answer = server.request("POST", path, body=body, headers={**headers, **extra},
                                      timeout=30)  # fmt: skip
    return response.status, answer


# --- uploads: nothing left open, whatever happened -------------------------------------


def test_interleaved_files_and_fields_read_three_ways_leave_nothing_open(server):
    status, answer = post(server, "/upload", INTERLEAVED)
    assert status == 200
    assert json.loads(answer) == {
        "fields": [str(i) for i in range(20)],
        "files": [[f"file{i}", len(FILE)] for i in range(20)],
    }
    typed = part("title", b"Report") + part("doc", FILE, "doc.bin") + END
    status, answer = post(server, "/typed", typed)
    assert (status, json.loads(answer)) == (200, {"doc": len(FILE), "title": "Report",
                                                  "same": True})  # fmt: skip
    assert left_open(server) == []


@pytest.mark.parametrize(
    ("path", "body", "statuses"),
    [
        ("/upload", part("a", FILE, "a.bin") + b"--" + BOUNDARY.encode() + b"\r\nno colon\r\n\r\n",
         {400}),
        ("/upload", part("a", FILE, "a.bin") + part("b", FILE, "b.bin")[:-30], {400}),
        ("/raises", INTERLEAVED, {500}),
        ("/hook-raises", INTERLEAVED, {500}),
        ("/handler-raises", INTERLEAVED, {500}),
        ("/csrf", INTERLEAVED, {403}),
    ],
    ids=["malformed-part-after-a-file", "cut-in-second-file", "view-raises", "after-hook-raises",
         "handler-raises", "csrf-refused"],
)  # fmt: skip
def test_every_failure_after_the_files_were_read_leaves_nothing_open(server, path, body, statuses):
    for _ in range(3):
        status, answer = post(server, path, body)
        assert status in statuses, answer
        assert b"Traceback" not in answer
    assert left_open(server) == []


# The view answered, then starting the answer raised: the session layer refusing a value
# JSON cannot store, or the server refusing a header value that is not latin-1 (the
# client's filename, set with WebOb's header API, which Roob does not check).
CANNOT_START = {
    "session-json-refuses": ("/session", INTERLEAVED),
    "header-not-latin-1": ("/bad-header", part("doc", FILE, "\u20ac.bin") + END),
}


def post_and_close(server: ServerProcess, path: str, body: bytes) -> tuple[int, bytes]:
    return raw(server, (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: {MULTIPART['Content-Type']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body)  # fmt: skip


@pytest.mark.parametrize("case", list(CANNOT_START))
def test_an_answer_that_cannot_be_started_leaves_nothing_open(server, case):
    for _ in range(3):
        post_and_close(server, *CANNOT_START[case])
    assert left_open(server) == []


@pytest.mark.parametrize("case", list(CANNOT_START))
def test_an_answer_that_cannot_be_started_is_a_whole_500(server, case):
    # Roob starts the answer again with exc_info (PEP 3333) and sends its own 500: on
    # every server alike (left to them, uWSGI sent a 200 without a body, or nothing).
    status, answer = post_and_close(server, *CANNOT_START[case])
    if server.name == "waitress" and case == "header-not-latin-1":  # type: ignore[attr-defined]
        # waitress checks header values as it writes them, after Roob returned: its own 500
        assert (status, answer[:21]) == (500, b"Internal Server Error")
    else:
        assert (status, json.loads(answer)) == (500, {"message": "Internal Server Error"})


def test_a_view_that_never_reads_the_body_spools_nothing(server):
    status, answer = post(server, "/ignores", INTERLEAVED[: 300 * KiB])  # waitress keeps
    assert (status, json.loads(answer)) == (200, {"spooled": 0})  # < 512 KiB in memory
    assert left_open(server) == []


def test_a_413_or_411_in_the_middle_of_a_chunked_upload_leaves_nothing_open(server):
    body = b"".join(part(f"f{i}", FILE, f"{i}.bin") for i in range(6)) + END  # 600 KiB
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            pieces = (body[i : i + 32 * KiB] for i in range(0, len(body), 32 * KiB))
            connection.request("POST", "/small", body=pieces, headers=MULTIPART,
                               encode_chunked=True)  # fmt: skip
            response = connection.getresponse()
            expected = 411 if server.name == "uwsgi" else 413  # type: ignore[attr-defined]
            assert response.status == expected
            response.read()
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the whole body was sent
        finally:
            connection.close()
    assert left_open(server) == []


def test_a_client_that_cuts_its_body_mid_file_and_leaves_leaves_nothing_open(server):
    body = part("a", FILE, "a.bin") + part("b", FILE * 4, "b.bin") + END
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            head = (
                f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: {MULTIPART['Content-Type']}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(head + body[: len(body) // 2])  # into the second file, then gone
            time.sleep(0.2)
    assert left_open(server) == []


def test_a_client_that_leaves_a_streamed_answer_mid_way_leaves_nothing_open(server):
    content = os.urandom(3 * MiB)  # more than the socket buffers hold: the worker's
    body = part("doc", content, "doc.bin") + END  # writes fail once the client is gone
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            head = (
                f"POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: {MULTIPART['Content-Type']}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(head + body)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # closed with a reset, the answer unread
    assert left_open(server, wait=10) == []


def test_many_uploads_on_one_kept_alive_connection_leave_nothing_open(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    body = part("doc", FILE, "doc.bin") + part("f", b"x") + END
    try:
        for _ in range(25):
            connection.request("POST", "/upload", body=body, headers=MULTIPART)
            response = connection.getresponse()
            assert (response.status, json.loads(response.read())) == (
                200, {"fields": ["x"], "files": [["doc", len(FILE)]]},
            )  # fmt: skip
    finally:
        connection.close()
    assert left_open(server) == []


# --- framing: what the view reads is the body the client sent, or a 4xx -----------------

CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"
# Transfer-Encoding and Content-Length shapes (RFC 9112 6.1, 6.3; PortSwigger's CL.TE,
# TE.CL and TE.TE obfuscations; Werkzeug's and h11's tests of both headers).
SMUGGLING = {
    "te-then-cl-0": b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
    "te-then-cl-5": b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    "cl-then-te": b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    "cl-whole-framing": b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(CHUNKED),
    "gzip-chunked": b"Transfer-Encoding: gzip, chunked\r\n",
    "gzip-chunked-cl": b"Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n",
    "Chunked": b"Transfer-Encoding: Chunked\r\n",
    "CHUNKED-cl": b"Transfer-Encoding: CHUNKED\r\nContent-Length: 5\r\n",
    "blanks": b"Transfer-Encoding:  chunked \r\n",
    "tab": b"Transfer-Encoding:\tchunked\r\nContent-Length: 5\r\n",
    "chunked-identity": b"Transfer-Encoding: chunked, identity\r\n",
    "identity-cl": b"Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
    "xchunked": b"Transfer-Encoding: xchunked\r\n",
    "twice": b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    "plain": b"Transfer-Encoding: chunked\r\n",
}


def raw(server: ServerProcess, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as it is; the status and body of the answer (0: none)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        if not select.select([sock], [], [], 10)[0]:
            return 0, b""
        try:
            status, _headers, body = read_response(sock)
        except (ConnectionResetError, IndexError, ValueError):
            return 0, b""
    return status, body


# With a gzip transfer coding the chunks carry gzip: gunicorn accepts "gzip, chunked",
# removes the chunking and hands the body on still gzipped.
GZIPPED = gzip.compress(b"hello", mtime=0)
CHUNKED_GZIP = b"%x\r\n%s\r\n0\r\n\r\n" % (len(GZIPPED), GZIPPED)


@pytest.mark.parametrize("path", ["/framing", "/form"])
@pytest.mark.parametrize("shape", list(SMUGGLING))
def test_a_body_framed_two_ways_is_read_as_sent_or_refused(server, shape, path):
    content_type = "text/plain" if path == "/framing" else "application/x-www-form-urlencoded"
    body = CHUNKED_GZIP if shape.startswith("gzip") else CHUNKED
    status, answer = raw(server, (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {content_type}\r\n"
    ).encode() + SMUGGLING[shape] + b"\r\n" + body)  # fmt: skip
    assert status != 500, answer
    if status == 200:  # then the view read what the client sent, decoded
        expected = {"body": "hello"} if path == "/framing" else {"form": {"hello": [""]},
                                                                 "files": {}}  # fmt: skip
        assert json.loads(answer) == expected
    else:
        assert 400 <= status < 600


@pytest.mark.parametrize(
    "length", [b"\xb2", b"\xb9\xb3", b"+3", b"-1", b"0x3", b"3, 3", b"1_0", b"3.0", b"three"]
)
def test_a_content_length_that_is_not_a_number_is_refused(server, length):
    # gunicorn and waitress refuse them; uWSGI passes them on, and '²' was a 500 there,
    # '-1', '0x3' and '3, 3' an empty body read as the client's data.
    status, answer = raw(server, b"POST /framing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 b"Content-Type: text/plain\r\nContent-Length: " + length
                                 + b"\r\n\r\nabc")  # fmt: skip
    assert status == 400, (status, answer)


@pytest.mark.parametrize("length", [b"3", b" 3", b"3 ", b"03"])
def test_a_valid_content_length_is_read_on_every_server(server, length):
    status, answer = raw(server, b"POST /framing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 b"Content-Type: text/plain\r\nContent-Length: " + length
                                 + b"\r\n\r\nabc")  # fmt: skip
    assert (status, json.loads(answer)) == (200, {"body": "abc"})


@pytest.mark.parametrize(("path", "read"), [("/framing", True), ("/no-read", False)])
@pytest.mark.parametrize("chunks", [b"0\r\n\r\n", b"3\r\nabc\r\n0\r\n\r\n"])
def test_a_get_with_a_chunked_body(server, path, read, chunks):
    status, answer = raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n".encode() + chunks)  # fmt: skip
    if not read:
        assert (status, json.loads(answer)) == (200, {"read": False})
    elif server.name == "uwsgi":  # type: ignore[attr-defined]
        assert status == 411  # it cannot tell where the body ends
    else:
        assert (status, json.loads(answer)) == (200, {"body": "abc" if b"abc" in chunks else ""})
