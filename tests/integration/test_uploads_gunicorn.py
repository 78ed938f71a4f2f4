"""Uploaded files end with the request: a real gunicorn worker keeps no temporary file open.

The outside review (shared/reviews/2026-12-outside.md, Part 3, defect 2): 20 uploads
of 3 MiB left 16 deleted-but-open temporary files (48 MiB) in the worker until the
garbage collector ran, because the multipart parser's parts sat in a reference cycle
and nothing closed them. Here the worker's collector is off, so that only Roob's
closing can free a file, and after each batch the test reads the worker's open files
in /proc/<pid>/fd: none may point into the folder where uploads are spooled, whether
the view answered, raised, streamed the upload back, or the client left mid-answer.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import pathlib
import socket
import sys
import time

import pytest

from tests.servers import ServerProcess, free_port

MiB = 2**20
UPLOADS = 20
SIZE = 3 * MiB

APP = f"""
import gc
import hashlib
import os

from roob import Response, Roob

gc.disable()  # only Roob's closing, never a collection, may free an upload's file

app = Roob(static_dir=None, max_body_size={8 * MiB})


@app.get("/pid")
def pid(request):
    return {{"pid": os.getpid()}}


@app.post("/upload")
def upload(request):
    upload = request.files["file"]
    return {{"size": upload.size, "sha256": hashlib.sha256(upload.read()).hexdigest()}}


@app.post("/upload/raises")
def raises(request):
    request.files["file"]
    raise RuntimeError("the view failed after reading the upload")


@app.post("/upload/stream")
def stream(request):
    upload = request.files["file"]

    def chunks():
        while block := upload.file.read(65536):
            yield block

    return Response(app_iter=chunks(), content_type="application/octet-stream")


@app.post("/upload/small", max_body_size={MiB})
def small(request):
    return {{"files": len(request.files)}}
"""


@pytest.fixture(scope="module")
def spool(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("spool")


@pytest.fixture(scope="module")
def server(tmp_path_factory, spool):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts a worker's open files in /proc (Linux)")
    folder = tmp_path_factory.mktemp("uploads-gunicorn")
    (folder / "uploads_app.py").write_text(APP)
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--worker-class", "gthread",
        "--timeout", "60", "--no-control-socket",
        "--worker-tmp-dir", str(folder),  # gunicorn's heartbeat file, kept out of the spool
        "--chdir", str(folder),
        "uploads_app:app",
    ]  # fmt: skip
    env = {"TMPDIR": str(spool)}  # where the worker spools the uploads
    with ServerProcess(command, port=port, log=folder / "gunicorn.log", env=env,
                       ready_path="/pid") as running:  # fmt: skip
        yield running


def worker_pid(server) -> int:
    _, body = server.request("GET", "/pid")
    return int(json.loads(body)["pid"])


def open_uploads(pid: int, spool: pathlib.Path) -> list[str]:
    """The worker's open files in the spool folder (deleted temporary files)."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith(str(spool)):
            found.append(target)
    return found


def no_upload_left_open(pid: int, spool: pathlib.Path, wait: float = 5.0) -> list[str]:
    """Wait for the worker's open uploads to be none (a streamed body is closed just
    after its last byte is sent); the ones still open past ``wait``."""
    deadline = time.monotonic() + wait
    while (left := open_uploads(pid, spool)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def multipart(content: bytes, boundary: str = "roob-uploads-test") -> tuple[bytes, dict[str, str]]:
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


CONTENT = os.urandom(SIZE)
BODY, HEADERS = multipart(CONTENT)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/upload", 200), ("/upload/raises", 500), ("/upload/stream", 200)],
    ids=["answered", "view-raised", "streamed-back"],
)
def test_twenty_uploads_of_3_mib_leave_no_temporary_file_open(server, spool, path, status):
    pid = worker_pid(server)
    for _ in range(UPLOADS):
        response, body = server.request("POST", path, body=BODY, headers=HEADERS, timeout=30)
        assert response.status == status
        if path == "/upload":
            assert json.loads(body) == {
                "size": SIZE, "sha256": hashlib.sha256(CONTENT).hexdigest(),
            }  # fmt: skip
        elif path == "/upload/stream":
            assert body == CONTENT
    assert no_upload_left_open(pid, spool) == []
    assert worker_pid(server) == pid  # the same worker all along: nothing restarted it
    assert list(spool.iterdir()) == []  # and no named file was left behind


def test_a_client_that_leaves_mid_answer_leaves_no_temporary_file_open(server, spool):
    pid = worker_pid(server)
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            head = (
                f"POST /upload/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: {HEADERS['Content-Type']}\r\nContent-Length: {len(BODY)}\r\n\r\n"
            ).encode()
            sock.sendall(head + BODY)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        # closed with a reset, the answer unread: the worker's next write fails
    assert no_upload_left_open(pid, spool) == []


def test_a_chunked_upload_over_the_limit_leaves_no_temporary_file_open(server, spool):
    pid = worker_pid(server)
    for _ in range(5):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            chunks = (BODY[i : i + MiB // 4] for i in range(0, len(BODY), MiB // 4))
            connection.request("POST", "/upload/small", body=chunks, headers=HEADERS,
                               encode_chunked=True)  # fmt: skip
            response = connection.getresponse()
            assert response.status == 413  # refused in the middle of the file
            response.read()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker answered and closed before the whole body was sent
        finally:
            connection.close()
    assert no_upload_left_open(pid, spool) == []
