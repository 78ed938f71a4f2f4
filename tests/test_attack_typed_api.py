"""Attacks on the typed API and hooks fixed for issue 18 (class 8), by someone who did
not write them: the success status (status= and @operation), Body(embed=True), stacked
@operation, tuple return annotations, HTTPError headers through exception handlers,
hooks checked at registration, and after hooks that always get a Response.

Each test does what a careless user or a hostile client would, and asserts what they
would see: the status and headers on the answer, the OpenAPI document, or the
ConfigurationError at registration (the house rule: a user's mistake fails when the
route is added, never as a 500 on every request).
"""

from __future__ import annotations

import functools
import logging
import sys
from http import HTTPStatus
from typing import Annotated, Any, Literal, Optional, Union

import pytest
import webob
from pydantic import BaseModel, Field

from roob import (
    Body,
    ConfigurationError,
    HTTPError,
    MethodNotAllowed,
    Query,
    Response,
    Roob,
    Router,
)
from roob.openapi import operation
from roob.testing import TestClient


class User(BaseModel):
    name: str


def app_with(*routes: tuple[str, Any, dict[str, Any]]) -> Roob:
    app = Roob(static_dir=None)
    for path, view, options in routes:
        app.add_route(path, view, **options)
    return app


# --- the success status -----------------------------------------------------------------


@pytest.mark.parametrize("status", [HTTPStatus.CREATED, 201])
def test_a_status_written_as_http_status_is_sent_and_documented(status) -> None:
    """status=HTTPStatus.CREATED was refused: "an int from 200 to 599, not
    <HTTPStatus.CREATED: 201>", though it is an int (the tuple annotation took it)."""
    app = Roob(static_dir=None)

    @app.post("/users", status=status)
    def create(request, user: User) -> User:
        return user

    @app.post("/teams")
    @operation(status=status)
    def team(request) -> None:
        return None

    client = TestClient(app)
    assert client.post("/users", json={"name": "ada"}).status_code == 201
    assert client.post("/teams").status_code == 201
    document = app.openapi()
    assert next(iter(document["paths"]["/users"]["post"]["responses"])) == "201"
    assert next(iter(document["paths"]["/teams"]["post"]["responses"])) == "201"


@pytest.mark.parametrize("status", [True, 200.0, "201", 199, 600, HTTPStatus.CONTINUE])
def test_a_status_that_is_no_final_int_is_refused_on_the_route_and_in_operation(status) -> None:
    with pytest.raises(ConfigurationError, match="an int from 200 to 599"):
        Roob(static_dir=None).add_route("/x", lambda request: {}, status=status)
    with pytest.raises(ConfigurationError, match="an int from 200 to 599"):
        operation(status=status)(lambda request: {})


def test_a_status_without_a_body_sends_no_body_whatever_the_view_returns() -> None:
    """204 and 304 never carry content (RFC 9110 6.4.1): a view of a status=204 route
    that returns a body anyway must not put one on the wire."""
    app = app_with(
        ("/gone", lambda request: {"deleted": True}, {"methods": ["DELETE"], "status": 204}),
        ("/same", lambda request: "text", {"status": 304}),
        ("/made", lambda request: None, {"methods": ["POST"], "status": 201}),
    )
    client = TestClient(app)
    gone = client.delete("/gone")
    assert (gone.status_code, gone.content, gone.headers.get("Content-Type")) == (204, b"", None)
    same = client.get("/same")
    assert (same.status_code, same.content) == (304, b"")
    made = client.post("/made")
    assert (made.status_code, made.content) == (201, b"")


def test_head_of_a_status_route_has_the_status_and_no_body() -> None:
    app = app_with(("/report", lambda request: {"rows": [1, 2]}, {"status": 203}))
    head = TestClient(app).head("/report")
    assert (head.status_code, head.content) == (203, b"")
    assert head.headers["Content-Length"] == str(len(b'{"rows":[1,2]}'))


