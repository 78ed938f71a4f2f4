"""roob/app.py: the application as a WSGI app, return values, errors, hooks, middleware."""

from __future__ import annotations

import datetime
import decimal
import logging
import re
import uuid

import pytest
import webob
import webob.exc

import roob
from roob import HTTPError, NotFound, Response, Roob
from roob.exceptions import ConfigurationError
from roob.testing import TestClient

# --- construction and WSGI ------------------------------------------------


def test_the_instance_is_a_wsgi_application(app, call_wsgi):
    @app.get("/")
    def index(request):
        return "hello"

    start_response, body = call_wsgi(app, "/")
    assert start_response.status == "200 OK"
    assert start_response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert body == b"hello"


def test_folders_are_positional_and_options_keyword_only(tmp_path):
    app = Roob(tmp_path, None, debug=True, max_body_size=10)
    assert app.debug is True
    assert app.max_body_size == 10
    with pytest.raises(TypeError):
        Roob(tmp_path, None, True)  # type: ignore[misc]


@pytest.mark.parametrize("size", [-1, 1.5, "10"])
def test_a_bad_max_body_size_fails_at_construction(tmp_path, size):
    with pytest.raises(ConfigurationError, match="max_body_size"):
        Roob(static_dir=None, max_body_size=size)


def test_views_receive_a_roob_request(app, client):
    seen = []

    @app.get("/")
    def index(request):
        seen.append(request)
        return {}

    client.get("/")
    assert isinstance(seen[0], roob.Request)
    assert isinstance(seen[0], webob.Request)


# --- what a view may return -------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "status", "content_type", "content"),
    [
        ({"a": 1}, 200, "application/json", b'{"a":1}'),
        ([1, "two"], 200, "application/json", b'[1,"two"]'),
        ("<p>hi</p>", 200, "text/html; charset=UTF-8", b"<p>hi</p>"),
        ("héllo", 200, "text/html; charset=UTF-8", "héllo".encode()),
        (b"\x00\x01", 200, "application/octet-stream", b"\x00\x01"),
        (({"made": True}, 201), 201, "application/json", b'{"made":true}'),
        (("created", "201 Created"), 201, "text/html; charset=UTF-8", b"created"),
        ((b"raw", 202), 202, "application/octet-stream", b"raw"),
        (([], 404), 404, "application/json", b"[]"),
        (
            Response(text="plain", content_type="text/plain"),
            200,
            "text/plain; charset=UTF-8",
            b"plain",
        ),
        (webob.Response(body=b"webob", content_type="image/png"), 200, "image/png", b"webob"),
        ((Response(text="moved"), 410), 410, "text/html; charset=UTF-8", b"moved"),
    ],
    ids=[
        "dict",
        "list",
        "str",
        "str-utf8",
        "bytes",
        "tuple-dict",
        "tuple-status-line",
        "tuple-bytes",
        "tuple-list",
        "roob-response",
        "webob-response",
        "tuple-response",
    ],
)
def test_return_values_become_responses(app, client, returned, status, content_type, content):
    @app.get("/")
    def index(request):
        return returned

    response = client.get("/")
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert response.content == content
    assert response.headers["Content-Length"] == str(len(content))


def test_none_is_204_without_content_type(app, client):
    @app.get("/")
    def index(request):
        return None

    response = client.get("/")
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.content == b""


@pytest.mark.parametrize(
    "headers",
    [{"X-One": "1", "X-Two": "2"}, [("X-One", "1"), ("X-Two", "2")]],
    ids=["dict", "pairs"],
)
def test_a_three_tuple_adds_headers(app, client, headers):
    @app.get("/")
    def index(request):
        return {"ok": True}, 201, headers

    response = client.get("/")
    assert response.status_code == 201
    assert response.json() == {"ok": True}
    assert response.headers["X-One"] == "1"
    assert response.headers["X-Two"] == "2"
    assert response.headers["Content-Type"] == "application/json"


def test_a_three_tuple_may_repeat_a_header(app, client):
    @app.get("/")
    def index(request):
        return "x", 200, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]

    response = client.get("/")
    assert response.headers.getall("Set-Cookie") == ["a=1", "b=2"]


