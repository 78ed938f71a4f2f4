"""Route options (RouteOptions): checked when the route is added."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from pydantic import BaseModel

from roob import ConfigurationError, Response, Roob, Router
from roob.openapi import operation
from roob.testing import TestClient


def view(request):
    return {}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_body_size": -1}, r"route '/x': max_body_size= must be a number of bytes"),
        ({"max_body_size": 1.5}, r"max_body_size= must be a number of bytes"),
        ({"max_body_size": True}, r"max_body_size= must be a number of bytes"),
        ({"csrf": "yes"}, r"route '/x': csrf= must be True, False or None"),
        ({"conditional": 1}, r"conditional= must be True, False or None"),
        (
            {"max_size": 10},
            r"route '/x': unknown option max_size; a route takes name, max_body_size, csrf, "
            r"conditional, status",
        ),
        # What a hurried user types for "Created": none of these is a status a route can send.
        (
            {"status": "201"},
            r"route '/x': status= must be a final HTTP status, an int from 200 to 599, not '201'",
        ),
        ({"status": "201 Created"}, r"status= must be a final HTTP status"),
        ({"status": 201.0}, r"status= must be a final HTTP status"),
        ({"status": True}, r"not True"),
        ({"status": 100}, r"not 100"),  # 1xx is informational, never the answer
        ({"status": 199}, r"not 199"),
        ({"status": 600}, r"not 600"),
        ({"status": -201}, r"not -201"),
        ({"status": HTTPStatus.CREATED.phrase}, r"not 'Created'"),
    ],
)
def test_bad_options_name_the_route(options, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Roob(static_dir=None).add_route("/x", view, **options)
    with pytest.raises(
        ConfigurationError, match=message.replace("'/x'", r"'/x' of Router\(prefix='', name=None\)")
    ):
        Router().add_route("/x", view, **options)


def test_router_routes_take_options_and_the_application_defaults() -> None:
    app = Roob(static_dir=None, conditional=True, max_body_size=10)
    router = Router("/r")

    @router.post("/big", max_body_size=100)
    def big(request):
        return {"size": len(request.body)}

    @router.get("/page")
    def page(request):
        return {"a": 1}

    app.include_router(router)
    client = TestClient(app)
    assert client.post("/r/big", data=b"x" * 50).json() == {"size": 50}
    assert "ETag" in client.get("/r/page").headers


# --- status= --------------------------------------------------------------------


class Article(BaseModel):
    slug: str


def _created(body):
    def create(request):
        return body

    return create


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"slug": "a"}, "application/json"),
        ([1, 2], "application/json"),
        ("<p>made</p>", "text/html; charset=UTF-8"),
        (b"\x00", "application/octet-stream"),
        (Article(slug="a"), "application/json"),
    ],
)
def test_a_route_status_is_the_status_sent_for_every_kind_of_body(body, content_type) -> None:
    app = Roob(static_dir=None)
    app.add_route("/articles", _created(body), ["POST"], status=201)
    response = TestClient(app).post("/articles")
    assert (response.status_code, response.headers["Content-Type"]) == (201, content_type)


def test_the_verbs_of_the_app_and_of_a_router_take_status() -> None:
    app = Roob(static_dir=None)
    router = Router("/api", name="api")

    @app.post("/users", status=201)
    def register(request):
        return {"user": "ada"}

    @router.put("/users/{name}", status=202)
    def queue(request, name):
        return {"queued": name}

    @router.delete("/users/{name}", status=202)
    def remove(request, name) -> None:
        return None

    router.add_route("/tags", lambda request: [], ["PATCH"], status=207)
    app.include_router(router)
    client = TestClient(app)
    assert client.post("/users").status_code == 201
    assert client.put("/api/users/ada").json() == {"queued": "ada"}
    assert client.put("/api/users/ada").status_code == 202
    removed = client.delete("/api/users/ada")
    assert (removed.status_code, removed.content) == (202, b"")  # None: an empty answer
    assert client.patch("/api/tags").status_code == 207


def test_operation_status_is_sent_too() -> None:
    # The Conduit build (review part 1, row 6): documented 201, served 200.
    app = Roob(static_dir=None)

    @app.post("/articles")
    @operation(status=201)
    def create(request) -> Article:
        return Article(slug="how-to")

    response = TestClient(app).post("/articles")
    assert (response.status_code, response.json()) == (201, {"slug": "how-to"})
    assert "201" in app.openapi()["paths"]["/articles"]["post"]["responses"]
    assert "200" not in app.openapi()["paths"]["/articles"]["post"]["responses"]


def test_a_status_the_view_returns_itself_is_kept() -> None:
    app = Roob(static_dir=None)

    def prometheus_like(environ, start_response):  # a WSGI application returned by a view
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"metrics"]

    app.add_route("/tuple", lambda request: ({"again": True}, 200), ["POST"], status=201)
    app.add_route("/headers", lambda request: ({}, 200, {"X": "1"}), ["POST"], status=201)
    app.add_route("/response", lambda request: Response(status=409), ["POST"], status=201)
    app.add_route("/wsgi", lambda request: prometheus_like, ["POST"], status=201)
    client = TestClient(app)
    assert client.post("/tuple").status_code == 200
    assert client.post("/headers").status_code == 200
    assert client.post("/response").status_code == 409
    assert client.post("/wsgi").status_code == 200
    assert client.post("/wsgi").text == "metrics"


def test_none_is_204_without_status_and_errors_keep_their_status() -> None:
    app = Roob(static_dir=None)
    app.add_route("/gone", lambda request: None, ["DELETE"])

    @app.post("/strict", status=201)
    def strict(request, article: Article):
        return article

    client = TestClient(app)
    assert client.delete("/gone").status_code == 204
    assert client.post("/strict", json={"slug": "a"}).status_code == 201
    assert client.post("/strict", json={}).status_code == 422  # not 201: the error's own
    assert client.post("/nowhere").status_code == 404


def test_a_class_view_takes_the_status_of_each_method() -> None:
    app = Roob(static_dir=None)

    @app.route("/articles")
    class Articles:
        def get(self, request):
            return []

        @operation(status=201)
        def post(self, request):
            return {"slug": "a"}

    client = TestClient(app)
    assert client.get("/articles").status_code == 200
    assert client.post("/articles").status_code == 201


def test_a_route_status_for_a_class_of_several_methods_is_refused() -> None:
    """status=201 on a class serving GET and POST would make its GET answer 201."""
    app = Roob(static_dir=None)

    class Articles:
        def get(self, request):
            return []

        def post(self, request):
            return {"slug": "a"}

    with pytest.raises(ConfigurationError) as raised:
        app.add_route("/articles", Articles, status=201)
    assert "status=201 would be the answer of each of its methods (GET, POST)" in str(raised.value)
    assert "put @operation(status=201) on the method it is for" in str(raised.value)

    @app.route("/drafts", status=201)  # one method: no doubt which answer it is for
    class Drafts:
        def post(self, request):
            return {"slug": "b"}

    def replace(request):
        return {}

    app.add_route("/pages", replace, methods=["PUT", "PATCH"], status=202)  # one function
    client = TestClient(app)
    assert client.post("/drafts").status_code == 201
    assert client.patch("/pages").status_code == 202


def test_after_hooks_see_the_status_that_is_sent() -> None:
    app = Roob(static_dir=None)
    seen = []

    @app.after_request
    def record(request, response):
        seen.append(response.status_code)

    app.add_route("/a", lambda request: {}, ["POST"], status=201)
    assert TestClient(app).post("/a").status_code == 201
    assert seen == [201]


def test_a_route_status_and_an_operation_status_that_differ_are_refused() -> None:
    app = Roob(static_dir=None)

    @operation(status=202)
    def create(request):
        return {}

    with pytest.raises(
        ConfigurationError,
        match=r"route '/a': status=201 and @operation\(status=202\) of the view "
        r".*create differ; give the status once",
    ):
        app.add_route("/a", create, ["POST"], status=201)
    app.add_route("/b", create, ["POST"], status=202)  # the same status twice is no conflict
    assert TestClient(app).post("/b").status_code == 202


@pytest.mark.parametrize("status", ["201", 201.0, True, 99, 1000])
def test_operation_refuses_a_status_that_cannot_be_sent(status) -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"@operation on the view .*create: status= must be a final HTTP status",
    ):

        @operation(status=status)
        def create(request):
            return {}


def test_only_routes_with_a_status_are_wrapped() -> None:
    # The hot path: a route without status= calls the view itself.
    app = Roob(static_dir=None)

    def plain(request):
        return {}

    route = app.add_route("/plain", plain)
    assert route.endpoints["GET"].view is plain
    assert app.add_route("/made", plain, ["POST"], status=201).endpoints["POST"].view is not plain
