"""Attacks on the fixes of issue 18 that deal with bodies and client headers, in process.

Written by a second engineer, as a stranger would attack them (the real-server half is
tests/integration/test_attack_bodies_servers.py):

* class 4, uploads closed when the request ends: with the collector off, whatever
  happens after the files are read (the answer cannot be sent, a handler fails, a
  CSRF check refuses, a middleware holds the stream, a part is malformed), no
  temporary file outlives the request; a view that never reads the form spools
  nothing; arbitrary multipart bodies are a 200, 400 or 413, never a 500;
* class 6, safe_filename and the client's dates and entity tags: any name, any
  header text;
* class 7, Accept-Encoding: a coding the client did not accept is never sent;
* class 9, framing the server passed on unchecked: a Content-Length that is not
  a number, or one sent with a Transfer-Encoding the server did not decode, is a
  400, never a 500 nor a body read from the chunk framing.
"""

from __future__ import annotations

import datetime
import gc
import gzip
import io
import os
import pathlib
import re
import resource
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
import webob
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roob import (
    File,
    Form,
    GZipMiddleware,
    Response,
    Roob,
    UploadedFile,
    check_precondition,
    csrf_token,
)
from roob.compression import accepted_codings
from roob.forms import SAFE_FILENAME_LIMIT, SPOOL_LIMIT
from roob.testing import TestClient

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
BIG = b"z" * (SPOOL_LIMIT * 2)  # spooled to a temporary file
BOUNDARY = "attack-bodies"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


# --- helpers -----------------------------------------------------------------------


