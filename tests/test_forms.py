"""request.form, request.files, Form() and File() parameters, per-route body limits."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import re
from collections.abc import Iterator
from typing import Annotated

import pytest
import webob
from hypothesis import given, settings
from hypothesis import strategies as st

from roob import (
    BadRequest,
    ConfigurationError,
    File,
    Form,
    MissingField,
    Request,
    Response,
    Roob,
    UploadedFile,
)
from roob.forms import SAFE_FILENAME_LIMIT, SPOOL_LIMIT
from roob.testing import TestClient


@pytest.fixture
def app() -> Roob:
    app = Roob(static_dir=None)

    @app.post("/echo")
    def echo(request):
        return {
            "form": request.form.dict_of_lists(),
            "files": {
                name: [upload.filename, upload.content_type, upload.size, upload.read().decode()]
                for name, upload in request.files.items()
            },
        }

    return app


def multipart(*parts: bytes, boundary: str = "XyZ") -> tuple[bytes, dict[str, str]]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def field(name: str, value: bytes) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value


def test_urlencoded_fields_are_strings_with_every_value(app: Roob) -> None:
    response = TestClient(app).post("/echo", data={"a": ["1", "2"], "b": "é & ü", "empty": ""})
    assert response.json() == {
        "form": {"a": ["1", "2"], "b": ["é & ü"], "empty": [""]},
        "files": {},
    }


def test_multipart_fields_and_files(app: Roob) -> None:
    response = TestClient(app).post(
        "/echo",
        data={"title": "Ünïcode"},
        files={"doc": ("notes.txt", b"hello", "text/plain"), "img": ("a.png", b"PNG", "image/png")},
    )
    assert response.status_code == 200
    assert response.json() == {
        "form": {"title": ["Ünïcode"]},
        "files": {
            "doc": ["notes.txt", "text/plain", 5, "hello"],
            "img": ["a.png", "image/png", 3, "PNG"],
        },
    }


def test_other_content_types_give_empty_forms(app: Roob) -> None:
    response = TestClient(app).post("/echo", json={"a": 1})
    assert response.json() == {"form": {}, "files": {}}


def test_a_file_input_left_empty_is_not_a_file(app: Roob) -> None:
    body, headers = multipart(
        b'Content-Disposition: form-data; name="doc"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    assert TestClient(app).post("/echo", data=body, headers=headers).json()["files"] == {}


def test_large_parts_are_spooled_to_disk_and_kept_whole() -> None:
    app = Roob(static_dir=None, max_body_size=10 * 2**20)
    content = bytes(range(256)) * (4 * SPOOL_LIMIT // 256)

    @app.post("/up")
    def up(request):
        upload = request.files["doc"]
        return {
            "in_memory": isinstance(upload.file, io.BytesIO),
            "sha": hashlib.sha256(upload.read()).hexdigest(),
            "size": upload.size,
        }

    response = TestClient(app).post(
        "/up", files={"doc": ("big.bin", content, "application/octet-stream")}
    )
    assert response.json() == {
        "in_memory": False,
        "sha": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


def test_uploaded_file_save_and_safe_filename(tmp_path) -> None:
    app = Roob(static_dir=None)
    target = tmp_path / "saved.bin"

    @app.post("/up")
    def up(request):
        upload = request.files["doc"]
        upload.read(2)  # save() copies the whole file wherever the file is positioned
        written = upload.save(target)
        assert upload.file.tell() == 2
        upload.close()
        assert upload.file.closed
        upload.close()  # twice does nothing
        return {
            "written": written,
            "safe": upload.safe_filename,
            "repr": repr(upload),
            "headers": upload.headers,
        }

    response = TestClient(app).post(
        "/up", files={"doc": ("../../etc/pass wd", b"secret", "text/plain")}
    )
    assert target.read_bytes() == b"secret"
    assert response.json()["written"] == 6
    assert response.json()["safe"] == "pass_wd"
    assert "filename='../../etc/pass wd'" in response.json()["repr"]
    assert response.json()["headers"]["Content-Type"] == "text/plain"


def safe(filename: str) -> str:
    return UploadedFile(io.BytesIO(), filename).safe_filename


# Werkzeug's tests/test_utils.py::test_secure_filename, with Roob's answers where they
# differ: Roob keeps the last path segment alone (Werkzeug joins the folders into the name)
# and puts "_" for a run of other characters (Werkzeug drops them). Werkzeug prefixes
# Windows device names only on Windows; Roob everywhere, as an upload may be saved on a
# share a Windows machine reads.
@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "passwd"),  # Werkzeug: etc_passwd
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("__filename__", "filename"),
        ("foo$&^*)bar", "foo_bar"),  # Werkzeug: foobar
        ("CON", "_CON"),
        ("aux.txt", "_aux.txt"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("LPT9.log", "_LPT9.log"),
        ("COM\u00b9.txt", "_COM1.txt"),  # a superscript one is a device name too
        ("console.txt", "console.txt"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("...", "upload"),
        ("\u00e9.txt", "e.txt"),
        ("\u65e5\u672c\u8a9e.txt", "txt"),  # nothing of it is ASCII but the extension
        ("", "upload"),
    ],
)
def test_safe_filename_werkzeug_cases(filename: str, expected: str) -> None:
    assert safe(filename) == expected


# Django's tests/file_uploads/tests.py: CANDIDATE_TRAVERSAL_FILE_NAMES (every one is
# "hax0rd.txt" there; Django also unescapes HTML entities, which Roob leaves as text),
# test_blank_filenames and test_non_printable_chars_in_file_names.
@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("/tmp/hax0rd.txt", "hax0rd.txt"),
        ("C:\\Windows\\hax0rd.txt", "hax0rd.txt"),
        ("C:/Windows/hax0rd.txt", "hax0rd.txt"),
        ("\\tmp\\hax0rd.txt", "hax0rd.txt"),
        ("/tmp\\hax0rd.txt", "hax0rd.txt"),
        ("subdir/hax0rd.txt", "hax0rd.txt"),
        ("subdir\\hax0rd.txt", "hax0rd.txt"),
        ("sub/dir\\hax0rd.txt", "hax0rd.txt"),
        ("../../hax0rd.txt", "hax0rd.txt"),
        ("..\\..\\hax0rd.txt", "hax0rd.txt"),
        ("../..\\hax0rd.txt", "hax0rd.txt"),
        ("..&#x2F;hax0rd.txt", "x2F_hax0rd.txt"),
        ("..&sol;hax0rd.txt", "sol_hax0rd.txt"),
        ("C:\\Windows\\", "upload"),
        ("/", "upload"),
        ("ends-with-slash/", "upload"),
        ("non-\x00printable\x00\n_chars.txt\x00", "non-printable_chars.txt"),
    ],
)
def test_safe_filename_django_cases(filename: str, expected: str) -> None:
    assert safe(filename) == expected


LONG = "f" * 300
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in range(10)
}


# Django's tests/file_uploads/tests.py::test_filename_overflow, at Roob's bound of 200
# characters (Django's is 255 and keeps any extension whole, even one of 300 characters,
# which leaves a name that is all extension: ".fff..."). Roob keeps an extension of up
# to 100 characters and otherwise cuts the whole name; a name never starts with a dot.
@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (f"{LONG}.txt", f"{LONG[:196]}.txt"),  # long_filename
        (f"foo.{LONG}", f"foo.{LONG[:196]}"),  # long_extension (Django: ".fff...")
        (LONG, LONG[:200]),  # no_extension
        (f".{LONG}", LONG[:200]),  # no_filename (Django: ".fff...")
        (f"{LONG}.{LONG}", LONG[:200]),  # long_everything (Django: ".fff...")
        ("n" * 296 + ".txt", "n" * 196 + ".txt"),  # the outside review's name
        ("\u00e9" * 300 + ".png", "e" * 196 + ".png"),  # 600 bytes of UTF-8
        ("a" * 195 + "._" + "b" * 10 + ".txt", "a" * 195 + ".txt"),  # no "._" left at the cut
        ("CON" + "." + "x" * 300, "_CON." + "x" * 195),
    ],
)
def test_safe_filename_is_at_most_200_characters_keeping_the_extension(
    filename: str, expected: str
) -> None:
    assert safe(filename) == expected
    assert len(expected.encode()) <= SAFE_FILENAME_LIMIT == 200


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_filename_becomes_one_name_in_the_folder(filename: str) -> None:
    name = safe(filename)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
    assert not name.startswith(".")
    assert not name.endswith((".", "_"))
    assert len(name) <= SAFE_FILENAME_LIMIT
    assert name.partition(".")[0].upper() not in WINDOWS_DEVICES
    assert os.path.basename(name) == name


def test_the_documented_save_works_for_a_long_name(tmp_path) -> None:
    """docs/forms.md's ``picture.save(uploads / picture.safe_filename)`` with the name
    the outside review sent (296 characters and .txt): a 500 before, saved now."""
    app = Roob(static_dir=None)

    @app.post("/pictures")
    def upload(request):
        picture = request.files["picture"]
        picture.save(tmp_path / picture.safe_filename)
        return {"saved": picture.safe_filename}

    name = "n" * 296 + ".txt"
    response = TestClient(app).post("/pictures", files={"picture": (name, b"data", "text/plain")})
    assert response.status_code == 200
    saved = response.json()["saved"]
    assert saved == "n" * 196 + ".txt"
    assert (tmp_path / saved).read_bytes() == b"data"


def test_uploaded_file_made_by_hand() -> None:
    upload = UploadedFile(io.BytesIO(b"hello"), "notes.txt", content_type="text/plain")
    assert (upload.size, upload.read(), upload.name, upload.headers) == (5, b"hello", "", {})
    assert repr(upload) == (
        "UploadedFile(name='', filename='notes.txt', content_type='text/plain', size=5)"
    )


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
            "multipart/form-data; boundary=XyZ",
            "Malformed multipart",
        ),
        (b"garbage", "multipart/form-data; boundary=XyZ", "Malformed multipart"),
        (b"--XyZ--\r\n", "multipart/form-data", "without a boundary"),
        (b"a=%FF", "application/x-www-form-urlencoded", "not valid UTF-8"),
        (
            b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--XyZ--\r\n',
            "multipart/form-data; boundary=XyZ",
            "not valid UTF-8",
        ),
        (
            b"&".join(b"f=1" for _ in range(1001)),
            "application/x-www-form-urlencoded",
            "more than 1000 fields",
        ),
    ],
)
def test_malformed_forms_are_a_400(app: Roob, body: bytes, content_type: str, message: str) -> None:
    response = TestClient(app).post("/echo", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_the_body_limit_applies_to_forms(app: Roob) -> None:
    body, headers = multipart(field("a", b"x" * (2 * 2**20)))
    response = TestClient(app).post("/echo", data=body, headers=headers)
    assert response.status_code == 413
    response = TestClient(app).post("/echo", data={"a": "x" * (2 * 2**20)})
    assert response.status_code == 413


def chunked_environ(body: bytes) -> dict[str, object]:
    return {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True, "CONTENT_LENGTH": ""}


def test_chunked_multipart_is_read_up_to_the_limit() -> None:
    app = Roob(static_dir=None, max_body_size=1000)

    @app.post("/up")
    def up(request):
        return {"a": request.form["a"]}

    client = TestClient(app, validate=False)
    body, headers = multipart(field("a", b"small"))
    assert client.post("/up", headers=headers, environ=chunked_environ(body)).json() == {
        "a": "small"
    }
    body, headers = multipart(field("a", b"x" * 2000))
    assert client.post("/up", headers=headers, environ=chunked_environ(body)).status_code == 413


def test_no_length_and_no_end_marker_is_an_empty_form(app: Roob) -> None:
    body, headers = multipart(field("a", b"1"))
    environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": ""}
    response = TestClient(app, validate=False).post("/echo", headers=headers, environ=environ)
    assert response.json() == {"form": {}, "files": {}}


def test_a_body_the_server_cannot_read_is_a_400(app: Roob) -> None:
    class Broken:
        def read(self, size: int = -1) -> bytes:
            raise OSError("chunk size is not hex")

    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    environ = {"wsgi.input": Broken(), "wsgi.input_terminated": True, "CONTENT_LENGTH": ""}
    response = TestClient(app, validate=False).post("/echo", headers=headers, environ=environ)
    assert response.status_code == 400


def test_per_route_body_limit_raises_and_lowers_the_application_limit() -> None:
    app = Roob(static_dir=None, max_body_size=100)
    read: list[str] = []

    @app.post("/big", max_body_size=10_000)
    def big(request):
        return {"size": len(request.body)}

    @app.post("/tiny", max_body_size=10)
    def tiny(request):
        read.append("called")
        return {}

    @app.post("/default")
    def default(request):
        return {"size": len(request.body)}

    client = TestClient(app)
    assert client.post("/big", data=b"x" * 5000).json() == {"size": 5000}
    assert client.post("/default", data=b"x" * 5000).status_code == 413
    response = client.post("/tiny", data=b"x" * 11)
    assert response.status_code == 413
    assert "limit of 10 bytes" in response.json()["message"]
    assert read == []  # refused from its Content-Length, before the view ran


def test_form_and_file_parameters() -> None:
    app = Roob(static_dir=None)

    @app.post("/notes")
    def create(
        request,
        title: Annotated[str, Form()],
        tags: Annotated[list[str], Form(alias="tag")] = [],  # noqa: B006
        copies: Annotated[int, Form()] = 1,
        doc: Annotated[UploadedFile | None, File()] = None,
        extra: Annotated[list[UploadedFile], File()] = [],  # noqa: B006
    ):
        return {
            "title": title,
            "tags": tags,
            "copies": copies,
            "doc": doc.filename if doc else None,
            "extra": [f.filename for f in extra],
        }

    client = TestClient(app)
    response = client.post(
        "/notes",
        data={"title": "T", "tag": ["a", "b"], "copies": "3"},
        files={"doc": ("d.txt", b"d", "text/plain"), "extra": ("e.txt", b"e", "text/plain")},
    )
    assert response.json() == {
        "title": "T",
        "tags": ["a", "b"],
        "copies": 3,
        "doc": "d.txt",
        "extra": ["e.txt"],
    }
    assert client.post("/notes", data={"title": "T"}).json() == {
        "title": "T",
        "tags": [],
        "copies": 1,
        "doc": None,
        "extra": [],
    }
    response = client.post("/notes", data={"copies": "many"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["form", "title"], ["form", "copies"]]

    document = app.openapi()["paths"]["/notes"]["post"]
    assert "parameters" not in document
    schema = document["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["title"]
    assert set(schema["properties"]) == {"title", "tag", "copies", "doc", "extra"}
    assert {"type": "string", "format": "binary"} in schema["properties"]["doc"]["anyOf"]


def test_a_form_without_files_is_documented_as_urlencoded() -> None:
    app = Roob(static_dir=None)

    @app.post("/login")
    def login(request, user: Annotated[str, Form()] = "anonymous"):
        return {"user": user}

    body = app.openapi()["paths"]["/login"]["post"]["requestBody"]
    assert body["required"] is False
    assert list(body["content"]) == ["application/x-www-form-urlencoded"]


def test_a_file_parameter_must_be_typed_uploaded_file() -> None:
    app = Roob(static_dir=None)

    def upload(request, doc: Annotated[bytes, File()]):
        return {}

    with pytest.raises(
        ConfigurationError, match=r"route '/up'.*File\(\) parameter 'doc'.*roob.UploadedFile"
    ):
        app.add_route("/up", upload, ["POST"])


def test_request_post_holds_the_fields_and_the_files_without_cgi(app: Roob) -> None:
    @app.post("/post")
    def post(request):
        return {
            name: value if isinstance(value, str) else repr(type(value).__name__)
            for name, value in request.POST.items()
        }

    response = TestClient(app).post(
        "/post", data={"a": "1"}, files={"f": ("f.txt", b"x", "text/plain")}
    )
    assert response.json() == {"a": "1", "f": "'UploadedFile'"}


def test_a_text_field_over_the_field_limit_is_a_413() -> None:
    from roob.forms import FIELD_LIMIT

    app = Roob(static_dir=None, max_body_size=4 * FIELD_LIMIT)

    @app.post("/up")
    def up(request):
        return {"n": len(request.form)}

    body, headers = multipart(field("big", b"x" * (FIELD_LIMIT + 1)))
    response = TestClient(app).post("/up", data=body, headers=headers)
    assert response.status_code == 413
    assert "form field 'big' is larger than" in response.json()["message"]
    body, headers = multipart(field("fits", b"x" * FIELD_LIMIT))
    assert TestClient(app).post("/up", data=body, headers=headers).json() == {"n": 1}


# --- a field the client left out -----------------------------------------------------


def test_a_missing_field_read_the_docs_way_is_a_400_naming_it() -> None:
    """docs/forms.md's view, posted without its title (the outside review: a 500)."""
    app = Roob(static_dir=None)

    @app.post("/notes")
    def create(request):
        return {"title": request.form["title"], "tags": request.form.getall("tag")}, 201

    client = TestClient(app)
    response = client.post("/notes", data={"tag": "a"})
    assert response.status_code == 400
    assert response.json() == {"message": "The form has no field 'title'"}
    body, headers = multipart(field("tag", b"a"))
    assert client.post("/notes", data=body, headers=headers).status_code == 400
    assert client.post("/notes", data={"title": "T"}).status_code == 201


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda request: request.files["picture"], "The form has no file 'picture'"),
        (lambda request: request.POST["title"], "The form has no field 'title'"),
        (lambda request: request.form.getone("title"), "The form has no field 'title'"),
        (lambda request: request.form.getone("tag"), "The form has 2 fields 'tag', not one"),
        (lambda request: request.form.pop("title"), "The form has no field 'title'"),
        (lambda request: request.files.pop("picture"), "The form has no file 'picture'"),
    ],
    ids=["files", "POST", "getone", "getone-twice", "pop", "files-pop"],
)
def test_every_way_of_reading_a_missing_field_is_a_400(read, message: str) -> None:
    app = Roob(static_dir=None)
    app.add_route("/f", lambda request: {"value": read(request)}, ["POST"])
    body, headers = multipart(field("tag", b"a"), field("tag", b"b"))
    response = TestClient(app).post("/f", data=body, headers=headers)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_a_form_read_from_a_body_that_is_not_a_form_is_a_400() -> None:
    app = Roob(static_dir=None)
    app.add_route("/f", lambda request: {"title": request.form["title"]}, ["POST"])
    response = TestClient(app).post("/f", json={"title": "T"})
    assert response.status_code == 400