def test_a_hooks_answer_and_an_error_keep_their_own_status() -> None:
    """The route's status is the view's success: a router's before hook that answers in
    the view's place, and an error the view raises, keep theirs."""
    router = Router("/api")

    @router.before_request
    def closed(request):
        return {"closed": True} if request.GET.get("closed") else None

    @router.post("/orders", status=201)
    def order(request, quantity: Annotated[int, Query(), Field(ge=1)] = 1):
        if quantity > 9:
            raise HTTPError(409, "too many")
        return {"quantity": quantity}

    app = Roob(static_dir=None)
    app.include_router(router)
    client = TestClient(app)
    assert client.post("/api/orders").status_code == 201
    assert client.post("/api/orders", query={"closed": 1}).status_code == 200
    assert client.post("/api/orders", query={"quantity": 0}).status_code == 422
    assert client.post("/api/orders", query={"quantity": 10}).status_code == 409


def test_a_response_a_tuple_and_a_wsgi_application_keep_their_status() -> None:
    def teapot(environ, start_response):
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
        return [b"short and stout"]

    app = app_with(
        ("/response", lambda request: Response(text="accepted", status=202), {"status": 201}),
        ("/tuple", lambda request: ({"later": True}, 202), {"status": 201}),
        ("/wsgi", lambda request: teapot, {"status": 201}),
    )
    client = TestClient(app)
    assert client.get("/response").status_code == 202
    assert client.get("/tuple").status_code == 202
    assert client.get("/wsgi").status_code == 418


# --- Body(embed=True) -------------------------------------------------------------------


def embed_app() -> Roob:
    app = Roob(static_dir=None)

    @app.post("/users")
    def register(request, user: Annotated[User, Body(embed=True)], value: str = "q"):
        return {"name": user.name, "query": value}

    @app.post("/settings")
    def settings(request, limits: Annotated[list[int], Body(embed=True, alias="value")] = []):  # noqa: B006
        return {"limits": limits}

    return app


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        (b'{"user": {"name": "ada"}}', 200, {"name": "ada", "query": "q"}),
        # FastAPI ignores other members of the envelope too.
        (b'{"user": {"name": "ada"}, "admin": true, "value": "x"}', 200, None),
        (b'{"name": "ada"}', 422, ["body", "user"]),  # the bare model is not the envelope
        (b'{"user": "ada"}', 422, ["body", "user"]),
        (b'{"user": null}', 422, ["body", "user"]),
        (b"[]", 422, ["body"]),
        (b'"user"', 422, ["body"]),
        (b"null", 422, ["body"]),
        (b"1e999", 422, ["body"]),
        # A duplicate member: the last one wins, as in every JSON parser Roob uses.
        (b'{"user": {"name": "ada"}, "user": {"name": 1}}', 422, ["body", "user", "name"]),
        (b"", 422, ["body", "user"]),
        (b'{"user": {"name": "ada"}', 400, None),
        (b'{"user": ' * 100_000 + b"{}" + b"}" * 100_000, 400, None),  # nested too deeply
        (b'{"user": {"name": NaN}}', 400, None),
        (b'{"\\ud800": 1, "user": {"name": "\\udc00"}}', 200, {"name": "\udc00", "query": "q"}),
    ],
)
def test_an_envelope_takes_only_its_key_and_refuses_the_rest_with_4xx(body, status, answer):
    response = TestClient(embed_app()).post(
        "/users", data=body, headers={"Content-Type": "application/json"}, query={"value": "q"}
    )
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["errors"][0]["loc"] == answer
    elif status == 200 and answer is not None:
        assert response.json() == answer


