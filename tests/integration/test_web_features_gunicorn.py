"""Forms, uploads, sessions, CSRF and event streams through a real gunicorn, over real sockets.

What only a server shows: a 200 MB upload streamed through the worker without
the worker growing by 200 MB, a 413 answered before the body is sent, chunked
uploads, cookies going back and forth, events arriving one by one.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import pathlib
import re
import select
import socket
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.servers import ServerProcess, free_port

MiB = 2**20
UPLOAD_LIMIT = 300 * MiB
SMALL_LIMIT = 1 * MiB
EVENT_PAUSE = 1.0  # seconds the view sleeps between two events
EVENTS = 3

APP = f"""
import hashlib
import os
import time

from roob import Event, EventStream, Response, Roob, csrf_token

app = Roob(secret_key="feature-tests-secret-key-0123456789", static_dir=None)


def digest_files(request):
    files = {{}}
    for name, upload in request.files.items():
        digest, size = hashlib.sha256(), 0
        while block := upload.file.read(1 << 20):
            digest.update(block)
            size += len(block)
        files[name] = {{"filename": upload.filename, "size": size, "reported": upload.size,
                       "sha256": digest.hexdigest()}}
    return {{"fields": dict(request.form), "files": files}}


@app.post("/upload", max_body_size={UPLOAD_LIMIT})
def upload(request):
    return digest_files(request)


@app.post("/upload/small", max_body_size={SMALL_LIMIT})
def small_upload(request):
    return digest_files(request)


@app.get("/pid")
def pid(request):
    return {{"pid": os.getpid()}}


@app.get("/session/set")
def set_session(request):
    request.session["user"] = request.GET["user"]
    return {{"stored": request.session["user"]}}


@app.get("/session")
def show_session(request):
    return dict(request.session)


@app.get("/events")
def events(request):
    def numbers():
        for n in range({EVENTS}):
            if n:
                time.sleep({EVENT_PAUSE})
            yield Event({{"n": n, "at": time.time()}}, event="tick", id=str(n))

    return EventStream(numbers())


@app.get("/events/endless")
def endless_events(request):
    def ticks():
        try:
            n = 0
            while True:
                yield Event(str(n))
                n += 1
                time.sleep(0.2)
        finally:  # runs when the client has gone
            with open(request.GET["closed"], "w") as marker:
                marker.write(str(n))

    return EventStream(ticks())


@app.post("/api/echo", csrf=True)
def echo(request):
    return {{"received": request.json}}, 201


@app.get("/form")
def form_page(request):
    return Response(text=(
        '<form method="post"><input type="hidden" name="csrf_token" '
        f'value="{{csrf_token(request)}}"><input name="title"></form>'
    ))


@app.post("/form", csrf=True)
def form_post(request):
    return {{"title": request.form["title"]}}, 201
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-features")
    (folder / "features_app.py").write_text(APP)
    spool = folder / "spool"
    spool.mkdir()
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--worker-class", "gthread",
        "--timeout", "60", "--no-control-socket",
        "--chdir", str(folder),
        "features_app:app",
    ]  # fmt: skip
    env = {"TMPDIR": str(spool)}  # where the worker spools large parts
    with ServerProcess(command, port=port, log=folder / "gunicorn.log", env=env,
                       ready_path="/pid") as running:  # fmt: skip
        yield running


def worker_pid(server) -> int:
    _, body = server.request("GET", "/pid")
    return int(json.loads(body)["pid"])