def test_a_content_type_in_the_tuple_headers_replaces_the_default(app, client):
    @app.get("/")
    def index(request):
        return "a,b\n", 200, {"Content-Type": "text/csv"}

    response = client.get("/")
    assert response.headers.getall("Content-Type") == ["text/csv"]
    assert response.text == "a,b\n"


def test_a_wsgi_application_returned_is_called(app, client):
    def wsgi(environ, start_response):
        start_response("207 Multi-Status", [("Content-Type", "text/plain")])
        return [b"from ", environ["PATH_INFO"].encode()]

    @app.get("/wsgi")
    def index(request):
        return wsgi

    response = client.get("/wsgi")
    assert response.status_code == 207
    assert response.text == "from /wsgi"


def test_common_python_types_are_serialised(app, client):
    @app.get("/")
    def index(request):
        return {
            "when": datetime.datetime(2024, 5, 6, 7, 8, 9),
            "day": datetime.date(2024, 5, 6),
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "price": decimal.Decimal("9.90"),
        }

    assert client.get("/").json() == {
        "when": "2024-05-06T07:08:09",
        "day": "2024-05-06",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": "9.90",
    }


@pytest.mark.parametrize(
    "returned",
    [{"thing": object()}, [{1, 2}, object()], ({"bad": object()}, 201), 42, ("a", 200, {}, "x")],
    ids=["dict", "list", "tuple", "int", "four-tuple"],
)
def test_an_unusable_return_value_is_a_500_json(app, client, caplog, returned):
    @app.get("/")
    def index(request):
        return returned

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert any(record.name == "roob" and record.exc_info for record in caplog.records)


def test_an_unserialisable_return_is_a_500_also_with_after_hooks(app, client):
    @app.after_request
    def passthrough(request, response):
        return response

    @app.get("/")
    def index(request):
        return {"thing": object()}

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_a_header_value_with_a_line_break_is_refused(app, client, caplog):
    @app.get("/")
    def index(request):
        return "x", 200, {"X-Evil": "a\r\nSet-Cookie: session=stolen"}

    response = client.get("/")
    assert response.status_code == 400
    assert "X-Evil" in response.json()["message"]
    assert "Set-Cookie" not in response.headers
    assert "refused the response header 'X-Evil'" in caplog.text


@pytest.mark.parametrize(
    "returned",
    [{"a": 1}, "text", b"bytes", Response(text="resp"), ("tuple", 201)],
    ids=["dict", "str", "bytes", "response", "tuple"],
)
def test_head_responses_have_no_body(app, client, returned):
    @app.get("/")
    def index(request):
        return returned

    get = client.get("/")
    head = client.head("/")
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(get.content))


def test_head_of_an_error_has_no_body(client):
    response = client.head("/missing")
    assert response.status_code == 404
    assert response.content == b""


# --- errors -----------------------------------------------------------------


def test_unknown_path_is_a_404_json(client):
    response = client.get("/x")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "Requested path: /x does not exist"}


def test_wrong_method_is_a_405_json_with_allow(app, client):
    @app.get("/books")
    def books(request):
        return []

    response = client.post("/books")
    assert response.status_code == 405
    assert response.json() == {"message": "POST request is not allowed for /books"}
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_http_error_from_a_view(app, client):
    @app.get("/")
    def index(request):
        raise HTTPError(409, "Product 7 already exists")

    response = client.get("/")
    assert response.status_code == 409
    assert response.json() == {"message": "Product 7 already exists"}


def test_http_error_from_deep_inside_service_code(app, client):
    class Repository:
        def load(self, product_id):
            raise HTTPError(404, f"No product found with product id {product_id}")

    class Service:
        def __init__(self):
            self.repository = Repository()

        def get(self, product_id):
            return self.repository.load(product_id)

    @app.get("/products/{id:d}")
    def product(request, id):
        return Service().get(id)

    response = client.get("/products/7")
    assert response.status_code == 404
    assert response.json() == {"message": "No product found with product id 7"}


def test_http_error_from_a_before_request_hook(app, client):
    called = []

    @app.before_request
    def authenticate(request):
        if "Authorization" not in request.headers:
            raise HTTPError(401, "Log in first")

    @app.get("/")
    def index(request):
        called.append(True)
        return {}

    response = client.get("/")
    assert response.status_code == 401
    assert response.json() == {"message": "Log in first"}
    assert called == []
    assert client.get("/", headers={"Authorization": "yes"}).status_code == 200


