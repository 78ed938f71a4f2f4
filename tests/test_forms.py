"""request.form, request.files, Form() and File() parameters, per-route body limits."""

from __future__ import annotations

import hashlib
import io
from typing import Annotated

import pytest

from roob import ConfigurationError, File, Form, Roob, UploadedFile
from roob.forms import SPOOL_LIMIT
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
        assert upload._part.file is None
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


@pytest.mark.parametrize(
    ("filename", "safe"),
    [("C:\\Users\\me\\report.pdf", "report.pdf"), ("...", "upload"), ("é.txt", "txt")],
)
def test_safe_filename(filename: str, safe: str) -> None:
    class Part:
        name = "f"
        content_type = "text/plain"
        size = 0
        headerlist = ()

    part = Part()
    part.filename = filename  # type: ignore[attr-defined]
    assert UploadedFile(part).safe_filename == safe


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
