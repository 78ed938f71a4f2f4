"""Dependencies (roob/dependencies.py), as a user observes them through the test client.

Hostile cases ported from FastAPI's own suite (github:fastapi/fastapi at c3f316b,
tests/test_dependency_*.py), read to learn what breaks dependency systems: the
per-request cache and ``use_cache=False`` (test_dependency_cache.py), code after a
``yield`` that raises or converts the error (test_dependency_after_yield_raise.py), a
session a streamed body still reads (test_dependency_after_yield_streaming.py), callable
instances, generator ``__call__`` and bound methods as providers, async ones refused
(test_dependency_class.py), ``functools.partial`` providers
(test_dependency_partial.py), the same body read by the view and a provider
(test_dependency_duplicates.py), a path parameter read by a route's dependency
(test_param_in_path_and_dependency.py), a provider used twice listed once in the
document (test_repeated_dependency_schema.py), and string annotations
(test_stringified_annotation_dependency.py).
"""

# No ``from __future__ import annotations``: the providers are defined in the tests, and
# string annotations naming local functions do not resolve (at module level they do).
import functools
import logging
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from roob import (
    ConfigurationError,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    HTTPError,
    Request,
    Response,
    Roob,
    Router,
    UploadedFile,
)
from roob.dependencies import Dependency, walk
from roob.testing import TestClient


class Item(BaseModel):
    data: str


@pytest.fixture
def events() -> list[str]:
    return []


# --- values: what a provider receives ---------------------------------------------


def test_both_spellings_give_the_provider_s_value(app, client) -> None:
    def greeting() -> str:
        return "hello"

    @app.get("/annotated")
    def annotated(request, text: Annotated[str, Depends(greeting)]):
        return {"text": text}

    @app.get("/default")
    def default(request, text=Depends(greeting)):
        return {"text": text}

    assert client.get("/annotated").json() == {"text": "hello"}
    assert client.get("/default").json() == {"text": "hello"}


def test_a_provider_gets_the_request_the_path_and_typed_parameters(app, client) -> None:
    class MyRequest(Request):
        pass

    def by_annotation(req: Request) -> str:
        return req.path

    def by_name(request) -> str:
        return request.method

    def everything(
        org: str,
        limit: int,
        agent: Annotated[str, Header(alias="User-Agent")],
        theme: Annotated[str, Cookie()] = "light",
        tags: list[str] = [],  # noqa: B006 - a default is copied per request
    ) -> dict[str, Any]:
        return {"org": org, "limit": limit, "agent": agent, "theme": theme, "tags": tags}

    @app.get("/orgs/{org}")
    def view(
        request,
        org,
        path: Annotated[str, Depends(by_annotation)],
        method: Annotated[str, Depends(by_name)],
        data: Annotated[dict, Depends(everything)],
    ):
        return {"path": path, "method": method, **data}

    response = client.get(
        "/orgs/acme?limit=5&tags=a&tags=b", headers={"User-Agent": "t/1", "Cookie": "theme=dark"}
    )
    assert response.json() == {
        "path": "/orgs/acme", "method": "GET", "org": "acme", "limit": 5,
        "agent": "t/1", "theme": "dark", "tags": ["a", "b"],
    }  # fmt: skip
    subclassed = Roob(static_dir=None, request_class=MyRequest)

    @subclassed.get("/")
    def plain(request, kind: Annotated[str, Depends(lambda request: type(request).__name__)]):
        return {"kind": kind}

    assert TestClient(subclassed).get("/").json() == {"kind": "MyRequest"}


def test_providers_nest_and_read_the_body_forms_and_files(app, client) -> None:
    def item(item: Item) -> str:
        return item.data

    def shout(data: Annotated[str, Depends(item)]) -> str:
        return data.upper()

    @app.post("/items")
    def create(request, loud: Annotated[str, Depends(shout)]):
        return {"loud": loud}

    def upload(title: Annotated[str, Form()], doc: Annotated[UploadedFile, File()]) -> str:
        return f"{title}:{doc.read().decode()}"

    @app.post("/upload")
    def receive(request, text=Depends(upload)):
        return {"text": text}

    assert client.post("/items", json={"data": "abc"}).json() == {"loud": "ABC"}
    sent = client.post("/upload", data={"title": "t"}, files={"doc": ("a.txt", b"xyz")})
    assert sent.json() == {"text": "t:xyz"}