def test_webob_not_found_with_detail(app, client):
    @app.get("/")
    def index(request):
        raise webob.exc.HTTPNotFound(detail="No such shelf")

    response = client.get("/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "No such shelf"}


def test_webob_redirect_keeps_its_location(app, client):
    @app.get("/old")
    def old(request):
        raise webob.exc.HTTPFound(location="/new")

    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"  # relative: the Host header is not trusted
    assert response.json() == {"message": "Found"}


def test_webob_error_without_detail_uses_its_title(app, client):
    @app.get("/")
    def index(request):
        raise webob.exc.HTTPForbidden()

    response = client.get("/")
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_unhandled_exception_is_a_logged_500_without_details(app, client, caplog):
    @app.get("/crash")
    def crash(request):
        raise ValueError("database password is hunter2")

    with caplog.at_level(logging.ERROR, logger="roob"):
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "hunter2" not in response.text
    [record] = [r for r in caplog.records if r.name == "roob"]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info[1], ValueError)
    assert "/crash" in record.getMessage()
    assert "hunter2" in caplog.text  # the traceback is in the log


def test_debug_sends_the_exception_text(tmp_path):
    app = Roob(static_dir=None, debug=True)

    @app.get("/crash")
    def crash(request):
        raise ValueError("the details")

    response = TestClient(app).get("/crash")
    assert response.status_code == 500
    assert "the details" in response.json()["message"]
    assert "ValueError" in response.json()["message"]


# --- exception handlers -----------------------------------------------------


def test_catch_all_exception_handler(app, client):
    seen = []

    def handler(request, exc):
        seen.append((request.path, exc))
        return {"error": str(exc)}, 503

    app.add_exception_handler(handler)

    @app.get("/crash")
    def crash(request):
        raise ValueError("down for maintenance")

    response = client.get("/crash")
    assert response.status_code == 503
    assert response.json() == {"error": "down for maintenance"}
    assert seen[0][0] == "/crash"
    assert isinstance(seen[0][1], ValueError)


def test_catch_all_does_not_swallow_http_errors(app, client):
    app.add_exception_handler(lambda request, exc: ({"caught": True}, 500))

    @app.get("/books")
    def books(request):
        raise HTTPError(418, "teapot")

    @app.get("/webob")
    def webob_error(request):
        raise webob.exc.HTTPGone()

    assert client.get("/nowhere").status_code == 404
    assert client.get("/nowhere").json() == {"message": "Requested path: /nowhere does not exist"}
    assert client.post("/books").status_code == 405
    assert client.get("/books").json() == {"message": "teapot"}
    assert client.get("/webob").status_code == 410


def test_handler_for_one_exception_class(app, client):
    class OutOfStock(Exception):
        pass

    app.add_exception_handler(OutOfStock, lambda request, exc: ({"stock": 0}, 409))

    @app.get("/buy")
    def buy(request):
        raise OutOfStock()

    @app.get("/other")
    def other(request):
        raise ValueError("x")

    assert client.get("/buy").status_code == 409
    assert client.get("/buy").json() == {"stock": 0}
    assert client.get("/other").status_code == 500


def test_exception_handler_decorator(app, client):
    @app.exception_handler(KeyError)
    def missing_key(request, exc):
        return f"missing {exc.args[0]}", 422

    @app.get("/")
    def index(request):
        return {}["sku"]

    assert missing_key(None, KeyError("x")) == ("missing x", 422)  # returned unchanged
    response = client.get("/")
    assert response.status_code == 422
    assert response.text == "missing sku"


@pytest.mark.parametrize("general_first", [True, False])
def test_the_most_specific_handler_along_the_mro_wins(app, client, general_first):
    class MissingSku(KeyError):
        pass

    def general(request, exc):
        return {"handler": "LookupError"}

    def specific(request, exc):
        return {"handler": "KeyError"}

    pairs = [(LookupError, general), (KeyError, specific)]
    for exc_class, handler in pairs if general_first else reversed(pairs):
        app.add_exception_handler(exc_class, handler)

    raised = {"key": KeyError("k"), "index": IndexError("i"), "sub": MissingSku("s")}

    @app.get("/{kind}")
    def index(request, kind):
        raise raised[kind]

    assert client.get("/key").json() == {"handler": "KeyError"}
    assert client.get("/sub").json() == {"handler": "KeyError"}
    assert client.get("/index").json() == {"handler": "LookupError"}