def deleted_open_files() -> int:
    """How many deleted-but-open files this process holds (spooled uploads).

    Counted, not compared as a set: Linux names an O_TMPFILE file by its inode,
    and a closed file's inode is soon given to the next one.
    """
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").endswith("(deleted)")
        except OSError:  # the descriptor os.listdir itself used, closed meanwhile
            continue
    return count


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The collector off: only Roob's closing frees a file, never a collection."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files in /proc/self/fd (Linux)")
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def part(name: str, content: bytes, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"Content-Disposition: {disposition}\r\n{extra}\r\n".encode()
    return f"--{BOUNDARY}\r\n".encode() + head + content + b"\r\n"


def end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def environ_for(path: str, body: bytes, **extra: Any) -> dict[str, Any]:
    """A POST's environ as a server hands it over: the body a stream read once."""
    environ = webob.Request.blank(
        path, method="POST", body=body, headers={"Content-Type": MULTIPART}
    ).environ
    environ.pop("webob.is_body_seekable", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ.update(extra)
    return environ


def call(app: Any, environ: dict[str, Any], start_response: Any = None) -> tuple[str, bytes]:
    """Call ``app`` as a server does; the status and whole body (the body closed)."""
    started: list[str] = []

    def default_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status]
        return lambda data: None

    body = app(environ, start_response or default_start)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (started[0] if started else ""), data


# --- class 4: uploads end with the request, whatever happens -----------------------


def kept_app(kept: list[UploadedFile]) -> Roob:
    app = Roob(
        static_dir=None,
        secret_key="a long random secret key for tests",
        csrf=True,
        max_body_size=8 * 2**20,
    )

    @app.post("/session-refuses", csrf=False)
    def session_refuses(request):
        kept.extend(request.files.values())
        request.session["when"] = datetime.datetime(2026, 1, 1)  # JSON cannot store it
        return Response(text="saved")

    @app.post("/header", csrf=False)
    def header(request):
        kept.extend(request.files.values())
        upload = request.files["doc"]
        response = Response(text="ok")
        # WebOb's own header API, which Roob does not check; the filename is the client's.
        response.headers["Content-Disposition"] = f'inline; filename="{upload.filename}"'
        return response

    @app.post("/interleaved", csrf=False)
    def interleaved(
        request,
        doc: Annotated[UploadedFile, File()],
        title: Annotated[str, Form()],
    ):
        kept.extend(request.files.values())
        posted = request.POST
        return {
            "fields": request.form.getall("f"),
            "files": [upload.size for upload in request.files.getall("file")],
            "same": posted.getall("file")[0] is request.files.getall("file")[0],
            "doc": doc.read().decode(),
            "title": title,
        }

    class Failed(Exception):
        pass

    @app.exception_handler(Failed)
    def handler_fails(request, exc):
        kept.extend(request.files.values())
        raise RuntimeError("the handler failed too")

    @app.post("/handler-fails", csrf=False)
    def raises(request):
        request.files  # noqa: B018 - parsed here, kept by the handler
        raise Failed

    @app.post("/protected")  # CSRF: the token is looked for in the form, parsed first
    def protected(request):
        return {"files": len(request.files)}

    @app.post("/ignores-body", csrf=False)
    def ignores_body(request):
        return {"open": deleted_open_files()}

    @app.post("/stream", csrf=False)
    def stream(request):
        def chunks():
            upload = request.files["doc"]  # parsed while the answer is sent
            kept.append(upload)
            while block := upload.file.read(4096):
                yield block

        return Response(app_iter=chunks(), content_type="text/plain")

    return app


class RefusingServer:
    """start_response of a server that refuses a header value PEP 3333 does not allow;
    it keeps each call's status and whether it came with exc_info."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.calls.append((status, exc_info is not None))
        for _, value in headers:
            value.encode("latin-1")  # UnicodeEncodeError, a ValueError
        return lambda data: None


@pytest.mark.parametrize(
    "path", ["/session-refuses", "/header"], ids=["session-value-json-refuses", "bad-header"]
)
def test_the_files_are_closed_when_the_answer_cannot_be_started(no_gc, path):
    # The view answered, then sending the answer raised: Roob's session layer refusing
    # a value JSON cannot store, or the server refusing a header the view built from the
    # client's filename (PEP 3333: latin-1 only). The files stayed open until a collection.
    kept: list[UploadedFile] = []
    app = kept_app(kept)
    body = part("doc", BIG, "\u20ac.bin") + part("other", BIG, "b.bin") + end()
    before = deleted_open_files()
    server = RefusingServer()
    _, answer = call(app, environ_for(path, body), server)
    # Started again with exc_info (PEP 3333): a 500 the server can send.
    assert answer == b'{"message":"Internal Server Error"}'
    assert server.calls[-1] == ("500 Internal Server Error", True)
    assert len(kept) == 2
    assert [upload.file.closed for upload in kept] == [True, True]
    assert deleted_open_files() == before


def test_under_uwsgi_the_answer_is_started_again_without_exc_info(no_gc):
    # uWSGI sends the status and headers of a start_response called with exc_info, and
    # then no body; it takes a second call without exc_info (tested on a real uWSGI in
    # tests/integration/test_attack_bodies_servers.py).
    kept: list[UploadedFile] = []
    server = RefusingServer()
    environ = environ_for("/header", part("doc", BIG, "\u20ac.bin") + end())
    environ["uwsgi.version"] = b"2.0.28"
    _, answer = call(kept_app(kept), environ, server)
    assert answer == b'{"message":"Internal Server Error"}'
    assert server.calls == [("200 OK", False), ("500 Internal Server Error", False)]


def test_many_files_and_fields_interleaved_are_read_in_order_and_all_closed(no_gc):
    kept: list[UploadedFile] = []
    client = TestClient(kept_app(kept))
    parts = [part("title", b"Report"), part("doc", b"the document", "doc.txt")]
    for i in range(12):
        parts += [part("f", str(i).encode()), part("file", BIG + bytes([i]), f"{i}.bin")]
    before = deleted_open_files()
    response = client.post(
        "/interleaved", data=b"".join(parts) + end(), headers={"Content-Type": MULTIPART}
    )
    assert response.status_code == 200
    assert response.json() == {
        "fields": [str(i) for i in range(12)],
        "files": [len(BIG) + 1] * 12,
        "same": True,  # request.POST and request.files hold the same objects: closed once
        "doc": "the document",
        "title": "Report",
    }
    assert len(kept) == 13
    assert all(upload.file.closed for upload in kept)
    assert deleted_open_files() == before


def test_an_exception_handler_that_fails_after_reading_the_files_closes_them(no_gc):
    kept: list[UploadedFile] = []
    client = TestClient(kept_app(kept))
    before = deleted_open_files()
    response = client.post("/handler-fails", files={"doc": ("a.bin", BIG)})
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert kept
    assert all(upload.file.closed for upload in kept)
    assert deleted_open_files() == before


def test_a_csrf_check_that_parsed_the_form_and_refused_leaves_nothing_open(no_gc):
    kept: list[UploadedFile] = []
    client = TestClient(kept_app(kept))
    before = deleted_open_files()
    for token in (None, "forged", "A" * 64):
        data = {} if token is None else {"csrf_token": token}
        response = client.post("/protected", files={"doc": ("a.bin", BIG)}, data=data)
        assert response.status_code == 403
    assert deleted_open_files() == before


def test_a_csrf_token_sent_in_the_form_with_files_passes_and_closes_them(no_gc):
    app = kept_app([])
    token: list[str] = []

    @app.get("/form")
    def form(request):
        token.append(csrf_token(request))
        return {"ok": True}

    client = TestClient(app)
    client.get("/form")
    before = deleted_open_files()
    response = client.post(
        "/protected", files={"doc": ("a.bin", BIG)}, data={"csrf_token": token[0]}
    )
    assert response.json() == {"files": 1}
    assert deleted_open_files() == before


def test_a_view_that_never_reads_the_form_spools_nothing(no_gc):
    client = TestClient(kept_app([]))
    before = deleted_open_files()
    response = client.post("/ignores-body", files={"doc": ("a.bin", BIG * 8)})
    assert response.json() == {"open": before}  # nothing parsed, nothing spooled
    assert deleted_open_files() == before


@pytest.mark.parametrize(
    "tail",
    [
        # A part without a Content-Disposition (multipart's "Missing Content-Disposition").
        b"--" + BOUNDARY.encode() + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n" + end(),
        # A header line without a colon.
        b"--" + BOUNDARY.encode() + b"\r\nnot a header\r\n\r\nx\r\n" + end(),
        # More header lines than a part may have.
        b"--" + BOUNDARY.encode() + b"\r\n" + b"X-A: b\r\n" * 50 + b"\r\nx\r\n" + end(),
        # The closing delimiter never comes.
        b"",
    ],
    ids=["no-disposition", "bad-header-line", "too-many-headers", "no-end"],
)
def test_a_file_followed_by_a_malformed_part_is_a_400_that_closes_the_file(no_gc, tail):
    client = TestClient(kept_app([]), validate=False)
    body = part("doc", BIG, "a.bin") + tail
    before = deleted_open_files()
    response = client.post("/interleaved", data=body, headers={"Content-Type": MULTIPART})
    assert response.status_code == 400
    assert "multipart" in response.json()["message"]
    assert deleted_open_files() == before


def test_a_body_shorter_than_its_content_length_cut_mid_file_is_a_400(no_gc):
    # The client said 1 MiB and left after a part of the file: the stream ends early.
    app = kept_app([])
    body = part("doc", BIG + BIG, "a.bin") + end()
    cut = body[: len(body) // 2]
    environ = environ_for("/interleaved", cut, CONTENT_LENGTH=str(len(body)))
    before = deleted_open_files()
    status, _answer = call(app, environ)
    assert status.startswith("400")
    assert deleted_open_files() == before


def test_a_streamed_answer_behind_gzip_closes_the_files_when_the_client_leaves(no_gc):
    # GZipMiddleware sits between the server and Roob's closing body: its close() must
    # reach it, or the upload the generator parsed stays open.
    kept: list[UploadedFile] = []
    app = kept_app(kept)
    app.add_middleware(GZipMiddleware, minimum_size=10)
    body = part("doc", BIG, "a.txt") + end()
    environ = environ_for("/stream", body, HTTP_ACCEPT_ENCODING="gzip")
    before = deleted_open_files()
    sent = app(environ, lambda status, headers, exc_info=None: None)
    first = next(iter(sent))
    assert zlib.decompressobj(31).decompress(first).startswith(b"zzzz")  # flushed at once
    assert kept
    assert not kept[0].file.closed
    sent.close()  # the client left: the server closes the body
    assert kept[0].file.closed
    assert deleted_open_files() == before


# Hostile multipart bodies: pieces of valid and broken parts, cut anywhere. Shapes from
# Werkzeug's tests/test_formparser.py (test_end_of_file: a file and no end; test_broken;
# test_extra_newline: blank lines first; test_nonstandard_line_endings: a lone LF;
# test_failures: a part without headers), with junk before and RFC 2231 names.
PIECES = st.sampled_from(
    [
        part("a", b"1"),
        part("f", BIG, "f.bin"),
        part("f", b"small", "s.txt", "Content-Type: text/plain\r\n"),
        part("e", b"", ""),
        part("u", "é".encode(), "é.txt"),
        part("bad", b"\xff\xfe"),  # a text field that is not UTF-8: a 400
        b"--" + BOUNDARY.encode() + b"\r\n",
        b"--" + BOUNDARY.encode() + b"--",
        b"\r\n",
        b"\n",
        b"Content-Disposition: form-data; name*=UTF-8''%E2%82%AC\r\n\r\n",
        b"--" + BOUNDARY.encode() + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n",
        b"--" + BOUNDARY.encode() + b"\r\n\r\nHello World\r\n",  # no headers at all
        end(),
    ]
)


@SETTINGS
@given(
    pieces=st.lists(PIECES, max_size=8),
    junk=st.binary(max_size=40),
    cut=st.integers(min_value=0, max_value=400_000),
)
@example(pieces=[part("f", BIG, "f.bin")], junk=b"", cut=400_000)  # never closed
@example(pieces=[part("f", BIG, "f.bin"), end()], junk=b"", cut=400_000)
def test_hostile_multipart_bodies_are_never_a_500_nor_leave_a_file_open(pieces, junk, cut):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files in /proc/self/fd (Linux)")
    client = TestClient(upload_echo_app(), validate=False)
    body = (junk + b"".join(pieces))[:cut]
    gc.disable()
    try:
        before = deleted_open_files()
        response = client.post("/echo", data=body, headers={"Content-Type": MULTIPART})
        assert deleted_open_files() == before
    finally:
        gc.enable()
    assert response.status_code in (200, 400, 413), response.text
    assert "Traceback" not in response.text


def upload_echo_app(**options: Any) -> Roob:
    app = Roob(static_dir=None, max_body_size=SPOOL_LIMIT * 5, **options)

    @app.post("/echo")
    def echo(request):
        return {
            "form": request.form.dict_of_lists(),
            "files": [[name, upload.size] for name, upload in request.files.items()],
        }

    return app


@pytest.fixture
def few_descriptors() -> Iterator[int]:
    """This process may open only a few more files while the test runs (the soft limit
    a worker has is often 1024, against a thousand parts a body may have)."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open files in /proc/self/fd (Linux)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = len(os.listdir("/proc/self/fd")) + 40
    resource.setrlimit(resource.RLIMIT_NOFILE, (room, hard))
    try:
        yield room
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_body_with_more_files_than_the_worker_can_open_is_a_503_not_a_500(
    few_descriptors, caplog
):
    """60 files of 65 KiB with 40 descriptors to spare: EMFILE in tempfile was a 500.
    The worker's state, not the client's mistake: a 503 to try again, logged, and
    no descriptor left behind."""
    app = Roob(static_dir=None, max_body_size=16 * 2**20)

    @app.post("/up")
    def up(request):
        return {"files": len(request.files)}

    before = len(os.listdir("/proc/self/fd"))
    body = b"".join(part(f"f{i}", BIG, f"{i}.bin") for i in range(60)) + end()
    response = TestClient(app).post("/up", data=body, headers={"Content-Type": MULTIPART})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "could not be stored in a temporary file" in caplog.text
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.fixture
def full_disk(tmp_path, monkeypatch) -> Iterator[pathlib.Path]:
    """Temporary files go to a 256 KiB tmpfs (mounting one needs root, which CI has)."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("this test mounts a tmpfs, which needs root")
        pytest.skip("mounting a tmpfs needs root")
    folder = tmp_path / "tiny"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_an_upload_the_disk_cannot_hold_is_a_507_not_a_500(full_disk, caplog) -> None:
    app = Roob(static_dir=None, max_body_size=4 * 2**20)

    @app.post("/up")
    def up(request):
        return {"files": len(request.files)}

    body = part("f", b"z" * 2**20, "big.bin") + end()
    response = TestClient(app).post("/up", data=body, headers={"Content-Type": MULTIPART})
    assert response.status_code == 507
    assert response.json() == {"message": "The server has no room to store the upload"}
    assert "could not be stored in a temporary file" in caplog.text
    assert os.listdir(full_disk) == []  # the part written was deleted


def test_a_body_with_more_files_than_the_limit_is_a_400_before_they_are_stored() -> None:
    """Django bounds the files of a body (DATA_UPLOAD_MAX_NUMBER_FILES=100, a 400:
    CVE-2023-24580); so does Roob, with FILE_LIMIT."""
    from roob.forms import FILE_LIMIT

    app = Roob(static_dir=None, max_body_size=16 * 2**20)

    @app.post("/up")
    def up(request):
        return {"files": len(request.files)}

    def files(count):
        return b"".join(part(f"f{i}", b"x", f"{i}.txt") for i in range(count)) + end()

    client = TestClient(app)
    assert client.post(
        "/up", data=files(FILE_LIMIT), headers={"Content-Type": MULTIPART}
    ).json() == {"files": FILE_LIMIT}
    refused = client.post("/up", data=files(FILE_LIMIT + 1), headers={"Content-Type": MULTIPART})
    assert refused.status_code == 400
    assert refused.json() == {"message": f"The form has more than {FILE_LIMIT} files"}


# --- class 6: safe_filename ----------------------------------------------------------

# Windows' reserved device names (Microsoft, "Naming Files, Paths, and Namespaces"),
# as Werkzeug's secure_filename and Django's get_valid_filename tests list them.
DEVICES = ["CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10))]
SAFE = re.compile(r"[A-Za-z0-9._-]+")


def safe(filename: str) -> str:
    return UploadedFile(io.BytesIO(b"data"), filename).safe_filename


def check_safe_name(name: str) -> None:
    assert name, "empty"
    assert len(name) <= SAFE_FILENAME_LIMIT
    assert name.isascii(), name
    assert SAFE.fullmatch(name), name
    assert name not in (".", "..")
    assert not name.startswith(".")
    assert not name.endswith(".")
    assert os.path.basename(name) == name
    assert "/" not in name
    assert "\\" not in name
    assert name.partition(".")[0].upper() not in DEVICES
    assert safe(name) == name  # made safe once is safe for good


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
@example("")
@example(".")
@example("..")
@example("../../..")
@example("\x00")
@example("a\x00b.txt")
@example("\u202etxt.exe")  # RIGHT-TO-LEFT OVERRIDE: shows as exe.txt
@example("x." + "e" * 1000)
@example("." + "a" * 300)
@example("a" * 300 + "." + "b" * 99)
@example("\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc")  # fullwidth ../../etc
@example("COM\u00b9.txt")  # COM¹ is a device too, and NFKD makes it COM1
def test_any_filename_becomes_one_safe_ascii_name(filename):
    check_safe_name(safe(filename))


@settings(max_examples=120, deadline=None)
@given(
    device=st.sampled_from(DEVICES),
    case=st.lists(st.booleans(), min_size=4, max_size=4),
    extension=st.sampled_from(["", ".txt", ".tar.gz", ".", ". ", " .txt", "..txt", ".x" * 120]),
    prefix=st.sampled_from(["", "./", "..\\", "C:\\", " "]),
)
def test_a_windows_device_name_in_any_case_never_survives(device, case, extension, prefix):
    name = "".join(c.lower() if low else c for c, low in zip(device, case, strict=False))
    check_safe_name(safe(prefix + name + extension))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
@example("\u0000")
@example("a" * 1000 + ".txt")
@example("\u00e9" * 300 + ".jpg")  # 600 bytes of UTF-8: past ext4's 255
def test_a_safe_filename_can_be_saved_where_the_docs_say(tmp_path_factory, filename):
    # docs/forms.md: picture.save(f"uploads/{picture.safe_filename}")
    root = tmp_path_factory.mktemp("save")
    uploads = root / "uploads"
    uploads.mkdir()
    upload = UploadedFile(io.BytesIO(b"content"), filename)
    assert upload.save(uploads / upload.safe_filename) == 7
    assert [p.name for p in uploads.iterdir()] == [upload.safe_filename]
    assert (uploads / upload.safe_filename).read_bytes() == b"content"
    assert sorted(p.name for p in root.iterdir()) == ["uploads"]  # nothing beside it


# --- class 6: the client's dates and entity tags --------------------------------------

MODIFIED = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
MODIFIED_TEXT = "Thu, 01 Jan 2026 12:00:00 GMT"
CSS = "body { color: red; }\n" * 60


@pytest.fixture(scope="module")
def conditional_client(tmp_path_factory) -> TestClient:
    static = tmp_path_factory.mktemp("static")
    (static / "css").mkdir()
    (static / "css" / "main.css").write_text(CSS)
    app = Roob(static_dir=static, static_url="/static")

    @app.get("/note", conditional=True)
    def note(request):
        return Response(
            text="x" * 2000,
            content_type="text/plain",
            headers={"Last-Modified": MODIFIED_TEXT, "ETag": '"v1"'},
        )

    @app.put("/note")
    def update(request):
        check_precondition(request, etag="v1", last_modified=MODIFIED)
        return {"updated": True}

    @app.get("/webob")
    def webob_conditional(request):
        response = Response(body=b"y" * 2000, content_type="text/plain",
                            conditional_response=True)  # fmt: skip
        response.etag = "v1"
        response.last_modified = MODIFIED
        return response

    app.add_middleware(GZipMiddleware)
    return TestClient(app)


def latin1_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Header text as a WSGI server hands it over: ISO-8859-1, no line breaks."""
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=max_size)