def test_an_envelope_keyed_value_and_a_query_parameter_of_the_same_name_stay_apart() -> None:
    client = TestClient(embed_app())
    assert client.post("/settings", json={"value": [1, "2"]}).json() == {"limits": [1, 2]}
    assert client.post("/settings", json={}).json() == {"limits": []}
    assert client.post("/settings").json() == {"limits": []}
    # The default is copied: a view that changes it does not change the next request's.
    assert client.post("/settings", json={"limits": [9]}).json() == {"limits": []}
    document = embed_app().openapi()["paths"]["/users"]["post"]
    schema = document["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["user"]
    assert list(schema["properties"]) == ["user"]
    assert [p["name"] for p in document["parameters"]] == ["value"]


def test_two_envelopes_and_an_alias_without_one_are_refused_when_added() -> None:
    """FastAPI merges several embedded bodies into one object; Roob refuses the second
    body, and an alias without embed= (it was silently ignored)."""

    def two(request, a: Annotated[User, Body(embed=True)], b: Annotated[User, Body(embed=True)]):
        return {}

    def alias(request, user: Annotated[User, Body(alias="user")]):
        return {}

    with pytest.raises(ConfigurationError, match="takes two bodies"):
        Roob(static_dir=None).add_route("/two", two, methods=["POST"])
    with pytest.raises(ConfigurationError, match=r"without embed=True the body is the value"):
        Roob(static_dir=None).add_route("/alias", alias, methods=["POST"])


# --- stacked @operation -----------------------------------------------------------------


def auth_required(view):
    """What the Conduit build wrote: a functools.wraps decorator documenting its 401."""

    @operation(responses={401: "No valid token"}, tags=["auth"])
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if "Authorization" not in request.headers:
            raise HTTPError(401, headers={"WWW-Authenticate": "Token"})
        return view(request, *args, **kwargs)

    return checked


def test_an_operation_added_by_a_decorator_merges_with_the_views_in_either_order() -> None:
    app = Roob(static_dir=None)

    @app.post("/inner")
    @auth_required
    @operation(status=201, responses={409: "Taken"}, tags=["users"], summary="Inner")
    def inner(request) -> User:
        return User(name="ada")

    @app.post("/outer")
    @operation(status=201, responses={409: "Taken"}, tags=["users"], summary="Outer")
    @auth_required
    def outer(request) -> User:
        return User(name="ada")

    client = TestClient(app)
    for path, summary, tags in [
        ("/inner", "Inner", ["auth", "users"]),
        ("/outer", "Outer", ["auth", "users"]),
    ]:
        assert client.post(path, headers={"Authorization": "Token t"}).status_code == 201
        refused = client.post(path)
        assert (refused.status_code, refused.headers["WWW-Authenticate"]) == (401, "Token")
        documented = app.openapi()["paths"][path]["post"]
        assert list(documented["responses"])[:3] == ["201", "401", "409"]
        assert (documented["summary"], sorted(documented["tags"])) == (summary, tags)


@pytest.mark.parametrize(
    ("first", "second", "what"),
    [
        ({"status": 201}, {"status": 202}, "status"),
        ({"summary": "a"}, {"summary": "b"}, "summary"),
        ({"responses": {409: "Taken"}}, {"responses": {409: "Gone"}}, r"responses\[409\]"),
        ({"response": User}, {"response": list[User]}, "response"),
        ({"request_body": User}, {"request_body": dict}, "request_body"),
    ],
)
def test_two_operations_that_disagree_are_refused_naming_what(first, second, what) -> None:
    def view(request):
        return {}

    with pytest.raises(ConfigurationError, match=f"{what}=.* conflicts with {what}="):
        operation(**second)(operation(**first)(view))


def test_include_false_from_any_operation_wins_and_the_same_value_twice_is_fine() -> None:
    def view(request):
        return {}

    view = operation(status=201, include=False)(operation(status=201, tags=["a"])(view))
    app = app_with(("/hidden", view, {"methods": ["POST"]}))
    assert "/hidden" not in app.openapi()["paths"]
    assert TestClient(app).post("/hidden").status_code == 201


# --- tuple return annotations -----------------------------------------------------------


class Article(BaseModel):
    slug: str


LEAKY = {"slug": "a", "author_password_hash": "x"}


@pytest.mark.parametrize(
    "annotation",
    [
        tuple[Article, int],
        Optional[tuple[Article, int]],  # noqa: UP045 - the spelling a user may write
        Union[tuple[Article, int], None],  # noqa: UP007
        tuple[Article, int] | Article,
        Annotated[tuple[Article, int], "created"],
        tuple[Article, Literal[201]],
        tuple[Article, HTTPStatus],
        tuple[Article, int, dict[str, str]],
    ],
)
def test_every_spelling_of_a_tuple_annotation_filters_the_body(annotation) -> None:
    """-> Annotated[tuple[Model, int], ...] was neither filtered nor documented as the
    model: the password hash went out."""

    def create(request):
        return (LEAKY, 201, {"X-Id": "1"}) if "dict" in repr(annotation) else (LEAKY, 201)

    create.__annotations__["return"] = annotation
    app = app_with(("/articles", create, {"methods": ["POST"]}))
    response = TestClient(app).post("/articles")
    assert (response.status_code, response.json()) == (201, {"slug": "a"})
    responses = app.openapi()["paths"]["/articles"]["post"]["responses"]
    schema = next(iter(responses.values()))["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/Article"} in (schema, *schema.get("anyOf", []))


@pytest.mark.parametrize(
    "annotation",
    [Annotated[Article, "the article"], Optional[Annotated[Article, "x"]]],  # noqa: UP045
)
def test_an_annotated_model_is_filtered_as_it_is_documented(annotation) -> None:
    """-> Annotated[Model, ...] was documented as the model and sent unfiltered."""

    def show(request):
        return LEAKY

    show.__annotations__["return"] = annotation
    assert TestClient(app_with(("/a", show, {}))).get("/a").json() == {"slug": "a"}
    shown = operation(response=Annotated[Article, "doc"])(lambda request: LEAKY)
    assert TestClient(app_with(("/b", shown, {}))).get("/b").json() == {"slug": "a"}


@pytest.mark.parametrize(
    "status", [Literal[999], Literal[99], Literal[101], Literal[True], Literal[201, 1000]]
)
def test_a_literal_status_that_is_no_final_status_is_refused(status) -> None:
    """-> tuple[Model, Literal[999]] registered and documented 999, a status HTTP has not."""

    def view(request):
        return LEAKY, 201

    view.__annotations__["return"] = tuple[Article, status]
    with pytest.raises(ConfigurationError, match="a Literal status is a final one"):
        app_with(("/a", view, {}))


def test_a_literal_of_several_statuses_documents_them() -> None:
    def accept(request) -> tuple[Article, Literal[201, 202]]:
        return LEAKY, 202

    app = app_with(("/jobs", accept, {"methods": ["POST"]}))
    assert TestClient(app).post("/jobs").status_code == 202
    documented = app.openapi()["paths"]["/jobs"]["post"]["responses"]
    assert {"201", "202"} <= set(documented)
    assert "200" not in documented


def test_an_annotated_query_list_takes_every_value() -> None:
    """Annotated[list[str], Field(max_length=3)] was read as one value: always a 422."""
    app = Roob(static_dir=None)

    @app.get("/search")
    def search(request, tag: Annotated[list[str], Field(max_length=2)] = []):  # noqa: B006
        return {"tag": tag}

    client = TestClient(app)
    assert client.get("/search?tag=a&tag=b").json() == {"tag": ["a", "b"]}
    assert client.get("/search?tag=a&tag=b&tag=c").status_code == 422


# --- HTTPError headers through exception handlers -----------------------------------------


def test_a_shared_error_page_is_not_changed_by_the_errors_it_answers() -> None:
    """A handler returning one Response built once got each error's headers appended to
    it: the second 405 was sent with the first route's Allow, for ever after."""
    page = Response(text="Not here", status=405)
    before = list(page.headerlist)
    app = Roob(static_dir=None)
    app.add_exception_handler(MethodNotAllowed, lambda request, exc: page)
    app.add_route("/read", lambda request: "r", methods=["GET"])
    app.add_route("/write", lambda request: "w", methods=["POST"])
    client = TestClient(app)
    assert client.post("/read").headers.getall("Allow") == ["GET, HEAD, OPTIONS"]
    assert client.get("/write").headers.getall("Allow") == ["POST, OPTIONS"]
    assert client.get("/write").text == "Not here"
    assert page.headerlist == before


@pytest.mark.parametrize(
    "handler",
    [
        lambda request, exc: ({"error": exc.message}, exc.status),
        lambda request, exc: Response(json={"error": exc.message}, status=exc.status),
        lambda request, exc: {"error": exc.message},
        lambda request, exc: (Response(text="no"), 401, {"X-Reason": "token"}),
    ],
)
def test_every_challenge_of_a_401_survives_a_reshaping_handler(handler) -> None:
    app = Roob(static_dir=None)
    app.add_exception_handler(HTTPError, handler)

    @app.get("/me")
    def me(request):
        raise HTTPError(
            401, headers=[("WWW-Authenticate", 'Bearer realm="api"'), ("WWW-Authenticate", "Basic")]
        )

    response = TestClient(app).get("/me")
    assert response.headers.getall("WWW-Authenticate") == ['Bearer realm="api"', "Basic"]


def test_a_handler_that_sets_the_header_itself_is_not_given_a_second_one() -> None:
    app = Roob(static_dir=None)
    app.add_exception_handler(
        HTTPError, lambda request, exc: ({}, exc.status, {"www-authenticate": "Token"})
    )
    app.add_route("/me", lambda request: (_ for _ in ()).throw(HTTPError(401, headers={
        "WWW-Authenticate": "Basic"})))  # fmt: skip
    assert TestClient(app).get("/me").headers.getall("WWW-Authenticate") == ["Token"]


@pytest.mark.parametrize("reshaped", [False, True])
def test_a_line_break_in_an_errors_header_is_a_400_never_an_injection(reshaped) -> None:
    app = Roob(static_dir=None)
    if reshaped:
        app.add_exception_handler(HTTPError, lambda request, exc: ({}, exc.status))

    @app.get("/login")
    def login(request):
        realm = request.GET["realm"]
        raise HTTPError(401, headers={"WWW-Authenticate": f'Bearer realm="{realm}"'})

    response = TestClient(app).get("/login", query={"realm": 'x"\r\nSet-Cookie: admin=1'})
    assert "Set-Cookie" not in response.headers
    assert response.status_code == 400


def test_a_handler_that_returns_nothing_never_turns_an_error_into_a_success() -> None:
    logged = []
    app = Roob(static_dir=None)
    app.add_exception_handler(HTTPError, lambda request, exc: logged.append(exc.status))

    @app.delete("/documents/1")
    def delete(request):
        raise HTTPError(403, "not yours")

    response = TestClient(app).delete("/documents/1")
    assert logged == [403]
    assert response.status_code >= 400


# --- hooks checked at registration ----------------------------------------------------------


def generator_hook(request):
    yield  # a FastAPI-style dependency with yield, registered as a hook


class AsyncCallable:
    async def __call__(self, request, response=None):
        return None


class GeneratorCallable:
    def __call__(self, request, exc=None):
        yield b"partial"


@pytest.mark.parametrize(
    ("register", "hook", "message"),
    [
        ("before_request", generator_hook, r"is a generator \(it yields\)"),
        ("after_request", lambda request, response: (yield), r"is a generator \(it yields\)"),
        ("before_request", AsyncCallable(), "is an async def"),
        ("after_request", AsyncCallable(), "is an async def"),
        ("before_request", GeneratorCallable(), r"is a generator \(it yields\)"),
        ("before_request", functools.partial(generator_hook), r"is a generator \(it yields\)"),
    ],
)
def test_a_hook_that_would_answer_every_request_with_a_500_is_refused(register, hook, message):
    """Each of these registered, then every request was a 500 (a generator or a coroutine
    is no response), the class of defect the review found for hooks without arguments."""
    app = Roob(static_dir=None)
    with pytest.raises(ConfigurationError, match=message):
        getattr(app, register)(hook)
    with pytest.raises(ConfigurationError, match=message):
        getattr(Router("/api"), register)(hook)
    app.add_route("/", lambda request: "up")
    assert TestClient(app).get("/").text == "up"


def test_an_exception_handler_that_yields_or_is_async_is_refused() -> None:
    app = Roob(static_dir=None)
    with pytest.raises(ConfigurationError, match="is a generator"):
        app.add_exception_handler(KeyError, GeneratorCallable())
    with pytest.raises(ConfigurationError, match="is an async def"):
        app.add_exception_handler(KeyError, AsyncCallable())


class Hooks:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def before(self, request, *rest):
        self.calls.append("bound")

    @staticmethod
    def static(request, response, *, extra=None):
        request.environ["roob.test.calls"].append("static")

    @classmethod
    def on_error(cls, request, exc, /):
        return {"handled": type(exc).__name__}, 418


class ErrorPage(Response):
    """A Response subclass as an exception handler: calling the class makes the answer."""

    def __init__(self, request, exc) -> None:
        super().__init__(text=f"sorry: {exc}", status=409)


def test_every_callable_that_can_take_the_arguments_still_registers_and_runs() -> None:
    calls: list[str] = []
    app = Roob(static_dir=None)
    app.before_request(lambda request: request.environ.update({"roob.test.calls": calls}))
    app.before_request(Hooks(calls).before)
    app.before_request(functools.partial(lambda tag, request, *a, **k: calls.append(tag), "p"))
    app.after_request(Hooks.static)
    app.after_request(lambda request, response=None, *more, **options: calls.append("kw"))
    app.add_exception_handler(KeyError, Hooks.on_error)
    app.add_exception_handler(LookupError, ErrorPage)

    @app.get("/")
    def index(request):
        raise KeyError(request.GET.get("k", "x"))

    @app.get("/lookup")
    def lookup(request):
        raise IndexError("seat 9")

    client = TestClient(app)
    answer = client.get("/")
    assert (answer.status_code, answer.json()) == (418, {"handled": "KeyError"})
    assert calls == ["bound", "p", "static", "kw"]
    assert (client.get("/lookup").status_code, client.get("/lookup").text) == (409, "sorry: seat 9")


# --- after hooks always get a Response ----------------------------------------------------


def metrics(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"requests_total 1\n"]


def test_a_hook_that_returns_a_wsgi_application_hands_the_next_hook_a_response() -> None:
    """A first after hook returning a WSGI application (a metrics endpoint) gave the next
    hook the bare function: response.status_code raised, a 500."""
    seen = []
    app = Roob(static_dir=None)
    app.after_request(lambda request, response: metrics if request.path == "/m" else None)
    app.after_request(lambda request, response: seen.append(response.status_code))
    app.add_route("/m", lambda request: "replaced")
    response = TestClient(app).get("/m")
    assert (response.status_code, response.text) == (200, "requests_total 1\n")
    assert seen == [200]


def call(app: Roob, path: str, method: str = "GET") -> tuple[list[Any], bytes]:
    """Call ``app`` as a server would (no WSGI lint in the way): the start_response calls
    and the body, closed."""
    started: list[Any] = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))
        return lambda data: started.append(("write", data))

    body = app(webob.Request.blank(path, method=method).environ, start_response)
    try:
        return started, b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()


