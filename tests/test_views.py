"""roob/views.py: function views and class views, and what a request can reach of them."""

from __future__ import annotations

import pytest

from roob import ConfigurationError

# --- class views answer their verbs, nothing else --------------------------------


class Product:
    """A class view with two verbs and other attributes a request must never reach."""

    label = "product"

    def __init__(self):
        self.notes = []

    def get(self, request, id):
        return {"id": id, "method": request.method}

    def delete(self, request, id):
        return None

    def foo(self, request, id):
        return "foo reached"

    def _private(self, request, id):
        return "private reached"

    def dispatch(self, request, id):
        return "dispatch reached"


@pytest.fixture
def product_client(app, client):
    app.add_route("/products/{id:d}", Product)
    return client


def test_a_class_view_answers_the_verbs_it_defines(product_client):
    assert product_client.get("/products/3").json() == {"id": 3, "method": "GET"}
    response = product_client.delete("/products/3")
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "TRACE"])
def test_a_verb_the_class_does_not_define_is_a_405_with_allow(product_client, method):
    response = product_client.request(method, "/products/3")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"
    assert response.json() == {"message": f"{method} request is not allowed for /products/3"}


@pytest.mark.parametrize(
    "method", ["FOO", "foo", "__INIT__", "__init__", "_private", "DISPATCH", "label", "get"]
)
def test_no_other_attribute_is_reachable_by_a_request(app, call_wsgi, method):
    # called directly: a server passes the method as sent, in any case
    app.add_route("/products/{id:d}", Product)
    start_response, body = call_wsgi(app, "/products/3", method)
    assert start_response.status == "405 Method Not Allowed"
    assert start_response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"
    assert b"reached" not in body


def test_a_class_view_is_a_fresh_instance_per_request(app, client):
    instances = []

    @app.route("/counter")
    class Counter:
        def __init__(self):
            self.count = 0
            instances.append(self)

        def get(self, request):
            self.count += 1
            return {"count": self.count}

        def post(self, request):
            self.count += 10
            return {"count": self.count}

    assert client.get("/counter").json() == {"count": 1}
    assert client.get("/counter").json() == {"count": 1}
    assert client.post("/counter").json() == {"count": 10}
    assert len(instances) == 3
    assert len({id(instance) for instance in instances}) == 3


def test_a_class_view_gets_head_and_options_for_free(product_client):
    head = product_client.head("/products/3")
    assert head.status_code == 200
    assert head.content == b""
    options = product_client.options("/products/3")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"


def test_a_class_view_may_define_head_options_and_trace(app, client):
    @app.route("/special")
    class Special:
        def head(self, request):
            return "", 200, {"X-Kind": "head"}

        def options(self, request):
            return {"verbs": ["HEAD", "OPTIONS", "TRACE"]}

        def trace(self, request):
            return "traced"

    assert client.head("/special").headers["X-Kind"] == "head"
    assert client.options("/special").json() == {"verbs": ["HEAD", "OPTIONS", "TRACE"]}
    assert client.request("TRACE", "/special").text == "traced"
    response = client.get("/special")  # no get: HEAD alone does not bring GET
    assert response.status_code == 405
    assert response.headers["Allow"] == "HEAD, TRACE, OPTIONS"


def test_inherited_verbs_are_served(app, client):
    class Base:
        def get(self, request):
            return {"from": type(self).__name__}

    @app.route("/child")
    class Child(Base):
        def put(self, request):
            return {"put": True}

    assert client.get("/child").json() == {"from": "Child"}
    assert client.put("/child").json() == {"put": True}


def test_a_verb_attribute_that_is_not_callable_is_not_a_verb(app, client):
    @app.route("/settings")
    class Settings:
        post = "not a method"

        def get(self, request):
            return {"post": self.post}

    assert client.get("/settings").json() == {"post": "not a method"}
    response = client.post("/settings")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_methods_narrow_a_class_view(app, client):
    app.add_route("/products/{id:d}", Product, methods=["get"])
    assert client.get("/products/1").json() == {"id": 1, "method": "GET"}
    response = client.delete("/products/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_methods_naming_a_verb_the_class_lacks_fail_at_registration(app):
    with pytest.raises(ConfigurationError, match="class view Product has no method for POST, PUT"):
        app.add_route("/products/{id:d}", Product, methods=["GET", "PUT", "POST"])
    assert app.routes == []


def test_a_class_without_verbs_fails_at_registration(app):
    class Helper:
        def foo(self, request): ...

    with pytest.raises(ConfigurationError) as raised:
        app.add_route("/helper", Helper)
    message = str(raised.value)
    assert "Helper defines no HTTP verb method" in message
    assert "get, head, post, put, patch, delete, options, trace" in message


@pytest.mark.parametrize("handler", [42, "view", None])
def test_a_handler_that_is_neither_function_nor_class_fails_at_registration(app, handler):
    with pytest.raises(ConfigurationError, match="is neither a function nor a class view"):
        app.add_route("/x", handler)


def test_class_views_and_function_views_may_share_a_path(app, client):
    @app.route("/things")
    class Things:
        def get(self, request):
            return "listed"

    @app.post("/things")
    def create(request):
        return "created", 201

    assert client.get("/things").text == "listed"
    response = client.post("/things")
    assert response.status_code == 201
    assert response.text == "created"


# --- function views ---------------------------------------------------------------------


def test_a_function_view_for_several_methods_sees_which_one(app, client):
    @app.route("/echo", methods=["GET", "POST", "DELETE"])
    def echo(request):
        return {"method": request.method}

    for method in ["GET", "POST", "DELETE"]:
        assert client.request(method, "/echo").json() == {"method": method}
    assert client.put("/echo").status_code == 405


def test_any_callable_may_be_a_function_view(app, client):
    class Greeter:
        def __call__(self, request, name):
            return {"hello": name}

    app.add_route("/greet/{name}", Greeter(), name="greet")
    assert client.get("/greet/Ada").json() == {"hello": "Ada"}