def test_the_view_and_a_provider_may_read_the_same_body(app, client) -> None:
    # FastAPI's test_dependency_duplicates.py: one body, two readers.
    def same(item: Item) -> Item:
        return item

    @app.post("/twice")
    def twice(request, item: Item, again: Annotated[Item, Depends(same)]):
        return [item.model_dump(), again.model_dump()]

    assert client.post("/twice", json={"data": "x"}).json() == [{"data": "x"}, {"data": "x"}]


def test_every_invalid_value_of_the_tree_is_reported_at_once(app, client, events) -> None:
    def user(token: Annotated[str, Header(alias="X-Token")]) -> str:
        events.append("user")
        return token

    def page(page: int, user: Annotated[str, Depends(user)]) -> int:
        events.append("page")
        return page

    @app.get("/list")
    def listing(request, who=Depends(user), number=Depends(page), limit: int = 10):
        events.append("view")
        return {}

    response = client.get("/list?page=x&limit=y")
    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation failed",
        "errors": [  # the header once: user is cached, failing or not
            {"loc": ["header", "X-Token"], "msg": "Field required", "type": "missing"},
            {"loc": ["query", "page"], "msg": "Input should be a valid integer, unable to "
             "parse string as an integer", "type": "int_parsing"},
            {"loc": ["query", "limit"], "msg": "Input should be a valid integer, unable to "
             "parse string as an integer", "type": "int_parsing"},
        ],
    }  # fmt: skip
    assert events == []  # nothing with an invalid input ran
    response = client.get("/list?page=x", headers={"X-Token": "t"})
    assert [error["loc"] for error in response.json()["errors"]] == [["query", "page"]]
    assert events == ["user"]  # what could run did, as in FastAPI


