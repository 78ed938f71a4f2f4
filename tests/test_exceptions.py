"""roob/exceptions.py: HTTP errors as responses, and the configuration errors."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import webob.exc

import roob
from roob import (
    BadRequest,
    ConfigurationError,
    HTTPError,
    InvalidRoute,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    Response,
    RouteConflict,
    Router,
    UnprocessableEntity,
)

# --- HTTPError --------------------------------------------------------------------


def test_http_error_holds_its_status_and_message():
    error = HTTPError(409, "Product 7 already exists")
    assert error.status == 409
    assert error.message == "Product 7 already exists"
    assert error.headers == []
    assert error.body() == {"message": "Product 7 already exists"}
    assert str(error) == "409: Product 7 already exists"
    assert repr(error) == "HTTPError(status=409, message='Product 7 already exists')"
    assert error.args == (409, "Product 7 already exists")


@pytest.mark.parametrize(
    ("status", "message"),
    [(None, "Internal Server Error"), (418, "I'm a Teapot"), (503, "Service Unavailable"), (499, "Error")],
)  # fmt: skip
def test_without_a_message_it_is_the_status_phrase(status, message):
    error = HTTPError(status)
    assert error.status == (status or 500)
    assert error.message == message


@pytest.mark.parametrize("status", [200, 302, 399, 600, 0])
def test_a_status_that_is_not_an_error_is_refused(status):
    with pytest.raises(ValueError, match=f"HTTPError status must be 4xx or 5xx, not {status}"):
        HTTPError(status, "nope")


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "30", "X-Limit": "10"}, [("Retry-After", "30"), ("X-Limit", "10")]],
    ids=["mapping", "pairs"],
)
def test_headers_and_extra_members_reach_the_response(app, client, headers):
    @app.get("/")
    def index(request):
        raise HTTPError(429, "Slow down", headers=headers, extra={"retry": 30})

    response = client.get("/")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-Limit"] == "10"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "Slow down", "retry": 30}


def test_a_subclass_may_fix_its_status(app, client):
    class PaymentRequired(HTTPError):
        status = 402

    @app.get("/")
    def index(request):
        raise PaymentRequired(message="Top up first")

    assert PaymentRequired().message == "Payment Required"
    response = client.get("/")
    assert response.status_code == 402
    assert response.json() == {"message": "Top up first"}


# --- the exported subclasses -----------------------------------------------------------

SUBCLASSES = [
    (BadRequest, 400),
    (NotFound, 404),
    (MethodNotAllowed, 405),
    (RequestEntityTooLarge, 413),
    (UnprocessableEntity, 422),
]


@pytest.mark.parametrize(("cls", "status"), SUBCLASSES, ids=[c.__name__ for c, _ in SUBCLASSES])
def test_each_subclass_has_its_status_and_phrase(cls, status):
    error = cls()
    assert isinstance(error, HTTPError)
    assert error.status == status
    assert error.message == HTTPStatus(status).phrase
    assert cls("why").message == "why"
    assert repr(cls("why")) == f"{cls.__name__}(status={status}, message='why')"
    assert cls.__name__ in roob.__all__


@pytest.mark.parametrize(("cls", "status"), SUBCLASSES, ids=[c.__name__ for c, _ in SUBCLASSES])
def test_each_subclass_raised_from_a_view_is_its_status_as_json(app, client, cls, status):
    @app.post("/")
    def index(request):
        raise cls(f"raised {cls.__name__}")

    response = client.post("/")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": f"raised {cls.__name__}"}


def test_errors_other_than_method_not_allowed_take_headers_and_extra(app, client):
    @app.post("/")
    def index(request):
        raise UnprocessableEntity(
            "Invalid product", extra={"errors": [{"field": "price"}]}, headers={"X-Form": "1"}
        )

    response = client.post("/")
    assert response.status_code == 422
    assert response.json() == {"message": "Invalid product", "errors": [{"field": "price"}]}
    assert response.headers["X-Form"] == "1"


def test_method_not_allowed_sends_its_allow_header(app, client):
    @app.get("/")
    def index(request):
        raise MethodNotAllowed("Read-only today", allowed=["GET", "HEAD"])

    error = MethodNotAllowed(allowed=("GET",))
    assert error.allowed == ("GET",)
    assert error.headers == [("Allow", "GET")]
    response = client.get("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json() == {"message": "Read-only today"}


# --- an exception handler that reshapes HTTP errors keeps their headers ----------------


def realworld_errors(request, exc):
    """The Conduit build's one handler for every HTTPError (review part 1, rows 4 and 5)."""
    return {"errors": {"body": [exc.message]}}, exc.status


def test_a_handler_reshaping_errors_keeps_allow_on_a_405(app, client):
    app.add_exception_handler(HTTPError, realworld_errors)

    @app.get("/articles")
    def articles(request):
        return []

    response = client.delete("/articles")
    assert response.status_code == 405
    assert response.json() == {"errors": {"body": ["DELETE request is not allowed for /articles"]}}
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_handler_reshaping_errors_keeps_www_authenticate_and_repeated_headers(app, client):
    app.add_exception_handler(HTTPError, realworld_errors)

    @app.get("/user")
    def user(request):
        raise HTTPError(
            401,
            "Unauthorized",
            headers=[("WWW-Authenticate", 'Token realm="api"'), ("WWW-Authenticate", "Basic")],
        )

    response = client.get("/user")
    assert response.status_code == 401
    assert response.headers.getall("WWW-Authenticate") == ['Token realm="api"', "Basic"]