def peak_rss_kib(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), in KiB."""
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE).group(1))


class MultipartUpload:
    """A multipart body with one field and one file of ``size`` pseudo-random bytes,
    made block by block as it is sent; ``sha256`` is the file's, known once it was sent."""

    def __init__(self, size: int, field_name: str = "upload") -> None:
        self.size = size
        self.boundary = f"----roob-test-{uuid.uuid4().hex}"
        self.head = (
            f"--{self.boundary}\r\n"
            'Content-Disposition: form-data; name="label"\r\n\r\n'
            "big one\r\n"
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{field_name}"; filename="data.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self._digest = hashlib.sha256()
        self._block = os.urandom(MiB)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        sent = 0
        number = 0
        while sent < self.size:
            # Each block differs from the others: a lost or repeated block changes the digest.
            block = (number.to_bytes(8, "big") + self._block[8:])[: self.size - sent]
            self._digest.update(block)
            yield block
            sent += len(block)
            number += 1
        yield self.tail


def small_multipart(boundary: str, content: bytes) -> bytes:
    return (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="label"\r\n\r\nsmall\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


def post_stream(server, path: str, upload: MultipartUpload, *, chunked: bool, timeout=60.0):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    headers = {"Content-Type": upload.content_type}
    if not chunked:
        headers["Content-Length"] = str(upload.length)
    try:
        # An iterable body: sent as it is with a Content-Length, chunk-encoded without one.
        connection.request("POST", path, body=iter(upload), headers=headers,
                           encode_chunked=chunked)  # fmt: skip
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response read from ``sock``: status, headers (lower-case names), body."""
    received = b""
    while b"\r\n\r\n" not in received:
        data = sock.recv(65536)
        if not data:
            break
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        data = sock.recv(65536)
        if not data:
            break
        body += data
    return int(lines[0].split(" ", 2)[1]), headers, body


# --- uploads --------------------------------------------------------------------


def test_a_200_mb_upload_arrives_whole_without_the_worker_holding_it(server):
    pid = worker_pid(server)
    warm_up = small_multipart("b0undary", b"x" * 100_000)  # the parser's import and first spool
    response, _ = server.request("POST", "/upload", body=warm_up, headers={
        "Content-Type": "multipart/form-data; boundary=b0undary"})  # fmt: skip
    assert response.status == 200
    before = peak_rss_kib(pid)

    upload = MultipartUpload(200 * MiB)
    started = time.monotonic()
    response, body = post_stream(server, "/upload", upload, chunked=False)
    elapsed = time.monotonic() - started

    assert response.status == 200, body
    received = json.loads(body)
    assert received["fields"] == {"label": "big one"}
    assert received["files"]["upload"] == {
        "filename": "data.bin", "size": 200 * MiB, "reported": 200 * MiB,
        "sha256": upload.sha256,
    }  # fmt: skip
    growth_mib = (peak_rss_kib(pid) - before) / 1024
    assert growth_mib < 50, f"the worker's peak memory grew by {growth_mib:.0f} MiB"
    assert elapsed < 30, f"200 MB over loopback took {elapsed:.1f}s"  # a few, unloaded


def test_an_upload_over_the_route_limit_is_a_413_before_the_body_is_sent(server):
    head = (
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {UPLOAD_LIMIT + 1}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)  # and not one byte of the body
        status, headers, body = read_response(sock)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "message": f"Request body is larger than the limit of {UPLOAD_LIMIT} bytes"
    }


def test_a_chunked_multipart_upload_arrives_whole(server):
    upload = MultipartUpload(5 * MiB + 123)
    response, body = post_stream(server, "/upload", upload, chunked=True)
    assert response.status == 200, body
    assert json.loads(body)["files"]["upload"] == {
        "filename": "data.bin", "size": 5 * MiB + 123, "reported": 5 * MiB + 123,
        "sha256": upload.sha256,
    }  # fmt: skip


def test_a_chunked_upload_over_the_route_limit_is_a_413(server):
    """The answer comes once the limit is passed, while the client is still sending:
    32 MiB is more than the sockets' buffers hold, so the server did not read it all."""
    upload = MultipartUpload(32 * SMALL_LIMIT)
    head = (
        "POST /upload/small HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {upload.content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head)
        for chunk in upload:
            if select.select([sock], [], [], 0)[0]:  # the answer is there: stop sending
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):  # answered and closed meanwhile
                break
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
        status, headers, body = read_response(sock)
    assert sent < upload.length, "the answer came only after the whole body was sent"
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "message": f"Request body is larger than the limit of {SMALL_LIMIT} bytes"
    }


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
         "multipart/form-data; boundary=xyz", "Malformed multipart/form-data body"),
        (b"this is not multipart at all", "multipart/form-data; boundary=xyz",
         "Malformed multipart/form-data body"),
        (b"--xyz\r\n\r\n--xyz--\r\n", "multipart/form-data",
         "multipart/form-data body without a boundary in its Content-Type"),
    ],
    ids=["cut-short", "no-parts", "no-boundary"],
)  # fmt: skip
def test_a_malformed_multipart_body_is_a_400(server, body, content_type, message):
    response, answer = server.request(
        "POST", "/upload/small", body=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(answer)["message"].startswith(message)
    assert "Traceback" not in server.output


# --- sessions -------------------------------------------------------------------


def test_a_session_cookie_set_by_one_request_is_honoured_by_the_next(server):
    response, body = server.request("GET", "/session/set?user=ada")
    assert json.loads(body) == {"stored": "ada"}
    set_cookie = response.getheader("Set-Cookie")
    attributes = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    cookie = set_cookie.split(";", 1)[0]
    assert cookie.startswith("session=")

    response, body = server.request("GET", "/session", headers={"Cookie": cookie})
    assert response.status == 200
    assert json.loads(body) == {"user": "ada"}
    assert response.getheader("Set-Cookie") is None  # unchanged: not sent again

    response, body = server.request("GET", "/session")
    assert json.loads(body) == {}  # another client, no cookie: no session


def test_a_tampered_session_cookie_gives_an_empty_session(server):
    response, _ = server.request("GET", "/session/set?user=ada")
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    name, _, value = cookie.partition("=")
    payload, _, signature = value.partition(".")
    tampered = [
        f"{name}={value[:-2]}{'A' if value[-2] != 'A' else 'B'}{value[-1]}",  # a bad signature
        f"{name}=eyJ1c2VyIjoiZXZlIn0.{signature}",  # {"user":"eve"} with ada's signature
        f"{name}={payload}.{signature}.extra",
        f"{name}=not-a-cookie-at-all",
    ]
    for cookie in tampered:
        response, body = server.request("GET", "/session", headers={"Cookie": cookie})
        assert response.status == 200, (cookie, body)
        assert json.loads(body) == {}, cookie
    assert "Traceback" not in server.output


# --- event streams --------------------------------------------------------------


def test_an_event_stream_arrives_event_by_event(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        started = time.time()
        connection.request("GET", "/events", headers={"Accept": "text/event-stream"})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        assert response.getheader("Cache-Control") == "no-cache"
        assert response.readline() == b": stream opened\n"  # a comment: the stream opens
        assert response.readline() == b"\n"
        events, arrivals, lines = [], [], []
        while len(events) < EVENTS:
            line = response.readline()
            assert line, f"the stream ended after {len(events)} events"
            if line != b"\n":
                lines.append(line.decode().rstrip("\n"))
                continue
            arrivals.append(time.time())
            events.append(dict(line.split(": ", 1) for line in lines))
            lines = []
        assert response.read() == b""  # the generator is done: the stream ends
    finally:
        connection.close()

    assert [event["event"] for event in events] == ["tick"] * EVENTS
    assert [event["id"] for event in events] == [str(n) for n in range(EVENTS)]
    made = [json.loads(event["data"])["at"] for event in events]  # the view's clock: ours
    # Each event was read before the view made the next one: none waited for the end.
    for n in range(EVENTS - 1):
        assert arrivals[n] < made[n + 1], (arrivals, made)
    assert arrivals[0] - started < EVENT_PAUSE * 0.75  # the stream takes 2 pauses
    assert made[-1] - made[0] >= (EVENTS - 1) * EVENT_PAUSE


def test_an_event_stream_stops_when_the_client_leaves(server, tmp_path):
    closed = tmp_path / "closed"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", f"/events/endless?closed={closed}")
        response = connection.getresponse()
        assert response.readline() == b": stream opened\n"
        assert response.readline() == b"\n"
        assert response.readline() == b"data: 0\n"
    finally:
        connection.close()
    deadline = time.monotonic() + 10
    while not closed.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed.exists(), "the generator was not closed after the client disconnected"
    assert "Traceback" not in server.output


# --- CSRF -----------------------------------------------------------------------


def csrf_page(server) -> tuple[str, str]:
    """The session cookie and the CSRF token of the form page."""
    response, body = server.request("GET", "/form")
    assert response.status == 200
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    return cookie, token


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_form_post_without_the_token_is_a_403(server):
    cookie, _ = csrf_page(server)
    response, body = server.request(
        "POST", "/form", body=b"title=Hi", headers={**FORM, "Cookie": cookie}
    )
    assert response.status == 403
    assert json.loads(body)["message"].startswith("CSRF token missing or invalid")

    response, body = server.request(  # what a browser's form gets: a page
        "POST", "/form", body=b"title=Hi",
        headers={**FORM, "Cookie": cookie, "Accept": "text/html,*/*;q=0.8"},
    )  # fmt: skip
    assert response.status == 403
    assert response.getheader("Content-Type").startswith("text/html")
    assert b"<h1>403 Forbidden</h1>" in body


def test_a_token_is_only_good_with_its_own_session(server):
    _, token = csrf_page(server)
    other_cookie, _ = csrf_page(server)
    for headers in ({}, {"Cookie": other_cookie}):
        response, _ = server.request(
            "POST", "/form", body=f"title=Hi&csrf_token={token}".encode(),
            headers={**FORM, **headers},
        )  # fmt: skip
        assert response.status == 403


def test_a_form_post_with_the_token_from_the_page_is_accepted(server):
    cookie, token = csrf_page(server)
    response, body = server.request(
        "POST", "/form", body=f"title=Hi&csrf_token={token}".encode(),
        headers={**FORM, "Cookie": cookie},
    )  # fmt: skip
    assert response.status == 201
    assert json.loads(body) == {"title": "Hi"}

    boundary = "f0rm"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nAgain\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response, body = server.request(  # the token in the header, for scripts
        "POST", "/form", body=multipart,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Cookie": cookie, "X-CSRF-Token": token},
    )  # fmt: skip
    assert response.status == 201
    assert json.loads(body) == {"title": "Again"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "Text/Plain", "TEXT/PLAIN; charset=utf-8", "Application/x-www-form-urlencoded"],
)
def test_a_cross_site_body_needs_the_token_whatever_the_case_of_its_type(server, content_type):
    """Media types are case-insensitive: a page of another origin may ``fetch()`` with
    ``Content-Type: Text/Plain`` without a preflight (the Fetch standard compares the
    parsed, lower-cased type), cookies included when it is the same site."""
    cookie, _ = csrf_page(server)
    response, body = server.request(
        "POST", "/api/echo", body=b'{"transfer": 1000}',
        headers={"Content-Type": content_type, "Cookie": cookie},
    )  # fmt: skip
    assert response.status == 403, body