def test_a_handler_may_customise_404s(app, client):
    @app.exception_handler(NotFound)
    def not_found(request, exc):
        return f"<h1>{request.path} is not here</h1>", 404

    response = client.get("/gone")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text == "<h1>/gone is not here</h1>"


@pytest.mark.parametrize(
    ("returned", "status", "content_type", "content"),
    [
        (Response(text="r", status=502), 502, "text/html; charset=UTF-8", b"r"),
        ("oops", 200, "text/html; charset=UTF-8", b"oops"),
        (b"oops", 200, "application/octet-stream", b"oops"),
        (["oops"], 200, "application/json", b'["oops"]'),
        (("oops", 503, {"Retry-After": "5"}), 503, "text/html; charset=UTF-8", b"oops"),
    ],
    ids=["response", "str", "bytes", "list", "tuple"],
)
def test_handler_return_values_are_converted_like_views(
    app, client, returned, status, content_type, content
):
    app.add_exception_handler(ValueError, lambda request, exc: returned)

    @app.get("/")
    def index(request):
        raise ValueError()

    response = client.get("/")
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    assert response.content == content
    if isinstance(returned, tuple):
        assert response.headers["Retry-After"] == "5"


def test_a_handler_returning_none_is_a_logged_500_not_a_success(app, client, caplog):
    # None would be a 204: an error answered as a success, and silently.
    app.add_exception_handler(ValueError, lambda request, exc: None)

    @app.get("/")
    def index(request):
        raise ValueError()

    response = client.get("/")
    assert response.status_code == 500
    assert "returned None for ValueError()" in caplog.text


@pytest.mark.parametrize(
    ("handler", "failure"),
    [
        (lambda request, exc: 1 / 0, ZeroDivisionError),
        (lambda request, exc: {"bad": object()}, TypeError),
        (lambda request, exc: object(), TypeError),
    ],
    ids=["raises", "unserialisable", "unusable"],
)
def test_a_failing_exception_handler_gives_a_logged_500(app, client, caplog, handler, failure):
    app.add_exception_handler(ValueError, handler)

    @app.get("/")
    def index(request):
        raise ValueError("original")

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    logged = [r.exc_info[0] for r in caplog.records if r.name == "roob" and r.exc_info]
    assert failure in logged


def test_a_catch_all_handler_that_fails_gives_a_500(app, client, caplog):
    def broken(request, exc):
        raise RuntimeError("handler bug")

    app.add_exception_handler(broken)

    @app.get("/")
    def index(request):
        raise ValueError("original")

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "handler bug" in caplog.text


@pytest.mark.parametrize(
    "args",
    [("not a class", lambda r, e: None), (int, lambda r, e: None), (ValueError, "not callable")],
    ids=["not-a-class", "not-an-exception", "not-callable"],
)
def test_add_exception_handler_checks_its_arguments(app, args):
    with pytest.raises(ConfigurationError):
        app.add_exception_handler(*args)


def test_base_exceptions_cannot_be_handled(app):
    with pytest.raises(ConfigurationError, match="KeyboardInterrupt"):
        app.add_exception_handler(KeyboardInterrupt, lambda r, e: None)


# --- before_request and after_request hooks --------------------------------


def test_before_request_hooks_see_the_request_in_order(app, client):
    calls = []

    @app.before_request
    def first(request):
        calls.append(("first", request.path))

    @app.before_request
    def second(request):
        calls.append(("second", request.path))

    @app.get("/books")
    def books(request):
        calls.append(("view", request.path))
        return []

    assert client.get("/books").status_code == 200
    assert calls == [("first", "/books"), ("second", "/books"), ("view", "/books")]