DATE_FORMATS = ["%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"]
DATES = st.builds(
    lambda moment, layout: moment.strftime(layout),
    st.datetimes(min_value=datetime.datetime(1, 1, 1)),
    st.sampled_from(DATE_FORMATS),
)
HEADER_VALUES = st.one_of(
    latin1_text(),
    DATES,
    st.builds(str.__add__, DATES, latin1_text(5)),
    st.sampled_from([
        "*", "", " ", ",", '"', "W/", '"v1"', 'W/"v1"', '"v1", W/"v2"', '"v1" "v2"', "v1",
        MODIFIED_TEXT, "Sat, 01 Jan 99999 00:00:00 GMT", "Sun, 32 Jan 2026 08:00:00 GMT",
        "bytes=0-10", "bytes=-5", "bytes=5-", "bytes=0-0,-1", "bytes=99999-", "bytes=1-0",
    ]),
)  # fmt: skip
CONDITIONS = st.dictionaries(
    st.sampled_from(
        ["If-Modified-Since", "If-Unmodified-Since", "If-Range", "If-Match", "If-None-Match",
         "Range", "Date"]
    ),
    HEADER_VALUES,
    max_size=5,
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    headers=CONDITIONS,
    target=st.sampled_from(
        [("GET", "/note"), ("HEAD", "/note"), ("PUT", "/note"), ("GET", "/webob"),
         ("GET", "/static/css/main.css"), ("HEAD", "/static/css/main.css")]
    ),
)  # fmt: skip
def test_any_conditional_header_text_is_answered_never_a_500(conditional_client, headers, target):
    method, path = target
    response = conditional_client.request(method, path, headers=headers)
    allowed = {200, 304, 412} | ({206, 416} if "Range" in headers and method != "PUT" else set())
    assert response.status_code in allowed, (response.status_code, headers, response.text)
    if response.status_code == 304:
        assert response.content == b""
    if response.status_code == 412:
        assert "If-Match" in headers or "If-Unmodified-Since" in headers