def test_a_header_the_handler_sets_itself_wins_whatever_its_case(app, client):
    @app.exception_handler(HTTPError)
    def own(request, exc):
        return Response(json={}, status=exc.status, headers={"www-authenticate": "Bearer"})

    @app.get("/user")
    def user(request):
        raise HTTPError(401, headers={"WWW-Authenticate": "Token", "X-Reason": "expired"})

    response = client.get("/user")
    assert response.headers.getall("WWW-Authenticate") == ["Bearer"]  # not both
    assert response.headers["X-Reason"] == "expired"


def test_router_handlers_and_after_hooks_see_the_error_headers(app, client):
    router = Router("/api")
    router.add_exception_handler(MethodNotAllowed, realworld_errors)
    seen = []

    @router.after_request
    def record(request, response):
        seen.append(response.headers.get("Allow"))

    @router.get("/tags")
    def tags(request):
        return []

    app.include_router(router)
    assert client.post("/api/tags").headers["Allow"] == "GET, HEAD, OPTIONS"
    assert seen == ["GET, HEAD, OPTIONS"]


def test_an_unsafe_error_header_is_not_sent_by_a_reshaping_handler(app, client, caplog):
    # A header built from the client's input must not split the answer (CRLF injection).
    app.add_exception_handler(HTTPError, realworld_errors)

    @app.get("/login")
    def login(request):
        raise HTTPError(401, headers={"WWW-Authenticate": request.GET["realm"]})

    response = client.get("/login?realm=a%0D%0ASet-Cookie:%20admin=1")
    assert response.status_code == 400  # the client's line break, answered by the handler
    assert response.json()["errors"]["body"][0].startswith("The response header")
    assert "Set-Cookie" not in response.headers
    assert "admin" not in response.text


def test_a_wsgi_application_from_a_handler_is_sent_as_it_is(app, client):
    def teapot(environ, start_response):
        start_response("418 I'm a Teapot", [("Content-Type", "text/plain")])
        return [b"short and stout"]

    app.add_exception_handler(HTTPError, lambda request, exc: teapot)
    app.add_route("/only-get", lambda request: {})
    response = client.delete("/only-get")  # a 405, whose Allow a WSGI app cannot be given
    assert (response.status_code, response.text) == (418, "short and stout")
    assert "Allow" not in response.headers


# --- webob.exc exceptions raised from views ------------------------------------------------

WEBOB = [
    (webob.exc.HTTPBadRequest(), 400, "Bad Request", {}),
    (webob.exc.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"}), 401, "Unauthorized", {"WWW-Authenticate": "Bearer"}),
    (webob.exc.HTTPMethodNotAllowed(headers={"Allow": "GET"}), 405, "Method Not Allowed", {"Allow": "GET"}),
    (webob.exc.HTTPConflict(detail="Version 3 is stale"), 409, "Version 3 is stale", {}),
    (webob.exc.HTTPGone(), 410, "Gone", {}),
    (webob.exc.HTTPTooManyRequests(headers={"Retry-After": "5"}), 429, "Too Many Requests", {"Retry-After": "5"}),
    (webob.exc.HTTPInternalServerError(), 500, "Internal Server Error", {}),
    (webob.exc.HTTPServiceUnavailable(), 503, "Service Unavailable", {}),
    (webob.exc.HTTPMovedPermanently(location="/new"), 301, "Moved Permanently", {"Location": "/new"}),
    (webob.exc.HTTPSeeOther(location="/done"), 303, "See Other", {"Location": "/done"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("exc", "status", "message", "headers"), WEBOB, ids=[type(e).__name__ for e, *_ in WEBOB]
)
def test_webob_exceptions_keep_their_status_and_headers(app, client, exc, status, message, headers):
    @app.get("/")
    def index(request):
        raise exc

    response = client.get("/")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": message}
    for name, value in headers.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("exc", "status"), [(webob.exc.HTTPNoContent(), 204), (webob.exc.HTTPNotModified(), 304)]
)
def test_webob_exceptions_without_a_body_send_none(app, client, exc, status):
    @app.get("/")
    def index(request):
        raise exc

    response = client.get("/")
    assert response.status_code == status
    assert response.content == b""


# --- configuration errors ---------------------------------------------------------------


def test_configuration_errors_are_runtime_errors():
    assert issubclass(ConfigurationError, RuntimeError)
    assert issubclass(InvalidRoute, ConfigurationError)
    assert issubclass(InvalidRoute, ValueError)
    assert issubclass(RouteConflict, ConfigurationError)
    assert not issubclass(ConfigurationError, HTTPError)


def test_route_conflict_says_what_it_clashes_with(app):
    @app.route("/a/{x}", methods=["GET", "PUT", "DELETE"])
    def first(request, x): ...

    with pytest.raises(RouteConflict) as raised:
        app.add_route("/a/{y}", lambda request, y: None, methods=["PUT", "POST", "DELETE"])
    error = raised.value
    assert error.path == "/a/{y}"
    assert error.existing == "/a/{x}"
    assert error.methods == ("DELETE", "PUT")
    assert str(error) == (
        "Path: /a/{y} is already bound to another handler for DELETE, PUT "
        "(it matches the same URLs as '/a/{x}')"
    )