@pytest.mark.parametrize(
    ("returned", "status", "content"),
    [
        ({"blocked": True}, 200, b'{"blocked":true}'),
        ("<p>maintenance</p>", 200, b"<p>maintenance</p>"),
        (({"message": "slow down"}, 429, {"Retry-After": "3"}), 429, b'{"message":"slow down"}'),
        (Response(status=403, text="no"), 403, b"no"),
    ],
    ids=["dict", "str", "tuple", "response"],
)
def test_before_request_may_short_circuit(app, client, returned, status, content):
    calls = []

    @app.before_request
    def gate(request):
        return returned

    @app.before_request
    def never(request):
        calls.append("second hook")

    @app.get("/")
    def index(request):
        calls.append("view")
        return {}

    response = client.get("/")
    assert response.status_code == status
    assert response.content == content
    assert calls == []


def test_after_request_can_change_the_response(app, client):
    seen = []

    @app.after_request
    def add_header(request, response):
        seen.append((request.path, type(response)))
        response.headers["X-Served-By"] = "roob"
        return response

    @app.get("/")
    def index(request):
        return {"a": 1}

    response = client.get("/")
    assert response.json() == {"a": 1}
    assert response.headers["X-Served-By"] == "roob"
    assert seen[0][0] == "/"
    assert issubclass(seen[0][1], webob.Response)


def test_after_request_can_replace_the_response(app, client):
    @app.after_request
    def replace(request, response):
        return {"replaced": response.status_code}, 202

    @app.get("/")
    def index(request):
        return "original"

    response = client.get("/")
    assert response.status_code == 202
    assert response.json() == {"replaced": 200}


def test_after_request_hooks_run_in_registration_order(app, client):
    @app.after_request
    def first(request, response):
        response.headers["X-Order"] = "first"
        return response

    @app.after_request
    def second(request, response):
        response.headers["X-Order"] += ",second"
        return response

    @app.get("/")
    def index(request):
        return {}

    assert client.get("/").headers["X-Order"] == "first,second"


def test_after_request_runs_on_error_responses(app, client):
    @app.after_request
    def stamp(request, response):
        response.headers["X-Stamp"] = str(response.status_code)
        return response

    @app.get("/crash")
    def crash(request):
        raise ValueError("boom")

    @app.get("/teapot")
    def teapot(request):
        raise HTTPError(418, "short and stout")

    assert client.get("/missing").headers["X-Stamp"] == "404"
    assert client.post("/crash").headers["X-Stamp"] == "405"
    assert client.get("/crash").headers["X-Stamp"] == "500"
    teapot_response = client.get("/teapot")
    assert teapot_response.headers["X-Stamp"] == "418"
    assert teapot_response.json() == {"message": "short and stout"}


def test_after_request_runs_after_a_short_circuit(app, client):
    @app.before_request
    def gate(request):
        return {"gated": True}

    @app.after_request
    def stamp(request, response):
        response.headers["X-After"] = "yes"
        return response

    @app.get("/")
    def index(request):
        return {}

    response = client.get("/")
    assert response.json() == {"gated": True}
    assert response.headers["X-After"] == "yes"


def test_a_failing_after_request_hook_gives_a_500(app, client, caplog):
    @app.after_request
    def broken(request, response):
        raise RuntimeError("hook bug")

    @app.get("/")
    def index(request):
        return {}

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "hook bug" in caplog.text


# --- WSGI middleware --------------------------------------------------------


class Tagger:
    """WSGI middleware that records its name on the way in and in a header on the way out."""

    def __init__(self, app, *, name, log):
        self.app = app
        self.name = name
        self.log = log

    def __call__(self, environ, start_response):
        self.log.append(self.name)

        def tagging_start_response(status, headers, exc_info=None):
            headers = list(headers)
            for index, (key, value) in enumerate(headers):
                if key == "X-Trace":
                    headers[index] = (key, f"{value},{self.name}")
                    break
            else:
                headers.append(("X-Trace", self.name))
            return start_response(status, headers, exc_info)

        return self.app(environ, tagging_start_response)


def test_middleware_added_last_is_outermost(app, client):
    log = []
    app.add_middleware(Tagger, name="first", log=log)
    app.add_middleware(Tagger, name="second", log=log)

    @app.get("/")
    def index(request):
        log.append("view")
        return {}

    response = client.get("/")
    assert log == ["second", "first", "view"]
    # the innermost middleware sees the response first
    assert response.headers["X-Trace"] == "first,second"