def recording_app(view_result: Any) -> tuple[Roob, list[Any]]:
    seen: list[Any] = []
    app = Roob(static_dir=None)

    @app.after_request
    def record(request, response):
        seen.append((response.status_code, response.headers.get("X-App")))
        response.headers["X-Hooked"] = "1"

    app.add_route("/", lambda request: view_result)
    return app, seen


def test_an_application_that_restarts_with_exc_info_is_seen_with_its_error_status() -> None:
    def failing(environ, start_response):
        start_response("200 OK", [("X-App", "first")])
        try:
            raise OSError("disk")
        except OSError:
            start_response("503 Service Unavailable", [("X-App", "second")], sys.exc_info())
        return [b"unavailable"]

    app, seen = recording_app(failing)
    started, body = call(app, "/")
    assert started[0][0] == "503 Service Unavailable"
    assert ("X-Hooked", "1") in started[0][1]
    assert (seen, body) == ([(503, "second")], b"unavailable")


def test_a_generator_application_starting_late_streams_after_the_hook_even_for_head() -> None:
    produced = []

    def lazy(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "lazy")])
        produced.append("started")
        yield b"one,"
        produced.append("second chunk")
        yield b"two"

    app, seen = recording_app(lazy)
    started, body = call(app, "/")
    assert (body, seen, produced) == (b"one,two", [(200, "lazy")], ["started", "second chunk"])
    produced.clear()
    started, body = call(app, "/", "HEAD")
    assert (started[0][0], body) == ("200 OK", b"")


def test_an_application_that_writes_and_returns_nothing_more() -> None:
    def legacy(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "w")])
        write(b"all of it")
        return []

    app, seen = recording_app(legacy)
    _, body = call(app, "/")
    assert (body, seen) == (b"all of it", [(200, "w")])


def test_an_application_that_never_starts_is_a_500_and_is_closed(caplog) -> None:
    closed = []

    class Never:
        def __iter__(self):
            return iter([b"", b"", b"data before any start_response"])

        def close(self):
            closed.append(True)

    app, _ = recording_app(lambda environ, start_response: Never())
    with caplog.at_level(logging.ERROR, logger="roob"):
        started, body = call(app, "/")
    assert started[0][0].startswith("500")
    assert b"data before" not in body
    assert "ended without calling start_response" in caplog.text
    assert closed == [True]
