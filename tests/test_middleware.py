"""roob/middleware.py: ErrorHandlerMiddleware, SecurityHeadersMiddleware, CORSMiddleware."""

from __future__ import annotations

import logging

import pytest

from roob import CORSMiddleware, ErrorHandlerMiddleware, Response, SecurityHeadersMiddleware
from roob.testing import TestClient

INTERNAL_ERROR = {"message": "Internal Server Error"}


# --- raw WSGI applications that fail at different moments -------------------


def fails_on_call(environ, start_response):
    raise ValueError("secret detail")


def fails_before_start_response(environ, start_response):
    raise ValueError("secret detail")
    yield b"never"  # pragma: no cover - makes this a generator


def fails_after_start_response(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    raise ValueError("secret detail")
    yield b"never"  # pragma: no cover


def fails_after_empty_chunks(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b""
    yield b""
    raise ValueError("secret detail")


def fails_after_first_chunk(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"partial"
    raise ValueError("secret detail")


def works(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"all "
    yield b"good"


BEFORE_THE_BODY = [
    fails_on_call,
    fails_before_start_response,
    fails_after_start_response,
    fails_after_empty_chunks,
]


class ClosingBody:
    """An app_iter that records whether the server closed it."""

    def __init__(self, chunks, fail_at=None):
        self.chunks = chunks
        self.fail_at = fail_at
        self.closed = False

    def __iter__(self):
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_at:
                raise ValueError("secret detail")
            yield chunk

    def close(self):
        self.closed = True


# --- ErrorHandlerMiddleware through TestClient (wsgiref.validate) ------------


@pytest.mark.parametrize("wrapped", BEFORE_THE_BODY)
def test_an_error_before_the_body_is_a_500_json(wrapped, caplog):
    client = TestClient(ErrorHandlerMiddleware(app=wrapped))
    response = client.get("/orders")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == INTERNAL_ERROR
    assert "secret detail" not in response.text
    [record] = [r for r in caplog.records if r.name == "roob"]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info[1], ValueError)
    assert "/orders" in record.getMessage()


@pytest.mark.parametrize("wrapped", BEFORE_THE_BODY)
def test_debug_shows_the_exception_text(wrapped):
    response = TestClient(ErrorHandlerMiddleware(app=wrapped, debug=True)).get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "ValueError: secret detail"}


@pytest.mark.parametrize("wrapped", BEFORE_THE_BODY)
def test_head_gets_the_500_without_body(wrapped):
    response = TestClient(ErrorHandlerMiddleware(app=wrapped)).head("/")
    assert response.status_code == 500
    assert response.content == b""


def test_an_error_after_the_first_chunk_cuts_the_response_short(caplog):
    response = TestClient(ErrorHandlerMiddleware(app=fails_after_first_chunk)).get("/stream")
    assert response.status_code == 200
    assert response.content == b"partial"
    [record] = [r for r in caplog.records if r.name == "roob"]
    assert "cut short" in record.getMessage()
    assert isinstance(record.exc_info[1], ValueError)


def test_a_working_app_passes_through():
    response = TestClient(ErrorHandlerMiddleware(app=works)).get("/")
    assert response.status_code == 200
    assert response.text == "all good"


# --- ErrorHandlerMiddleware called directly ----------------------------------


def test_an_error_on_call_starts_the_response_with_exc_info(call_wsgi):
    start_response, body = call_wsgi(ErrorHandlerMiddleware(app=fails_on_call))
    assert len(start_response.calls) == 1
    assert start_response.status == "500 Internal Server Error"
    assert start_response.headers["Content-Type"] == "application/json"
    assert start_response.headers["Content-Length"] == str(len(body))
    assert isinstance(start_response.exc_info[1], ValueError)
    assert body == b'{"message":"Internal Server Error"}'


def test_an_error_while_iterating_replaces_the_started_response(call_wsgi):
    start_response, body = call_wsgi(ErrorHandlerMiddleware(app=fails_after_empty_chunks))
    # PEP 3333: a second start_response call, with exc_info, before any body was sent
    assert [call[0] for call in start_response.calls] == ["200 OK", "500 Internal Server Error"]
    assert start_response.calls[0][2] is None
    exc_type, exc, _ = start_response.exc_info
    assert exc_type is ValueError
    assert str(exc) == "secret detail"
    assert body == b'{"message":"Internal Server Error"}'


def test_after_the_first_chunk_nothing_is_restarted(call_wsgi):
    start_response, body = call_wsgi(ErrorHandlerMiddleware(app=fails_after_first_chunk))
    assert [call[0] for call in start_response.calls] == ["200 OK"]
    assert body == b"partial"


def test_a_list_body_is_returned_as_it_is(start_response):
    body = [b"ready"]

    def listing(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    assert ErrorHandlerMiddleware(app=listing)({"REQUEST_METHOD": "GET"}, start_response) is body


@pytest.mark.parametrize("fail_at", [None, 0, 1], ids=["success", "before-body", "mid-body"])
def test_the_wrapped_body_is_closed(call_wsgi, fail_at):
    body = ClosingBody([b"one", b"two"], fail_at=fail_at)

    def closing(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    _, content = call_wsgi(ErrorHandlerMiddleware(app=closing))
    assert body.closed
    assert (
        content == {None: b"onetwo", 0: b'{"message":"Internal Server Error"}', 1: b"one"}[fail_at]
    )


def test_the_wrapped_body_is_closed_through_test_client():
    body = ClosingBody([b"one"], fail_at=0)

    def closing(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    assert TestClient(ErrorHandlerMiddleware(app=closing)).get("/").status_code == 500
    assert body.closed


# --- ErrorHandlerMiddleware around a Roob application -----------------------


def streaming_view(request):
    def stream(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        raise RuntimeError("stream broke")
        yield b""  # pragma: no cover

    return stream


def test_it_catches_what_escapes_a_roob_application(app):
    app.add_route("/stream", streaming_view)
    wrapped = ErrorHandlerMiddleware(app=app)
    response = TestClient(wrapped).get("/stream")
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert TestClient(wrapped).get("/missing").status_code == 404


def test_it_can_be_added_as_middleware(app, client):
    app.add_route("/stream", streaming_view)
    app.add_middleware(ErrorHandlerMiddleware, debug=True)
    response = client.get("/stream")
    assert response.status_code == 500
    assert response.json() == {"message": "RuntimeError: stream broke"}


# --- SecurityHeadersMiddleware ----------------------------------------------


@pytest.fixture
def secure_app(app):
    @app.get("/api")
    def api(request):
        return {"ok": True}

    @app.get("/page")
    def page(request):
        return "<h1>page</h1>"

    @app.get("/framed")
    def framed(request):
        return "<h1>framed</h1>", 200, {"X-Frame-Options": "SAMEORIGIN"}

    return app


def test_security_headers_on_every_response(secure_app, client):
    secure_app.add_middleware(SecurityHeadersMiddleware)
    for path in ("/api", "/page", "/missing"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers


def test_html_gets_csp_and_frame_protection(secure_app, client):
    secure_app.add_middleware(SecurityHeadersMiddleware)
    page = client.get("/page").headers
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    api = client.get("/api").headers
    assert "Content-Security-Policy" not in api
    assert "X-Frame-Options" not in api


def test_headers_the_app_set_are_kept(secure_app, client):
    secure_app.add_middleware(SecurityHeadersMiddleware)
    assert client.get("/framed").headers.getall("X-Frame-Options") == ["SAMEORIGIN"]


def test_security_headers_are_configurable(secure_app, client):
    secure_app.add_middleware(
        SecurityHeadersMiddleware,
        content_security_policy=None,
        frame_options="SAMEORIGIN",
        referrer_policy=None,
        content_type_options=False,
        strict_transport_security="max-age=63072000",
    )
    headers = client.get("/page").headers
    assert "Content-Security-Policy" not in headers
    assert "Referrer-Policy" not in headers
    assert "X-Content-Type-Options" not in headers
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Strict-Transport-Security"] == "max-age=63072000"


# --- CORSMiddleware ---------------------------------------------------------


@pytest.fixture
def api(app):
    calls = []

    @app.route("/items", methods=["GET", "POST"])
    def items(request):
        calls.append(request.method)
        return Response(json=[1], headers={"Vary": "Accept"})

    app.calls = calls
    return app


def test_no_origin_no_cors_headers(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    headers = client.get("/items").headers
    assert "Access-Control-Allow-Origin" not in headers
    assert headers["Vary"] == "Accept"


def test_an_allowed_origin_is_echoed(api, client):
    api.add_middleware(
        CORSMiddleware, allow_origins=["https://shop.example"], expose_headers=["X-Total"]
    )
    response = client.get("/items", headers={"Origin": "https://shop.example"})
    assert response.json() == [1]
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert response.headers.getall("Vary") == ["Accept, Origin"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_another_origin_gets_no_cors_headers(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    response = client.get("/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_any_origin(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["*"])
    response = client.get("/items", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Vary"] == "Accept"


def test_any_origin_with_credentials_echoes_the_origin(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    response = client.get("/items", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://anyone.example"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]


def test_cors_headers_on_error_responses(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    response = client.get("/missing", headers={"Origin": "https://shop.example"})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"


def preflight(client, origin="https://shop.example", method="POST", headers="Content-Type"):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/items", headers=request_headers)


def test_a_preflight_is_answered_without_the_app(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"], max_age=120)
    response = preflight(client)
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].split(", ")
    assert response.headers["Access-Control-Max-Age"] == "120"
    assert api.calls == []


def test_any_header_is_allowed_with_a_star(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_headers=["*"])
    response = preflight(client, headers="X-Custom, X-Other")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Headers"] == "x-custom, x-other"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"origin": "https://evil.example"}, "origin 'https://evil.example' is not allowed"),
        ({"method": "DELETE"}, "method DELETE is not allowed"),
        ({"headers": "Content-Type, X-Secret"}, "headers are not allowed: x-secret"),
    ],
    ids=["origin", "method", "header"],
)
def test_a_refused_preflight_is_a_400_saying_why(api, client, kwargs, fragment):
    api.add_middleware(
        CORSMiddleware, allow_origins=["https://shop.example"], allow_methods=["GET", "POST"]
    )
    response = preflight(client, **kwargs)
    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert api.calls == []


def test_a_plain_options_request_reaches_the_app(api, client):
    api.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    response = client.options("/items", headers={"Origin": "https://shop.example"})
    assert response.status_code == 204
    assert "GET" in response.headers["Allow"]


def test_a_credentialed_preflight_without_requested_headers(api, client):
    api.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_headers=["*"], allow_credentials=True
    )
    response = preflight(client, origin="https://anyone.example", headers=None)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://anyone.example"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Headers" not in response.headers


def test_vary_origin_is_not_added_twice(app, client):
    @app.get("/varied")
    def varied(request):
        return Response(json=[1], headers={"Vary": "Accept, origin"})

    app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"])
    response = client.get("/varied", headers={"Origin": "https://shop.example"})
    assert response.headers["Vary"] == "Accept, origin"
