"""roob/middleware.py: ErrorHandlerMiddleware, SecurityHeadersMiddleware, CORSMiddleware."""

from __future__ import annotations

import logging
import sys

import pytest

from roob import (
    ConfigurationError,
    CORSMiddleware,
    ErrorHandlerMiddleware,
    Response,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
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


def test_an_error_after_the_first_chunk_is_logged_and_raised_for_the_server_to_abort(caplog):
    # A server that gets the exception aborts the connection (tests/integration).
    with pytest.raises(ValueError, match="secret detail"):
        TestClient(ErrorHandlerMiddleware(app=fails_after_first_chunk)).get("/stream")
    [record] = [r for r in caplog.records if r.name == "roob"]
    assert (
        record.getMessage() == "Error after the response started, connection aborted: GET /stream"
    )
    assert isinstance(record.exc_info[1], ValueError)


def test_a_working_app_passes_through():
    response = TestClient(ErrorHandlerMiddleware(app=works)).get("/")
    assert response.status_code == 200
    assert response.text == "all good"


# --- ErrorHandlerMiddleware called directly ----------------------------------


@pytest.mark.parametrize("app", BEFORE_THE_BODY, ids=lambda app: app.__name__)
def test_the_server_sees_only_the_500_when_no_body_was_sent(call_wsgi, app):
    start_response, body = call_wsgi(ErrorHandlerMiddleware(app=app))
    # The failed response's status and headers were held, never passed on.
    assert start_response.calls == [
        (
            "500 Internal Server Error",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            None,
        )
    ]
    assert body == b'{"message":"Internal Server Error"}'


def test_after_the_first_chunk_the_error_reaches_the_server(call_wsgi):
    with pytest.raises(ValueError, match="secret detail"):
        call_wsgi(ErrorHandlerMiddleware(app=fails_after_first_chunk))


def test_a_body_of_empty_chunks_only_is_started_when_it_ends(call_wsgi):
    def empty(environ, start_response):
        start_response("204 No Content", [])
        yield b""

    start_response, body = call_wsgi(ErrorHandlerMiddleware(app=empty))
    assert (start_response.status, body) == ("204 No Content", b"")


def test_the_legacy_write_callable_starts_the_response(call_wsgi):
    def writer(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written")
        return []

    start_response, _ = call_wsgi(ErrorHandlerMiddleware(app=writer))
    assert start_response.written == [b"written"]


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

    if fail_at == 1:
        with pytest.raises(ValueError, match="secret detail"):
            call_wsgi(ErrorHandlerMiddleware(app=closing))
    else:
        _, content = call_wsgi(ErrorHandlerMiddleware(app=closing))
        assert content == {None: b"onetwo", 0: b'{"message":"Internal Server Error"}'}[fail_at]
    assert body.closed


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
    def broken(environ, start_response):
        raise RuntimeError("outside the application")

    app.add_middleware(lambda wsgi: broken)  # a middleware that fails, under the handler
    app.add_middleware(ErrorHandlerMiddleware, debug=True)
    response = client.get("/anything")
    assert response.status_code == 500
    assert response.json() == {"message": "RuntimeError: outside the application"}


def test_a_roob_application_answers_a_stream_that_breaks_before_it_begins_itself(app, client):
    app.add_route("/stream", streaming_view)
    app.add_middleware(ErrorHandlerMiddleware, debug=True)
    response = client.get("/stream")
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR  # the application's own 500 (not in debug)
    assert response.headers["Content-Type"] == "application/json"


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


def test_a_late_start_response_with_exc_info_raises_the_error_for_the_server(call_wsgi):
    def writes_then_fails(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"sent")
        try:
            raise ValueError("after the write")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return []  # pragma: no cover - start_response raised

    with pytest.raises(ValueError, match="after the write"):
        call_wsgi(ErrorHandlerMiddleware(app=writes_then_fails))


def test_an_app_failing_after_a_legacy_write_is_not_restarted(call_wsgi):
    def writes_then_raises(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])(b"sent")
        raise ValueError("after the write")

    with pytest.raises(ValueError, match="after the write"):
        call_wsgi(ErrorHandlerMiddleware(app=writes_then_raises))


def test_a_body_without_close_is_streamed(call_wsgi):
    class Chunks:
        def __iter__(self):
            yield b"a"
            yield b"b"

    def plain(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Chunks()

    assert call_wsgi(ErrorHandlerMiddleware(app=plain))[1] == b"ab"


# --- TrustedHostMiddleware -----------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("shop.example", True),
        ("SHOP.example:8000", True),
        ("shop.example.", True),
        ("evil.example", False),
        ("shop.example.evil.example", False),
        ("api.example", True),
        ("v1.api.example", True),
        ("xapi.example", False),
        ("[::1]:8000", True),
        ("[::2]", False),
        ("", False),
        # forged: a host WebOb would take as evil.com when building URLs
        ("shop.example:@evil.com", False),
        ("evil.com/.api.example", False),
        ("evil.com#.api.example", False),
        ("evil.com?x=.api.example", False),
        ("shop.example:80x", False),
    ],
)
def test_trusted_hosts_are_names_domains_and_addresses(host, allowed):
    middleware = TrustedHostMiddleware(
        works, allowed_hosts=["shop.example", ".api.example", "[::1]"]
    )
    assert middleware.allows(host) is allowed


def test_a_host_that_is_not_allowed_gets_a_json_400(caplog):
    client = TestClient(TrustedHostMiddleware(works, allowed_hosts=["shop.example"]))
    assert client.get("/", headers={"Host": "shop.example"}).text == "all good"
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Requests for the host 'evil.example' are not served here"}
    assert "refused a request for the host 'evil.example'" in caplog.text


def test_an_ipv6_entry_may_be_written_with_or_without_brackets():
    middleware = TrustedHostMiddleware(works, allowed_hosts=["::1", "[::2]"])
    assert middleware.allows("[::1]:8000")
    assert middleware.allows("[::2]")


def test_a_body_closed_without_being_iterated_is_closed_all_the_same(start_response):
    body = ClosingBody([b"one"])

    def closing(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    ErrorHandlerMiddleware(app=closing)({"REQUEST_METHOD": "GET"}, start_response).close()
    assert body.closed


def test_an_error_after_bytes_is_logged_once_when_handlers_nest(caplog):
    nested = ErrorHandlerMiddleware(app=ErrorHandlerMiddleware(app=fails_after_first_chunk))
    with pytest.raises(ValueError, match="secret detail"):
        TestClient(nested).get("/stream")
    assert len([r for r in caplog.records if r.name == "roob"]) == 1


def test_any_host_is_allowed_with_a_star():
    assert TrustedHostMiddleware(works, allowed_hosts=["*"]).allows("anything.example")


@pytest.mark.parametrize("hosts", [[], [""], ["  "]])
def test_trusted_hosts_must_name_a_host(hosts):
    with pytest.raises(ConfigurationError, match="allowed_hosts must name at least one host"):
        TrustedHostMiddleware(works, allowed_hosts=hosts)