def test_a_provider_that_raises_answers_with_its_error(app, client) -> None:
    def authenticated(request) -> None:
        raise HTTPError(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/private", dependencies=[Depends(authenticated)])
    def private(request, limit: int):
        return {}

    response = client.get("/private?limit=x")  # the 401 before the view's 422
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --- the cache ---------------------------------------------------------------------


def test_a_provider_runs_once_per_request_unless_use_cache_is_false(app, client) -> None:
    # FastAPI's test_dependency_cache.py.
    counter = {"n": 0}

    def count() -> int:
        counter["n"] += 1
        return counter["n"]

    def outer(inner: Annotated[int, Depends(count)]) -> int:
        return inner

    @app.get("/cached", dependencies=[Depends(count)])
    def cached(request, sub: Annotated[int, Depends(outer)], n: Annotated[int, Depends(count)]):
        return {"sub": sub, "n": n}

    @app.get("/uncached")
    def uncached(request, sub=Depends(outer), n=Depends(count, use_cache=False)):
        return {"sub": sub, "n": n}

    assert client.get("/cached").json() == {"sub": 1, "n": 1}
    assert client.get("/cached").json() == {"sub": 2, "n": 2}  # a new request, a new run
    counter["n"] = 0
    assert client.get("/uncached").json() == {"sub": 1, "n": 2}
    assert client.get("/uncached").json() == {"sub": 3, "n": 4}


def test_an_unhashable_provider_is_cached_by_identity(app, client) -> None:
    class Counter:
        __hash__ = None  # type: ignore[assignment] - as a dataclass with eq=True

        def __init__(self) -> None:
            self.calls = 0

        def __call__(self) -> int:
            self.calls += 1
            return self.calls

    counter = Counter()

    @app.get("/")
    def view(request, a=Depends(counter), b=Depends(counter)):
        return {"a": a, "b": b}

    assert client.get("/").json() == {"a": 1, "b": 1}


# --- route, router and application dependencies --------------------------------------


def test_dependencies_run_app_first_then_routers_outermost_first(tmp_path, events) -> None:
    def mark(label: str) -> Depends:
        def provider() -> None:
            events.append(label)

        provider.__qualname__ = label
        return Depends(provider)

    app = Roob(tmp_path, None, dependencies=[mark("app")])
    outer = Router("/outer", dependencies=[mark("outer")])
    inner = Router("/inner", dependencies=(mark("inner"),))

    parameter = mark("parameter")

    @inner.get("/x", dependencies=[mark("route")])
    def view(request, value=parameter):
        events.append("view")
        return {}

    outer.include_router(inner)
    app.include_router(outer)

    @app.get("/own")
    def own(request):
        events.append("own")
        return {}

    client = TestClient(app)
    assert client.get("/outer/inner/x").status_code == 200
    assert events == ["app", "outer", "inner", "route", "parameter", "view"]
    events.clear()
    client.get("/own")
    assert events == ["app", "own"]


def test_a_route_dependency_may_read_a_path_parameter(app, client) -> None:
    # FastAPI's test_param_in_path_and_dependency.py.
    def user_exists(user_id: int) -> None:
        if user_id != 42:
            raise HTTPError(404, "No such user")

    @app.get("/users/{user_id:int}", dependencies=[Depends(user_exists)])
    def read_user(request, user_id):
        return {"id": user_id}

    assert client.get("/users/42").json() == {"id": 42}
    assert client.get("/users/7").status_code == 404
    parameters = app.openapi()["paths"]["/users/{user_id}"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["user_id"]  # once, as the path's


def test_the_api_docs_are_served_without_the_application_s_dependencies(tmp_path) -> None:
    def locked() -> None:
        raise HTTPError(401, "Not authenticated")

    app = Roob(tmp_path, None, dependencies=[Depends(locked)])
    app.add_api_docs()

    @app.get("/")
    def home(request):
        return {}

    client = TestClient(app)
    assert client.get("/").status_code == 401
    assert client.get("/openapi.json").status_code == 200


# --- class views and providers that are not plain functions ------------------------


def test_class_views_take_dependencies_in_their_methods(app, client) -> None:
    def who(request) -> str:
        return request.headers.get("X-User", "anonymous")

    @app.route("/me")
    class Me:
        def get(self, request, user: Annotated[str, Depends(who)]):
            return {"user": user}

        def delete(self, request, user=Depends(who)):
            return {"deleted": user}

    assert client.get("/me", headers={"X-User": "ann"}).json() == {"user": "ann"}
    assert client.delete("/me").json() == {"deleted": "anonymous"}


def test_instances_methods_partials_and_classes_are_providers(app, client, events) -> None:
    # FastAPI's test_dependency_class.py and test_dependency_partial.py.
    class Callable:
        def __call__(self, value: str) -> str:
            return f"call:{value}"

    class Generating:
        def __call__(self, value: str) -> Iterator[str]:
            yield f"gen:{value}"
            events.append("gen finished")

    class Methods:
        def synchronous(self, value: str) -> str:
            return f"method:{value}"

    class Pagination:
        def __init__(self, limit: int = 10) -> None:
            self.limit = limit

    def prefixed(prefix: str, value: str) -> str:
        return prefix + value

    instance, generating, bound = Callable(), Generating(), Methods().synchronous
    partial = functools.partial(prefixed, "partial:")

    @app.get("/")
    def view(
        request,
        a=Depends(instance),
        b=Depends(generating),
        c=Depends(bound),
        d=Depends(partial),
        page: Annotated[Pagination, Depends(Pagination)] = None,  # type: ignore[assignment]
    ):
        return [a, b, c, d, page.limit]

    assert client.get("/?value=v&limit=3").json() == [
        "call:v", "gen:v", "method:v", "partial:v", 3
    ]  # fmt: skip
    assert events == ["gen finished"]


# --- generator dependencies -----------------------------------------------------------


@pytest.fixture
def session_provider(events):
    def session() -> Iterator[str]:
        events.append("open")
        try:
            yield "session"
        except Exception as exc:
            events.append(f"rollback {type(exc).__name__}")
            raise
        else:
            events.append("commit")
        finally:
            events.append("close")

    return session


def test_code_after_yield_runs_after_the_answer_last_in_first_out(app, client, events) -> None:
    def named(label: str):
        def provider() -> Iterator[str]:
            events.append(f"enter {label}")
            yield label
            events.append(f"exit {label}")

        return provider

    first, second = named("first"), named("second")

    @app.get("/")
    def view(request, a=Depends(first), b=Depends(second)):
        events.append("view")
        return {"a": a, "b": b}

    assert client.get("/").json() == {"a": "first", "b": "second"}
    assert events == ["enter first", "enter second", "view", "exit second", "exit first"]


def test_the_error_of_the_answer_is_thrown_in_at_the_yield(
    app, client, events, session_provider
) -> None:
    @app.get("/ok")
    def ok(request, db=Depends(session_provider)):
        return {"db": db}

    @app.get("/missing")
    def missing(request, db=Depends(session_provider)):
        raise HTTPError(404, "No such article")

    @app.get("/invalid")
    def invalid(request, db=Depends(session_provider), limit: int = 1):
        return {}

    assert client.get("/ok").json() == {"db": "session"}
    assert events == ["open", "commit", "close"]
    events.clear()
    assert client.get("/missing").status_code == 404
    assert events == ["open", "rollback HTTPError", "close"]
    events.clear()
    assert client.get("/invalid?limit=x").status_code == 422  # the view's own parameter
    assert events == ["open", "rollback UnprocessableEntity", "close"]


def test_teardowns_run_after_the_dependencies_and_uploads_are_closed(
    app, client, events, session_provider
) -> None:
    @app.teardown_request
    def teardown(request, exc):
        events.append("teardown")

    @app.post("/")
    def view(request, db=Depends(session_provider)):
        request.files  # noqa: B018 - parsed: the request now holds an upload
        return {}

    client.post("/", files={"doc": ("a.txt", b"data")})
    assert events == ["open", "commit", "close", "teardown"]


def test_failures_after_yield_are_logged_and_the_answer_stays(app, client, caplog) -> None:
    # FastAPI's test_dependency_after_yield_raise.py: there, converting the error into
    # an HTTPException changes the answer; in Roob the answer is made (and for a
    # streamed body, sent) before the rest of the generator runs, so it is logged.
    class CustomError(Exception):
        pass

    def catching() -> Iterator[str]:
        try:
            yield "s"
        except CustomError as err:
            raise HTTPError(418, "Session error") from err

    def broken() -> Iterator[str]:
        yield "s"
        raise ValueError("Broken after yield")

    def twice() -> Iterator[str]:
        yield "s"
        yield "again"

    @app.get("/catching")
    def catching_view(request, d=Depends(catching)):
        raise CustomError("in the view")

    @app.get("/broken")
    def broken_view(request, d=Depends(broken)):
        return {"message": "all good?"}

    @app.get("/twice")
    def twice_view(request, d=Depends(twice)):
        return {}

    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/catching").status_code == 500
        assert client.get("/broken").json() == {"message": "all good?"}
        assert client.get("/twice").status_code == 200
    messages = [record.getMessage() for record in caplog.records]
    assert messages[1:] == [
        f"The generator dependency {catching.__qualname__} failed",
        f"The generator dependency {broken.__qualname__} failed",
        f"The generator dependency {twice.__qualname__} yielded twice; a dependency yields "
        "its value once",
    ]
    assert messages[0] == "Unhandled exception: GET /catching"


def test_a_generator_that_does_not_yield_is_a_500(app, client, caplog) -> None:
    def empty() -> Iterator[str]:
        return
        yield  # a generator all the same

    @app.get("/")
    def view(request, value=Depends(empty)):
        return {}

    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/").status_code == 500
    assert "returned without yielding a value" in caplog.text


def test_what_is_not_an_exception_is_not_swallowed_after_yield(app, client) -> None:
    def stopping() -> Iterator[str]:
        yield "s"
        raise KeyboardInterrupt

    @app.get("/")
    def view(request, value=Depends(stopping)):
        return {}

    with pytest.raises(KeyboardInterrupt):
        client.get("/")


def test_a_streamed_body_is_sent_before_the_code_after_yield_runs(app, client, events) -> None:
    # FastAPI's test_dependency_after_yield_streaming.py: the body reads the session.
    class Session:
        open = True

        def rows(self) -> Iterator[bytes]:
            for row in (b"foo", b"bar", b"baz"):
                if not self.open:
                    raise ValueError("Session closed")
                yield row

    def session() -> Iterator[Session]:
        value = Session()
        try:
            yield value
        finally:
            value.open = False
            events.append("closed")

    @app.get("/stream")
    def stream(request, db: Annotated[Session, Depends(session)]):
        return Response(app_iter=db.rows(), content_type="text/plain")

    assert client.get("/stream").text == "foobarbaz"
    assert events == ["closed"]


# --- registration mistakes ------------------------------------------------------------


def _refused(app: Roob, view: Any, match: str, **options: Any) -> None:
    with pytest.raises(ConfigurationError, match=match):
        app.add_route("/r", view, **options)


def test_unresolvable_providers_are_refused_naming_route_view_and_provider(app) -> None:
    class Opaque:
        pass

    def opaque(thing: Opaque) -> None: ...

    def needs_opaque(value=Depends(opaque)) -> None: ...

    def view(request, value=Depends(needs_opaque)):
        return {}

    _refused(
        app, view,
        r"route '/r': view \S*view: dependency \S*needs_opaque -> \S*opaque: parameter "
        r"'thing': pydantic cannot validate",
    )  # fmt: skip

    def positional(value, /) -> None: ...

    def view2(request, value=Depends(positional)):
        return {}

    _refused(app, view2, r"dependency \S*positional: it takes 'value' positional-only")

    def view3(request, value=Depends("not callable")):  # type: ignore[arg-type]
        return {}

    _refused(app, view3, r"dependency 'not callable': Depends\(\) takes a function")

    def view4(request, value=Depends(dict)):
        return {}

    _refused(app, view4, r"dependency dict: Roob cannot read its signature; wrap it in a def")


def test_a_string_annotation_that_does_not_resolve_is_refused(app) -> None:
    # FastAPI's test_stringified_annotation_dependency.py resolves what it can; what
    # cannot be resolved is named here, not a 500 at the first request.
    def provider(value: "Undefined") -> None: ...  # type: ignore[name-defined]  # noqa: F821

    def view(request, value=Depends(provider)):
        return {}

    _refused(app, view, r"dependency \S*provider: an annotation does not resolve")


def test_a_cycle_is_refused(app) -> None:
    def first(value: Annotated[int, Depends(lambda: 0)]) -> int:
        return value

    def second(value: Annotated[int, Depends(first)]) -> int:
        return value

    first.__annotations__["value"] = Annotated[int, Depends(second)]

    def view(request, value=Depends(first)):
        return {}

    _refused(app, view, r"dependency \S*first -> \S*second -> \S*first: .* in a cycle")


def test_async_providers_are_refused(app) -> None:
    async def coroutine() -> None: ...

    async def agen() -> Any:
        yield 1

    class AsyncCall:
        async def __call__(self) -> None: ...

    for provider in (coroutine, agen, AsyncCall()):

        def view(request, value=Depends(provider)):
            return {}

        _refused(app, view, "it is an async def; Roob is a WSGI framework")


def test_dependencies_must_be_a_list_of_depends(app, tmp_path) -> None:
    def view(request):
        return {}

    _refused(app, view, "route '/r': dependencies= must be a list of Depends", dependencies=[view])
    _refused(app, view, "dependencies= must be a list of Depends", dependencies=Depends(view))
    with pytest.raises(ConfigurationError, match=r"Router\('/x'\): dependencies= must be"):
        Router("/x", dependencies=[view])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match=r"Roob\(...\): dependencies= must be"):
        Roob(tmp_path, None, dependencies=view)  # type: ignore[arg-type]


def test_a_dependency_named_like_a_path_parameter_and_two_bodies_are_refused(app) -> None:
    def view(request, id=Depends(lambda: 1)):
        return {}

    with pytest.raises(ConfigurationError, match="'id' is a path parameter and a dependency"):
        app.add_route("/r/{id}", view)

    def other(other: Item) -> Item:
        return other

    def two(request, item: Item, more=Depends(other)):
        return {}

    _refused(app, two, r"the view and its dependencies take two bodies \(item and other, of")


# --- what the application and its document see -------------------------------------


def test_a_view_without_dependencies_is_served_as_it_is(app) -> None:
    def plain(request):
        return {}

    route = app.add_route("/", plain)
    assert route.endpoints["GET"].view is plain
    assert route.endpoints["GET"].signature.dependencies == ()


def test_the_tree_is_on_the_signature_and_walk_gives_each_provider_once(app) -> None:
    def leaf() -> int:
        return 1

    def left(value=Depends(leaf)) -> int:
        return value

    def right(value=Depends(leaf), again=Depends(leaf, use_cache=False)) -> int:
        return value

    def view(request, a=Depends(left), b=Depends(right)):
        return {}

    route = app.add_route("/", view, dependencies=[Depends(leaf)])
    trees = route.endpoints["GET"].signature.dependencies
    assert [node.provider for node in trees] == [leaf, left, right]
    assert all(isinstance(node, Dependency) for node in trees)
    assert [node.provider for node in walk(trees)] == [leaf, left, leaf, right]
    assert repr(Depends(leaf, use_cache=False)) == f"Depends({leaf.__qualname__}, use_cache=False)"
    assert repr(Depends(leaf)) == f"Depends({leaf.__qualname__})"


def test_the_document_lists_the_parameters_dependencies_read(app) -> None:
    # FastAPI's test_repeated_dependency_schema.py: a header read twice is listed once.
    def token(x_token: Annotated[str, Header()]) -> str:
        return x_token

    def user(token: Annotated[str, Depends(token)], x_token: Annotated[str, Header()]) -> str:
        return token

    def item(item: Item) -> Item:
        return item

    @app.post("/items/{id}", dependencies=[Depends(token)])
    def create(request, id, who=Depends(user), body=Depends(item), limit: int = 5):
        return {}

    document = app.openapi()
    validate(document)
    operation = document["paths"]["/items/{id}"]["post"]
    assert [(p["in"], p["name"]) for p in operation["parameters"]] == [
        ("path", "id"), ("query", "limit"), ("header", "x-token")
    ]  # fmt: skip
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert "422" in operation["responses"]