def test_calling_the_instance_runs_the_whole_stack(app, call_wsgi):
    log = []

    @app.get("/")
    def index(request):
        return {}

    app.add_middleware(Tagger, name="outer", log=log)
    start_response, body = call_wsgi(app, "/")
    assert log == ["outer"]
    assert start_response.headers["X-Trace"] == "outer"
    assert body == b"{}"


def test_middleware_wraps_errors_and_404s_too(app, client):
    app.add_middleware(Tagger, name="mw", log=[])
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.headers["X-Trace"] == "mw"


def test_middleware_may_answer_without_calling_the_app(app, client):
    called = []

    class Maintenance:
        def __init__(self, app, *, message):
            self.message = message

        def __call__(self, environ, start_response):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [self.message.encode()]

    @app.get("/")
    def index(request):
        called.append(True)
        return {}

    app.add_middleware(Maintenance, message="back soon")
    response = client.get("/")
    assert response.status_code == 503
    assert response.text == "back soon"
    assert called == []


# --- the seed's scenarios ---------------------------------------------------


def test_seed_class_view_get_and_post(app, client):
    products = [{"id": 1, "product_name": "S25 Ultra", "brand": "Samsung"}]

    @app.route("/api/products")
    class Products:
        def get(self, request):
            return Response(json_body=products)

        def post(self, request):
            products.append(request.json)
            return Response(json_body=products)

    assert client.get("/api/products").json() == products
    new = {"id": 5, "product_name": "Galaxy Tab", "brand": "Samsung"}
    response = client.post("/api/products", json=new)
    assert response.status_code == 200
    assert response.json()[-1] == new
    assert len(client.get("/api/products").json()) == 2


def test_seed_method_not_allowed(app, client):
    @app.route("/books")
    class Books:
        def get(self, request):
            return []

    response = client.post("/books")
    assert response.status_code == 405
    assert response.json() == {"message": "POST request is not allowed for /books"}


def test_seed_function_view_text(app, client):
    @app.route("/home")
    def home(request):
        return Response(text="Hello from the HOME page")

    response = client.get("/home")
    assert response.status_code == 200
    assert response.text == "Hello from the HOME page"


@pytest.mark.parametrize("name", ["khan", "Matthew", "ada_lovelace", "42"])
def test_seed_hello_name(app, client, name):
    @app.route("/hello/{name}")
    def hello(request, name):
        return Response(text=f"Hello, {name}")

    assert client.get(f"/hello/{name}").text == f"Hello, {name}"


def test_seed_not_found(client):
    response = client.get("/api/invalid")
    assert response.status_code == 404
    assert response.json() == {"message": "Requested path: /api/invalid does not exist"}


def test_seed_exception_is_a_500(app, client):
    @app.route("/crash")
    def crash(request):
        raise AttributeError("simulated error")

    response = client.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_seed_duplicate_route_raises_runtime_error(app):
    @app.route("/home")
    def home(request):
        return "one"

    with pytest.raises(RuntimeError, match="/home"):

        @app.route("/home")
        def home_again(request):
            return "two"


def test_a_route_refused_for_its_name_leaves_the_others_served(app, client):
    @app.get("/a/{x}", name="item")
    def item(request, x):
        return {"x": x}

    taken = "route '/b/{y}': the name 'item' is already given to '/a/{x}'; a name passed with name= must be unique"
    with pytest.raises(roob.ConfigurationError, match=re.escape(taken)):
        app.add_route("/b/{y}", lambda request, y: None, name="item")
    app.add_route("/c/{z}", lambda request, z: {"z": z}, name="other")
    assert client.get("/a/1").json() == {"x": "1"}
    assert client.get("/c/2").json() == {"z": "2"}
    assert client.get("/b/3").status_code == 404
    assert app.url_for("item", x=5) == "/a/5"


@pytest.mark.parametrize("regex", ["(", "(a)", "a*"], ids=["invalid", "capturing", "empty-match"])
def test_add_convertor_refuses_a_bad_regex_at_start_up(app, regex):
    with pytest.raises(ConfigurationError, match="convertor 'bad'"):
        app.add_convertor("bad", regex)