# RFC 9110, 13.2.2: If-Match, then If-Unmodified-Since (only without If-Match), then
# If-None-Match, then If-Modified-Since (only without If-None-Match), then If-Range.
# Cases after Django's tests/conditional_processing/tests.py (test_both_headers,
# test_if_match_*), and Werkzeug's test_etag_response_412.
OLDER, NEWER = "Wed, 31 Dec 2025 12:00:00 GMT", "Fri, 02 Jan 2026 12:00:00 GMT"
ORDER = [
    ({"If-Match": '"other"', "If-None-Match": '"v1"'}, 412),  # If-Match first
    ({"If-Match": '"other"', "If-Modified-Since": NEWER}, 412),
    ({"If-Match": '"v1"', "If-Unmodified-Since": OLDER}, 200),  # IUS ignored with If-Match
    ({"If-Match": "*", "If-Unmodified-Since": OLDER}, 200),
    ({"If-Unmodified-Since": OLDER, "If-None-Match": '"v1"'}, 412),  # IUS before INM
    ({"If-Unmodified-Since": NEWER, "If-None-Match": '"v1"'}, 304),
    ({"If-None-Match": '"other"', "If-Modified-Since": NEWER}, 200),  # IMS ignored with INM
    ({"If-None-Match": '"v1"', "If-Modified-Since": OLDER}, 304),
    ({"If-None-Match": 'W/"v1"'}, 304),  # If-None-Match compares weakly
    ({"If-Match": 'W/"v1"'}, 412),  # If-Match strongly
    ({"If-Match": '"v1"', "If-None-Match": "*"}, 304),
    ({"If-Match": ""}, 412),  # empty: matches nothing (Werkzeug, Django)
    ({"If-None-Match": ""}, 200),
    ({"If-Unmodified-Since": "Sat, 01 Jan 99999 00:00:00 GMT"}, 200),  # not a date: ignored
    ({"If-Modified-Since": "Sat, 01 Jan 99999 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": MODIFIED_TEXT}, 304),  # equal is not modified
]


