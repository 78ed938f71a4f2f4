"""The framework's bad-input matrix: what a hostile or broken client may send.

Each row is one request against an application with one route of each kind,
static files and views that echo the request back; each must get the status
in its row, never a 500, and a 4xx a JSON ``{"message": ...}`` that carries no
exception text. docs/security.md lists the rows with the tests elsewhere that
cover the same ground in more depth (tests/test_requests.py, test_responses.py,
test_staticfiles.py).
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from roob import Roob
from roob.testing import TestClient
from tests.test_requests import CountingInput, chunked

MIB = 1024 * 1024
LEAKS = ("Traceback", 'File "', "Error:", "Exception")


@pytest.fixture
def app(tmp_path, write_files):
    write_files(tmp_path, {"secret.txt": "password", "static/css/site.css": "body {}"})
    app = Roob(tmp_path, tmp_path / "static")

    @app.get("/items/{id:d}")
    def item(request, id):
        return {"id": id}

    @app.get("/ints/{n:int}")
    def integer(request, n):
        return {"n": n}

    @app.get("/floats/{x:f}")
    def floating(request, x):
        return {"x": x}

    @app.get("/uuids/{u:uuid}")
    def uuid_view(request, u):
        return {"u": str(u)}

    @app.get("/names/{name}")
    def name(request, name):
        return {"name": name}

    @app.get("/files/{rest:path}")
    def files(request, rest):
        return {"rest": rest}

    @app.post("/echo")
    def echo(request):
        return {"json": request.json}

    @app.post("/size")
    def size(request):
        return {"size": len(request.body)}

    @app.get("/search")
    def search(request):
        return dict(request.GET)

    @app.get("/header")
    def header(request):
        return "ok", 200, {"X-Echo": request.GET.get("v", "")}

    return app


@pytest.fixture
def client(app):
    return TestClient(app)


def raw_path(path: str, query: str = "") -> dict[str, str]:
    """The environ a server builds for an already percent-decoded, latin-1 path."""
    return {"PATH_INFO": path, "QUERY_STRING": query}


def latin1(raw: bytes) -> str:
    """Bytes as a WSGI server puts them in the environ (PEP 3333: latin-1 decoded)."""
    return raw.decode("latin-1")


DIGITS = "1" * 100_000

# (id, method, environ, body, expected status)
MATRIX = [
    # bodies
    ("malformed-json", "POST", raw_path("/echo"), b'{"a": }', 400),
    ("truncated-json", "POST", raw_path("/echo"), b'{"a": [1, 2', 400),
    ("json-nan", "POST", raw_path("/echo"), b'{"a": NaN}', 400),
    ("empty-json", "POST", raw_path("/echo"), b"", 400),
    ("deep-arrays", "POST", raw_path("/echo"), b"[" * 100_000 + b"]" * 100_000, 400),
    ("deep-objects", "POST", raw_path("/echo"), b'{"a":' * 50_000 + b"1" + b"}" * 50_000, 400),
    ("non-utf8-body", "POST", raw_path("/echo"), b'{"a": "\xff\xfe"}', 400),
    ("latin1-body", "POST", raw_path("/echo"), '{"a": "café"}'.encode("latin-1"), 400),
    ("utf16-body", "POST", raw_path("/echo"), '{"a": 1}'.encode("utf-16"), 400),
    ("lone-surrogate-echoed", "POST", raw_path("/echo"), b'{"\\ud800": "\\udfff"}', 200),
    # paths: a server has already percent-decoded PATH_INFO, so "%ZZ" is literal text
    ("bad-percent-in-path", "GET", raw_path("/names/%ZZ"), None, 200),
    ("bad-percent-in-int", "GET", raw_path("/items/%31%ZZ"), None, 404),
    ("non-utf8-path", "GET", raw_path(latin1(b"/names/\xff\xfe")), None, 400),
    ("overlong-utf8-path", "GET", raw_path(latin1(b"/names/\xc0\xaf")), None, 400),
    ("surrogate-utf8-path", "GET", raw_path(latin1(b"/names/\xed\xa0\x80")), None, 400),
    ("nul-in-path", "GET", raw_path("/names/a\x00b"), None, 400),
    ("nul-in-static-path", "GET", raw_path("/css/site.css\x00.txt"), None, 400),
    ("control-chars-in-path", "GET", raw_path("/names/a\x01\x1fb"), None, 200),
    ("100k-digit-id", "GET", raw_path(f"/items/{DIGITS}"), None, 404),
    ("100k-digit-int", "GET", raw_path(f"/ints/{DIGITS}"), None, 404),
    ("100k-digit-float", "GET", raw_path(f"/floats/{DIGITS}.5"), None, 404),
    ("huge-float", "GET", raw_path("/floats/1e999999"), None, 404),
    ("bad-uuid", "GET", raw_path("/uuids/not-a-uuid"), None, 404),
    ("long-segment", "GET", raw_path("/names/" + "x" * 100_000), None, 200),
    ("many-segments", "GET", raw_path("/files" + "/x" * 10_000), None, 200),
    # query strings: percent-decoding happens in the framework
    ("bad-percent-in-query", "GET", raw_path("/search", "q=%ZZ&r=%4"), None, 200),
    ("non-utf8-query", "GET", raw_path("/search", "q=%FF%FE"), None, 400),
    ("raw-non-utf8-query", "GET", raw_path("/search", latin1(b"q=\xff")), None, 400),
    ("non-utf8-query-name", "GET", raw_path("/search", "%C0%AF=1"), None, 400),
    ("nul-in-query", "GET", raw_path("/search", "q=a%00b"), None, 200),
    ("query-without-values", "GET", raw_path("/search", "&&=&a&=b"), None, 200),
    ("huge-query", "GET", raw_path("/search", "q=" + "x" * 100_000), None, 200),
    # a view putting request text into a response header
    ("crlf-into-header", "GET", raw_path("/header", "v=a%0D%0ASet-Cookie:%20x=1"), None, 400),
    ("lf-into-header", "GET", raw_path("/header", "v=a%0Ab"), None, 400),
    ("nul-into-header", "GET", raw_path("/header", "v=a%00b"), None, 400),
    ("non-latin1-into-header", "GET", raw_path("/header", "v=%E2%82%AC"), None, 400),
    ("latin1-into-header", "GET", raw_path("/header", "v=caf%C3%A9"), None, 200),
    # static files: traversal, encoded and not
    ("dot-dot", "GET", raw_path("/../secret.txt"), None, 404),
    ("dot-dot-deep", "GET", raw_path("/css/../../secret.txt"), None, 404),
    ("encoded-dot-dot", "GET", raw_path("/%2e%2e/secret.txt"), None, 404),
    ("encoded-slash", "GET", raw_path("/css%2f..%2f..%2fsecret.txt"), None, 404),
    ("encoded-backslash", "GET", raw_path("/css/..%5c..%5csecret.txt"), None, 404),
    ("backslash", "GET", raw_path("/css\\..\\..\\secret.txt"), None, 404),
    ("decoded-encoded-slash", "GET", raw_path("/css/..%252f..%252fsecret.txt"), None, 404),
    ("absolute", "GET", raw_path("//etc/passwd"), None, 404),
    ("static-file-still-served", "GET", raw_path("/css/site.css"), None, 200),
]


@pytest.mark.parametrize(
    ("method", "environ", "body", "status"),
    [row[1:] for row in MATRIX],
    ids=[row[0] for row in MATRIX],
)
def test_bad_input_gets_its_status_never_a_500(client, method, environ, body, status):
    response = client.request(method, "/", data=body, environ=environ)
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        message = response.json()["message"]
        assert not any(leak in message for leak in LEAKS), message
    assert "password" not in response.text


def test_an_echoed_lone_surrogate_is_sent_as_an_escape(client):
    response = client.post("/echo", data=b'{"\\ud800": "\\udfff"}')
    assert response.content == b'{"json":{"\\ud800":"\\udfff"}}'
    assert json.loads(response.content) == {"json": {"\ud800": "\udfff"}}


def test_no_header_is_split_by_a_line_break(client):
    response = client.get("/header", environ={"QUERY_STRING": "v=a%0D%0ASet-Cookie:%20x=1"})
    assert "Set-Cookie" not in response.headers
    assert "X-Echo" not in response.headers


def test_the_100k_digit_id_never_reaches_the_view(app, client):
    calls = []

    @app.get("/counted/{id:d}")
    def counted(request, id):
        calls.append(id)
        return {}

    assert client.get(f"/counted/{DIGITS}").status_code == 404
    assert calls == []


@pytest.mark.parametrize("path", ["/echo", "/size"])
def test_an_endless_chunked_body_is_413_and_memory_stays_bounded(client, path):
    stream = CountingInput(100 * MIB)  # as good as endless: 100 MiB announced by nothing
    tracemalloc.start()
    try:
        response = client.post(path, environ=chunked(stream))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert stream.read_bytes <= MIB + 64 * 1024
    assert peak < 4 * MIB


def test_a_huge_content_length_is_413_without_reading(client, unreadable_input):
    environ = {"wsgi.input": unreadable_input, "CONTENT_LENGTH": str(10**18)}
    response = client.post("/echo", environ=environ)
    assert response.status_code == 413


@pytest.mark.parametrize("debug", [False, True])
def test_exception_text_reaches_the_client_only_in_debug(tmp_path, debug):
    app = Roob(tmp_path, None, debug=debug)

    @app.get("/")
    def broken(request):
        raise KeyError("secret-column-name")

    response = TestClient(app).get("/")
    assert response.status_code == 500
    assert ("secret-column-name" in response.text) is debug
    assert ("Traceback" in response.text) is debug  # the debug page's JSON has it
