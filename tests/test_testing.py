"""roob/testing.py: TestClient runs any WSGI application like a strict server."""

from __future__ import annotations

import sys

import pytest

from roob import Response, Roob
from roob.testing import TestClient, TestResponse, TooManyRedirects

METHODS = ["get", "post", "put", "patch", "delete", "head", "options"]


@pytest.fixture
def echo():
    """A Roob app that answers every method with what it received."""
    app = Roob(static_dir=None)

    def echo_view(request):
        return {
            "method": request.method,
            "path": request.path,
            "query": dict(request.GET),
            "content_type": request.content_type,
            "body": request.body.decode(),
            "headers": {k: v for k, v in request.headers.items() if k.startswith("X-")},
            "url": request.url,
        }

    app.add_route("/echo", echo_view, ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    return app


def raw_app(status="200 OK", headers=None, body=(b"ok",)):
    def wsgi(environ, start_response):
        start_response(status, headers or [("Content-Type", "text/plain")])
        return list(body)

    return wsgi


@pytest.mark.parametrize("method", METHODS)
def test_every_method(echo, method):
    response = getattr(TestClient(echo), method)("/echo")
    assert response.status_code == 200
    if method == "head":
        assert response.content == b""
    else:
        assert response.json()["method"] == method.upper()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_json_body(echo, method):
    response = getattr(TestClient(echo), method)("/echo", json={"a": [1, "é"]})
    sent = response.json()
    assert sent["content_type"] == "application/json"
    assert sent["body"] == '{"a": [1, "\\u00e9"]}'


def test_json_keeps_a_given_content_type(echo):
    response = TestClient(echo).post(
        "/echo", json=[1], headers={"Content-Type": "application/vnd.api+json"}
    )
    assert response.json()["content_type"] == "application/vnd.api+json"


@pytest.mark.parametrize(
    ("data", "content_type", "body"),
    [
        ({"a": "1", "b": ["x", "y"]}, "application/x-www-form-urlencoded", "a=1&b=x&b=y"),
        ("plain ☃", "", "plain ☃"),
        (b"raw", "", "raw"),
        (bytearray(b"array"), "", "array"),
    ],
    ids=["mapping", "str", "bytes", "bytearray"],
)
def test_data_body(echo, data, content_type, body):
    sent = TestClient(echo).post("/echo", data=data).json()
    assert sent["content_type"] == content_type
    assert sent["body"] == body


def test_json_and_data_together_are_refused(echo):
    with pytest.raises(TypeError, match="json= or data="):
        TestClient(echo).post("/echo", json={}, data=b"")


def test_headers_as_dict_or_pairs_and_defaults(echo):
    client = TestClient(echo, headers={"X-Default": "d", "X-Over": "default"})
    sent = client.get("/echo", headers=[("X-Over", "request"), ("X-Pair", "p")]).json()
    assert sent["headers"] == {"X-Default": "d", "X-Over": "request", "X-Pair": "p"}
    assert client.get("/echo", headers={"X-Dict": "1"}).json()["headers"]["X-Dict"] == "1"


def test_query(echo):
    client = TestClient(echo)
    assert client.get("/echo", query={"q": "tab", "tag": ["a", "b"]}).json()["query"] == {
        "q": "tab",
        "tag": "b",
    }
    assert client.get("/echo?page=2", query={"q": "x"}).json()["query"] == {"page": "2", "q": "x"}


def test_base_url(echo):
    client = TestClient(echo, base_url="https://shop.example:8443")
    assert client.get("/echo").json()["url"] == "https://shop.example:8443/echo"
    assert TestClient(echo).get("/echo").json()["url"] == "http://testserver/echo"


def test_environ_is_merged(echo):
    sent = TestClient(echo).get("/echo", environ={"HTTP_X_FROM_ENVIRON": "yes"}).json()
    assert sent["headers"] == {"X-From-Environ": "yes"}


def test_response_attributes():
    app = raw_app(
        "201 Created",
        [("Content-Type", "text/plain; charset=latin-1"), ("X-Id", "7")],
        ["Grüße".encode("latin-1")],
    )
    response = TestClient(app).get("/")
    assert isinstance(response, TestResponse)
    assert response.status_code == 201
    assert response.status == "201 Created"
    assert response.headers["x-id"] == "7"
    assert response.content == "Grüße".encode("latin-1")
    assert response.text == "Grüße"
    assert repr(response) == "<TestResponse 201 Created>"


def test_json_method():
    response = TestClient(raw_app(body=[b'{"a": ', b"[1, 2]}"])).get("/")
    assert response.json() == {"a": [1, 2]}


def test_text_defaults_to_utf8():
    app = raw_app(headers=[("Content-Type", "application/json")], body=['"☃"'.encode()])
    assert TestClient(app).get("/").text == '"☃"'


def test_the_body_is_presented_like_a_server_does():
    seen = {}

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        seen["seekable"] = hasattr(stream, "seek")
        seen["webob_seekable"] = environ.get("webob.is_body_seekable")
        seen["length"] = environ.get("CONTENT_LENGTH")
        seen["body"] = stream.read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    TestClient(app).post("/", data=b"hello")
    assert seen == {"seekable": False, "webob_seekable": None, "length": "5", "body": b"hello"}


def test_a_roob_view_can_read_the_body_twice(echo):
    app = Roob(static_dir=None)

    @app.post("/")
    def twice(request):
        return {"first": request.body.decode(), "second": request.body.decode()}

    assert TestClient(app).post("/", data=b"abc").json() == {"first": "abc", "second": "abc"}


def test_a_written_body_is_collected():
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written, ")
        return [b"returned"]

    assert TestClient(app).get("/").text == "written, returned"


# --- WSGI violations fail the test ------------------------------------------


def returns_a_str(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return "not a list of bytes"


def yields_str(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["text, not bytes"]


@pytest.mark.parametrize(
    "app",
    [
        returns_a_str,
        yields_str,
        raw_app(headers=[("Content-Type", 5)]),
        raw_app(headers=[("Content-Type", "text/plain"), ("X-Bad", "a\nb")]),
        raw_app(headers=(("Content-Type", "text/plain"),)),
        raw_app(status=200),
        raw_app(status="20 OK"),
        raw_app(status="204 No Content", headers=[("Content-Type", "text/plain")], body=[]),
    ],
    ids=[
        "str-body",
        "str-chunk",
        "int-header-value",
        "newline-in-header",
        "headers-not-a-list",
        "int-status",
        "two-digit-status",
        "content-type-on-204",
    ],
)
def test_a_wsgi_violation_raises_assertion_error(app):
    with pytest.raises(AssertionError):
        TestClient(app).get("/")


def test_validation_can_be_turned_off():
    app = raw_app(status="204 No Content", headers=[("Content-Type", "text/plain")], body=[])
    with pytest.raises(AssertionError):
        TestClient(app).get("/")
    assert TestClient(app, validate=False).get("/").status_code == 204


def test_an_app_that_never_starts_the_response_fails():
    def silent(environ, start_response):
        return []

    with pytest.raises(AssertionError):
        TestClient(silent).get("/")
    with pytest.raises(AssertionError, match="start_response"):
        TestClient(silent, validate=False).get("/")


def test_start_response_twice_without_exc_info_fails():
    def twice(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b""]

    with pytest.raises(AssertionError, match="second time"):
        TestClient(twice, validate=False).get("/")


# --- responses are closed; exc_info is handled like a server ----------------


class ClosingBody:
    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = 0

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed += 1


@pytest.mark.parametrize("validate", [True, False])
def test_the_response_is_closed(validate):
    body = ClosingBody([b"a", b"b"])

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    assert TestClient(app, validate=validate).get("/").text == "ab"
    assert body.closed == 1


def test_a_generator_response_is_closed():
    finished = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            yield b"one"
        finally:
            finished.append(True)

    assert TestClient(app).get("/").text == "one"
    assert finished == [True]


@pytest.mark.parametrize("lazy", [True, False], ids=["generator", "started-on-call"])
def test_a_response_replaced_with_exc_info_before_the_body(lazy):
    class Body:
        def __iter__(self):
            try:
                raise ValueError("late")
            except ValueError:
                start("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            yield b"error page"

    def app(environ, start_response):
        nonlocal start
        start = start_response
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter(Body()) if lazy else Body()

    start = None
    response = TestClient(app).get("/")
    assert response.status_code == 500
    assert response.text == "error page"


def test_exc_info_after_the_body_started_is_raised():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"started"
        try:
            raise ValueError("too late")
        except ValueError:
            error_headers = [("Content-Type", "text/plain")]
            start_response("500 Internal Server Error", error_headers, sys.exc_info())

    with pytest.raises(ValueError, match="too late"):
        TestClient(app).get("/")


# --- cookies, uploads and redirects ---------------------------------------------------


@pytest.fixture
def site():
    app = Roob(static_dir=None)

    @app.post("/login")
    def login(request):
        response = Response(json={"ok": True})
        response.set_cookie("session", "s3cret", httponly=True)
        response.set_cookie("theme", "dark", path="/settings")
        return response

    @app.get("/whoami")
    def whoami(request):
        return {"cookies": dict(request.cookies)}

    @app.get("/settings/view")
    def settings(request):
        return {"cookies": dict(request.cookies)}

    @app.post("/logout")
    def logout(request):
        response = Response(json={"ok": True})
        response.delete_cookie("session")
        return response

    @app.post("/upload")
    def upload(request):
        document = request.files["document"]
        return {
            "title": request.form["title"],
            "filename": document.filename,
            "type": document.content_type,
            "content": document.file.read().decode(),
        }

    @app.route("/go/{hops:d}", methods=["GET", "POST"])
    def go(request, hops):
        if hops == 0:
            return {"arrived": request.method, "body": request.text}
        return None, 302, {"Location": f"/go/{hops - 1}"}

    @app.post("/keep")
    def keep(request):
        return None, 307, {"Location": "/go/0"}

    @app.post("/notes")
    def create_note(request):
        return None, 303, {"Location": "/go/0"}

    @app.get("/loop/{n:d}")
    def loop(request, n):
        return None, 302, {"Location": f"/loop/{1 - n}"}

    @app.get("/away")
    def away(request):
        return None, 302, {"Location": "https://elsewhere.example/"}

    return app


def test_the_client_keeps_cookies_as_a_browser_does(site):
    client = TestClient(site)
    assert client.get("/whoami").json() == {"cookies": {}}
    client.post("/login")
    assert client.cookies["session"] == "s3cret"
    assert client.get("/whoami").json() == {"cookies": {"session": "s3cret"}}
    assert client.get("/settings/view").json()["cookies"] == {"session": "s3cret", "theme": "dark"}
    client.post("/logout")
    assert "session" not in client.cookies
    assert client.get("/whoami").json() == {"cookies": {}}


def test_cookies_can_be_set_and_removed_by_the_test(site):
    client = TestClient(site)
    client.cookies["session"] = "forged"
    assert client.get("/whoami").json() == {"cookies": {"session": "forged"}}
    assert dict(client.cookies) == {"session": "forged"}
    assert repr(client.cookies) == "Cookies({'session': 'forged'})"
    del client.cookies["session"]
    assert len(client.cookies) == 0
    with pytest.raises(KeyError):
        del client.cookies["session"]
    with pytest.raises(KeyError):
        client.cookies["session"]


def test_files_are_uploaded_as_multipart_form_data(site):
    response = TestClient(site).post(
        "/upload",
        data={"title": "Report"},
        files={"document": ("report.txt", b"all good", "text/plain")},
    )
    assert response.json() == {
        "title": "Report", "filename": "report.txt", "type": "text/plain", "content": "all good"
    }  # fmt: skip


def test_a_file_without_a_type_is_sent_as_octet_stream(site):
    response = TestClient(site).post(
        "/upload", data={"title": ["a"]}, files={"document": ("d.bin", b"x")}
    )
    assert response.json()["type"] == "application/octet-stream"


def test_files_take_a_mapping_of_fields_only(site):
    with pytest.raises(TypeError, match="data= must be a mapping"):
        TestClient(site).post("/upload", data=b"raw", files={"document": ("d", b"x")})


def test_redirects_are_followed_on_request_with_their_history(site):
    client = TestClient(site)
    assert client.get("/go/2").status_code == 302  # not followed unless asked
    response = client.get("/go/2", follow_redirects=True)
    assert response.json() == {"arrived": "GET", "body": ""}
    assert response.url == "http://testserver/go/0"
    assert [(r.status_code, r.url) for r in response.history] == [
        (302, "http://testserver/go/2"), (302, "http://testserver/go/1")
    ]  # fmt: skip


def test_a_303_becomes_a_get_and_a_307_keeps_the_method_and_body(site):
    client = TestClient(site, follow_redirects=True)
    assert client.post("/notes", data="x").json() == {"arrived": "GET", "body": ""}
    assert client.post("/keep", data="kept").json() == {"arrived": "POST", "body": "kept"}
    assert client.post("/go/1", data="y").json() == {"arrived": "GET", "body": ""}  # 302 after POST


def test_a_post_redirected_back_to_its_url_as_a_get_is_no_loop():
    app = Roob(static_dir=None)
    app.add_route("/login", lambda request: (None, 303, {"Location": "/account"}), ["POST"])
    app.add_route("/login", lambda request: "the login form", ["GET"])
    app.add_route("/account", lambda request: (None, 302, {"Location": "/login"}))
    response = TestClient(app, follow_redirects=True).post("/login")
    assert response.text == "the login form"
    assert [r.status_code for r in response.history] == [303, 302]


def test_a_redirect_loop_stops_with_a_clear_error(site):
    with pytest.raises(
        TooManyRedirects, match=r"2 redirects \(/loop/0 -> /loop/1 -> /loop/0\): a redirect loop\?"
    ):
        TestClient(site).get("/loop/0", follow_redirects=True)
    with pytest.raises(TooManyRedirects, match="3 redirects"):
        TestClient(site, max_redirects=2).get("/go/5", follow_redirects=True)


def test_a_redirect_to_another_site_is_returned_not_followed(site):
    response = TestClient(site, follow_redirects=True).get("/away")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://elsewhere.example/"