@pytest.mark.parametrize("path", ["/note", "/static/css/main.css"])
@pytest.mark.parametrize(("headers", "status"), ORDER)
def test_preconditions_are_evaluated_in_rfc_9110_order(conditional_client, path, headers, status):
    if path.startswith("/static"):  # the file's own validators
        plain = conditional_client.get(path)
        tag, modified = plain.headers["ETag"], plain.headers["Last-Modified"]
        modified_at = datetime.datetime(*parse_date_tuple(modified), tzinfo=datetime.UTC)
        mapping = {
            '"v1"': tag,
            'W/"v1"': "W/" + tag,
            MODIFIED_TEXT: modified,
            OLDER: fmt(modified_at - datetime.timedelta(days=1)),
            NEWER: fmt(modified_at + datetime.timedelta(days=1)),
        }
        headers = {name: mapping.get(value, value) for name, value in headers.items()}
    response = conditional_client.get(path, headers=headers)
    assert response.status_code == status, headers


def parse_date_tuple(value: str) -> tuple[int, ...]:
    import email.utils

    return email.utils.parsedate(value)[:6]  # type: ignore[index]


def fmt(moment: datetime.datetime) -> str:
    import email.utils

    return email.utils.format_datetime(moment, usegmt=True)


@pytest.mark.parametrize(
    ("if_range", "ranged"),
    [('"v1"', True), ('W/"v1"', False), ('"other"', False), (MODIFIED_TEXT, True),
     (OLDER, False), ("Sat, 01 Jan 99999 00:00:00 GMT", False), ("garbage", False)],
)  # fmt: skip
def test_if_range_on_a_static_file_serves_the_part_only_for_the_same_file(
    conditional_client, if_range, ranged
):
    plain = conditional_client.get("/static/css/main.css")
    values = {'"v1"': plain.headers["ETag"], 'W/"v1"': "W/" + plain.headers["ETag"],
              MODIFIED_TEXT: plain.headers["Last-Modified"]}  # fmt: skip
    response = conditional_client.get(
        "/static/css/main.css",
        headers={"Range": "bytes=0-3", "If-Range": values.get(if_range, if_range)},
    )
    if ranged:
        assert (response.status_code, response.content) == (206, CSS[:4].encode())
    else:
        assert (response.status_code, response.content) == (200, CSS.encode())