def test_a_missing_field_is_still_a_key_error_and_get_gives_none() -> None:
    app = Roob(static_dir=None)
    caught: list[KeyError] = []

    @app.post("/f")
    def view(request):
        try:
            request.form["title"]
        except KeyError as exc:  # code written for a dict keeps working
            caught.append(exc)
        return {
            "get": request.form.get("title"),
            "file": request.files.get("picture"),
            "default": request.form.pop("title", "none"),
            "one": request.form.getone("tag"),
            "copy": type(request.form.copy()).__name__,
        }

    body, headers = multipart(field("tag", b"a"))
    assert TestClient(app).post("/f", data=body, headers=headers).json() == {
        "get": None,
        "file": None,
        "default": "none",
        "one": "a",
        "copy": "FormFields",
    }
    [missing] = caught
    assert isinstance(missing, MissingField)
    assert isinstance(missing, BadRequest)
    assert (missing.key, missing.status) == ("title", 400)
    assert str(MissingField("x")) == "400: The form has no field 'x'"


# --- uploaded files end with the request ---------------------------------------------


def open_temporary_files() -> set[str]:
    """The deleted-but-open files of this process: the spooled uploads still held."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor os.listdir itself used, now closed
            continue
        if target.endswith("(deleted)"):
            found.add(target)
    return found


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The garbage collector off: only Roob's closing, not a collection, frees a file."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd (Linux)")
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


BIG = b"z" * (SPOOL_LIMIT * 4)  # spooled to a temporary file


def upload_app(kept: list[UploadedFile]) -> Roob:
    app = Roob(static_dir=None, max_body_size=10 * 2**20)

    @app.post("/dict")
    def as_dict(request):
        kept.extend(request.files.values())
        return {"size": request.files["doc"].size}

    @app.post("/response")
    def as_response(request):
        kept.extend(request.files.values())
        return Response(text=str(request.files["doc"].size))

    @app.post("/raises")
    def raises(request):
        kept.extend(request.files.values())
        raise RuntimeError("the view failed after reading the files")

    @app.post("/stream")
    def stream(request):
        upload = request.files["doc"]
        kept.append(upload)

        def chunks():
            while block := upload.file.read(SPOOL_LIMIT):
                yield block

        return Response(app_iter=chunks())

    @app.post("/tuple")
    def as_tuple(request):  # not a list: sent as a stream that cannot fail
        kept.extend(request.files.values())
        return Response(app_iter=(str(request.files["doc"].size).encode(),))

    @app.post("/stream/fails")
    def fails(request):
        def chunks():  # breaks before its first byte: the client gets a whole 500
            kept.extend(request.files.values())
            raise RuntimeError("the body failed")
            yield b""

        return Response(app_iter=chunks())

    @app.post("/stream/lazy")
    def lazy(request):
        def chunks():  # the body is parsed while the answer is sent
            upload = request.files["doc"]
            kept.append(upload)
            yield upload.read()

        return Response(app_iter=chunks())

    return app


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/dict", 200),
        ("/response", 200),
        ("/raises", 500),
        ("/stream", 200),
        ("/stream/lazy", 200),
        ("/stream/fails", 500),
        ("/tuple", 200),
    ],
)
def test_every_uploaded_file_is_closed_when_the_request_ends(no_gc, path: str, status: int) -> None:
    kept: list[UploadedFile] = []
    client = TestClient(upload_app(kept))
    before = open_temporary_files()
    for _ in range(5):
        response = client.post(
            path, files={"doc": ("a.bin", BIG), "other": ("b.bin", BIG)}, data={"t": "x"}
        )
        assert response.status_code == status
        if path in ("/stream", "/stream/lazy"):
            assert response.content == BIG
    assert open_temporary_files() == before
    assert kept
    assert all(upload.file.closed for upload in kept)


@pytest.mark.parametrize("hook", ["before", "after"])
def test_the_files_are_closed_when_a_hook_raises(no_gc, hook: str) -> None:
    kept: list[UploadedFile] = []
    app = Roob(static_dir=None)

    def reads_then_fails(request, response=None):
        kept.extend(request.files.values())
        raise RuntimeError(f"the {hook} hook failed")

    if hook == "before":
        app.before_request(lambda request: reads_then_fails(request))
    else:
        app.after_request(reads_then_fails)
    app.add_route("/up", lambda request: {"files": len(request.files)}, ["POST"])
    before = open_temporary_files()
    response = TestClient(app).post("/up", files={"doc": ("a.bin", BIG)})
    assert response.status_code == 500
    assert kept[0].file.closed
    assert open_temporary_files() == before


def test_the_files_of_a_streamed_answer_stay_open_until_the_server_closes_it(no_gc) -> None:
    kept: list[UploadedFile] = []
    app = upload_app(kept)
    body, headers = multipart(
        b'Content-Disposition: form-data; name="doc"; filename="a.bin"\r\n\r\n' + BIG
    )
    environ = webob.Request.blank("/stream", method="POST", body=body, headers=headers).environ
    before = open_temporary_files()
    sent = app(environ, lambda status, headers, exc_info=None: None)
    first = next(iter(sent))  # the server sends a chunk, then the client leaves
    assert first == BIG[:SPOOL_LIMIT]
    assert not kept[0].file.closed
    assert len(open_temporary_files()) == len(before) + 1
    sent.close()  # what the server does when the client is gone
    assert kept[0].file.closed
    assert open_temporary_files() == before


@pytest.mark.parametrize(
    ("tail", "status"),
    [
        (b"", 400),  # cut short inside the second file
        (b"z" * (3 * 2**20), 413),  # over the route's limit inside the second file
    ],
    ids=["malformed", "too-large"],
)
def test_the_files_of_a_body_that_fails_to_parse_are_closed_at_once(
    no_gc, tail: bytes, status: int
) -> None:
    app = Roob(static_dir=None, max_body_size=2**20)
    app.add_route("/up", lambda request: {"n": len(request.files)}, ["POST"])
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="a"; filename="a.bin"\r\n\r\n'
        + BIG
        + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="b"; filename="b.bin"\r\n\r\n'
        + BIG
        + tail
    )
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    before = open_temporary_files()
    client = TestClient(app, validate=False)
    response = client.post("/up", data=body, headers=headers, environ=chunked_environ(body))
    assert response.status_code == status
    assert open_temporary_files() == before


def test_request_close_closes_the_files_of_a_request_made_by_hand() -> None:
    body, headers = multipart(
        b'Content-Disposition: form-data; name="doc"; filename="a.txt"\r\n\r\nhello'
    )
    request = Request.blank("/", method="POST", body=body, headers=headers)
    upload = request.files["doc"]
    assert upload.read() == b"hello"
    request.close()
    assert upload.file.closed
    request.close()  # once is enough; twice does nothing