@pytest.fixture(scope="module")
def stored_gzip_client(tmp_path_factory) -> TestClient:
    static = tmp_path_factory.mktemp("stored")
    (static / "main.css").write_text(CSS)
    (static / "main.css.gz").write_bytes(gzip.compress(CSS.encode(), mtime=0))
    return TestClient(Roob(static_dir=static))


def test_a_stored_compressed_file_never_shares_a_strong_tag_with_its_original(
    stored_gzip_client,
):
    # WhiteNoise gives main.css.gz the strong ETag of main.css. A download resumed with
    # If-Range under another Accept-Encoding (a browser resuming with identity) then
    # got the rest of the other representation: 30 bytes of gzip, then plain CSS from
    # byte 30, a corrupt whole. RFC 9110 8.8.3: a strong tag names one representation's
    # bytes (Apache gives its gzip variant another tag; GZipMiddleware makes it weak).
    gzipped = stored_gzip_client.get("/main.css", headers={"Accept-Encoding": "gzip"})
    plain = stored_gzip_client.get("/main.css", headers={"Accept-Encoding": "identity"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    tags = {gzipped.headers["ETag"], plain.headers["ETag"]}
    assert len(tags) == 2 or all(tag.startswith("W/") for tag in tags)
    first = stored_gzip_client.get(
        "/main.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-29"}
    )
    rest = stored_gzip_client.get(
        "/main.css",
        headers={"Accept-Encoding": "identity", "Range": "bytes=30-",
                 "If-Range": first.headers["ETag"]},
    )  # fmt: skip
    if rest.status_code == 206:  # then both parts are of one representation
        assert first.content + rest.content in (gzipped.content, plain.content)
    else:  # the whole representation, as If-Range says when it does not name it
        assert (rest.status_code, rest.content) == (200, CSS.encode())
    # Revalidating either with either tag still gives a 304 (weak comparison).
    for accept in ("gzip", "identity"):
        for tag in tags:
            again = stored_gzip_client.get(
                "/main.css", headers={"Accept-Encoding": accept, "If-None-Match": tag}
            )
            assert again.status_code == 304


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(since=DATES)
@example(since="Fri, 02 Jan 0026 00:00:00 GMT")
@example(since="Thursday, 01-Jan-70 00:00:00 GMT")
def test_webobs_conditional_response_reads_a_date_as_a_conditional_view_does(
    conditional_client, since
):
    # roob/responses.py hands WebOb's conditional answer only the dates Roob reads; a
    # date Roob reads must mean the same moment there. WebOb reads through the email
    # package, which takes a year 0026 for 2026 and a two-digit 70 for 1970 (RFC 9110,
    # 5.6.7: more than 50 years ahead is the past century, so 2070 until 2020's end).
    view = conditional_client.get("/note", headers={"If-Modified-Since": since})
    webob_answer = conditional_client.get("/webob", headers={"If-Modified-Since": since})
    assert webob_answer.status_code == view.status_code, since


# --- class 7: Accept-Encoding ----------------------------------------------------------


@pytest.fixture(scope="module")
def compressing_client() -> TestClient:
    app = Roob(static_dir=None)

    @app.get("/sized")
    def sized(request):
        return Response(text="hello world " * 300, content_type="text/plain")

    @app.get("/streamed")
    def streamed(request):  # no Content-Length: compressed as it streams
        return Response(app_iter=iter([b"a" * 1000, b"b" * 1000]), content_type="text/plain")

    @app.get("/conditional", conditional=True)
    def conditional(request):
        return Response(text="c" * 2000, content_type="text/plain")

    app.add_middleware(GZipMiddleware)
    return TestClient(app)


CODINGS = ["gzip", "GZIP", "x-gzip", "br", "Br", "zstd", "deflate", "identity", "*", "compress"]
QVALUES = ["", ";q=0", ";q=0.0", ";q=0.000", ";Q=0", "; q=0 ", ";q=1", ";q=0.5", ";q=0.001",
           ";q=.5", ";q=1.5", ";q=-1", ";q=nan", ";q=1e0", ";q=0.0001"]  # fmt: skip
ACCEPT = st.one_of(
    st.lists(
        st.builds(str.__add__, st.sampled_from(CODINGS), st.sampled_from(QVALUES)), max_size=5
    ).map(", ".join),
    latin1_text(30),
)


def refused(header: str) -> set[str]:
    """The codings ``header`` names with a weight of 0 (RFC 9110, 12.5.3: not acceptable)."""
    found = set()
    for element in header.split(","):
        coding, *params = element.split(";")
        name = coding.strip(" \t").lower()
        for param in params:
            key, _, value = param.partition("=")
            if key.strip(" \t").lower() == "q" and re.fullmatch(r"0(\.0{0,3})?", value.strip()):
                found.add("gzip" if name == "x-gzip" else name)
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(accept=ACCEPT, path=st.sampled_from(["/sized", "/streamed", "/conditional"]))
@example(accept="br", path="/streamed")
@example(accept="br, gzip;q=0", path="/streamed")
@example(accept="zstd", path="/streamed")
@example(accept="*;q=0, identity", path="/streamed")
def test_no_answer_comes_in_a_coding_the_client_did_not_accept(compressing_client, accept, path):
    response = compressing_client.get(path, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    coding = response.headers.get("Content-Encoding")
    if coding is not None:
        assert coding not in refused(accept), (accept, coding)
        assert coding in accepted_codings(accept, ("br", "zstd", "gzip")), (accept, coding)
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    tag = response.headers.get("ETag")
    if tag is not None:  # its 304 says what the 200 said
        again = compressing_client.get(
            path, headers={"Accept-Encoding": accept, "If-None-Match": tag}
        )
        assert again.status_code == 304
        assert again.headers["ETag"] == tag
        assert "Accept-Encoding" in again.headers.get("Vary", "")


# --- class 9: framing a server passed on without checking it ------------------------

# uWSGI's HTTP router hands these to the application as the client sent them (see
# tests/integration/test_attack_bodies_servers.py, where gunicorn and waitress refuse
# them with a 400 themselves). RFC 9112, 6.3: a Content-Length that is not a number
# is an unrecoverable error, a 400; Transfer-Encoding overrides Content-Length and the
# pair "ought to be handled as an error" (request smuggling, 11.2).


@pytest.fixture(scope="module")
def body_app() -> Roob:
    app = Roob(static_dir=None)

    @app.post("/body")
    def body(request):
        return {"body": request.body.decode("latin-1")}

    @app.post("/json")
    def as_json(request):
        return {"json": request.json}

    @app.post("/form")
    def form(request):
        return {"form": request.form.dict_of_lists(), "files": len(request.files)}

    @app.post("/limited", max_body_size=1000)
    def limited(request):
        return {"read": False}

    @app.post("/ignores")
    def ignores(request):
        return {"read": False}

    return app


def passed_on(body: bytes, **cgi: str) -> dict[str, Any]:
    """The environ of a server that passes the client's framing on as it came (uWSGI):
    no wsgi.input_terminated, the body stream as the client sent it."""
    environ = webob.Request.blank("/", method="POST").environ
    for key in ("CONTENT_LENGTH", "webob.is_body_seekable", "wsgi.input_terminated"):
        environ.pop(key, None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ.update(cgi)
    return environ


CHUNKED = b"7\r\na=1&b=2\r\n0\r\n\r\n"


@pytest.mark.parametrize("length", ["\u00b2", "\u00b9\u00b3", "+3", "-1", "0x3", "3, 3", "1_0",
                                    "3.0", "three"])  # fmt: skip
@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/body", "text/plain"), ("/form", MULTIPART), ("/limited", "text/plain")],
)  # fmt: skip
def test_a_content_length_that_is_not_a_number_is_a_400(body_app, length, path, content_type):
    # '²'.isdigit() is True and int('²') raises (a 500); int('+3') and int('1_0') read
    # what RFC 9110 8.6's 1*DIGIT refuses; '-1', '0x3' and '3, 3' read as no body.
    environ = passed_on(b'{"a":1}', CONTENT_LENGTH=length, CONTENT_TYPE=content_type)
    environ["PATH_INFO"] = path
    status, answer = call(body_app, environ)
    assert status.startswith("400"), (status, answer)
    assert b"Content-Length" in answer


# (Transfer-Encoding, Content-Length) as uWSGI passed them on: the smuggling shapes of
# PortSwigger's "HTTP request smuggling" (CL.TE, TE.TE obfuscations) and RFC 9112 6.3.
TWO_FRAMINGS = [
    ("chunked", "0"),
    ("chunked", "5"),
    ("Chunked", str(len(CHUNKED))),
    ("gzip, chunked", "5"),
    ("identity", "5"),
    (" chunked", "15"),
]


@pytest.mark.parametrize(("coding", "length"), TWO_FRAMINGS)
@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/body", "text/plain"), ("/json", "application/json"),
     ("/form", "application/x-www-form-urlencoded"), ("/form", MULTIPART)],
)  # fmt: skip
def test_a_transfer_encoding_the_server_did_not_decode_is_never_read_by_its_length(
    body_app, coding, length, path, content_type
):
    # uWSGI passes Content-Length and Transfer-Encoding both; Roob read Content-Length
    # bytes of the chunked framing as the body ({"form": {"7\r\na": ["1"], "b": ["2\r\n"]}})
    # or, with Content-Length: 0, took the body for an empty one.
    environ = passed_on(
        CHUNKED,
        CONTENT_LENGTH=length,
        HTTP_TRANSFER_ENCODING=coding,
        CONTENT_TYPE=content_type,
        PATH_INFO=path,
    )
    status, answer = call(body_app, environ)
    assert status.startswith("400"), (status, answer)
    assert b"Transfer-Encoding" in answer


@pytest.mark.parametrize("path", ["/body", "/form", "/limited"])
def test_a_content_length_longer_than_python_reads_is_a_413(body_app, path):
    # int() refuses more than 4300 digits: a ValueError, a 500, if it reached it.
    environ = passed_on(b"abc", CONTENT_LENGTH="9" * 5000, CONTENT_TYPE=MULTIPART)
    environ["PATH_INFO"] = path
    status, answer = call(body_app, environ)
    assert status.startswith("413"), (status, answer)


def test_framing_is_checked_only_when_the_body_is_read(body_app):
    # A view that reads no body answers as before, whatever the framing.
    framings = [
        {"CONTENT_LENGTH": "\u00b2"},
        {"CONTENT_LENGTH": "3", "HTTP_TRANSFER_ENCODING": "chunked"},
    ]
    for framing in framings:
        status, answer = call(body_app, passed_on(CHUNKED, PATH_INFO="/ignores", **framing))
        assert (status, answer) == ("200 OK", b'{"read":false}')


@pytest.mark.parametrize("coding", ["gzip, chunked", "deflate, chunked", "compress, chunked"])
@pytest.mark.parametrize("path", ["/body", "/form"])
def test_a_transfer_coding_the_server_left_on_the_body_is_a_400(body_app, coding, path):
    # gunicorn accepts "gzip, chunked", removes the chunking, marks the end and hands the
    # body on still gzipped: the view read the compressed bytes as the client's data.
    gzipped = gzip.compress(b"a=1&b=2")
    environ = passed_on(
        gzipped,
        HTTP_TRANSFER_ENCODING=coding,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        PATH_INFO=path,
        **{"wsgi.input_terminated": True},
    )
    status, answer = call(body_app, environ)
    assert status.startswith("400"), (status, answer)
    assert b"Transfer-Encoding" in answer


def test_a_server_that_decoded_the_chunks_is_trusted(body_app):
    # gunicorn keeps Transfer-Encoding and says where the body ends; waitress drops it
    # and sets the length: both read the body as sent.
    gunicorn = passed_on(
        b"a=1&b=2", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True}
    )
    waitress = passed_on(b"a=1&b=2", CONTENT_LENGTH="7", **{"wsgi.input_terminated": True})
    for environ in (gunicorn, waitress):
        environ.update(PATH_INFO="/form", CONTENT_TYPE="application/x-www-form-urlencoded")
        status, answer = call(body_app, environ)
        assert (status, answer) == ("200 OK", b'{"form":{"a":["1"],"b":["2"]},"files":0}')


@pytest.mark.parametrize("length", ["3", " 3", "3 ", "03", "\t3"])
def test_a_valid_content_length_with_blanks_or_leading_zeros_is_read(body_app, length):
    # RFC 9110 5.5: a field value's surrounding whitespace is not part of it.
    environ = passed_on(b"abc", CONTENT_LENGTH=length, CONTENT_TYPE="text/plain", PATH_INFO="/body")
    assert call(body_app, environ) == ("200 OK", b'{"body":"abc"}')
