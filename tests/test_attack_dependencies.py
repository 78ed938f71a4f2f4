"""roob.Depends attacked the way a hostile client or a careless user would.

Hostile cases read in FastAPI's suite (github:fastapi/fastapi at c3f316b):
tests/test_dependency_wrapped.py (providers behind ``functools.wraps`` decorators,
generator ones included, are still generator dependencies),
test_dependency_partial.py (``functools.partial`` providers),
test_dependency_after_yield_raise.py and test_dependency_yield_except_httpexception.py
(what the code after ``yield`` sees and what it may do), test_dependency_cache.py (one
value per request, never across requests), test_dependency_duplicates.py (one input
read by the view and a provider), test_param_in_path_and_dependency.py; and
fastapi/dependencies/utils.py, which refuses ``Depends`` given both in ``Annotated`` and
as the default. Read to learn, not copied.
"""

# No ``from __future__ import annotations``: providers are defined inside the tests.
import contextlib
import functools
import http.client
import json
import logging
import socket
import textwrap
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from roob import ConfigurationError, Depends, HTTPError, NotFound, Roob
from roob.testing import TestClient
from tests.servers import ServerProcess, free_port, server_command


@pytest.fixture
def app() -> Roob:
    return Roob()


@pytest.fixture
def client(app: Roob) -> TestClient:
    return TestClient(app)


def noop_wrap(function: Any) -> Any:
    """A decorator as users write them (logging, timing): ``functools.wraps`` kept."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper


# --- a partial's bound arguments belong to the application, not to the client -----------


def test_a_partials_bound_keyword_cannot_be_overridden_from_the_query(app, client) -> None:
    # Docs (dependencies.md) list functools.partial as a provider; the obvious use is
    # one checker bound per route. The bound role must not become a query parameter.
    def require_role(request, role: str = "reader") -> str:
        return role

    admin_only = functools.partial(require_role, role="admin")

    @app.get("/admin")
    def admin(request, role=Depends(admin_only)):
        return {"role": role}

    assert client.get("/admin").json() == {"role": "admin"}
    assert client.get("/admin?role=reader").json() == {"role": "admin"}
    assert "parameters" not in app.openapi()["paths"]["/admin"]["get"]


def test_a_partials_unbound_parameters_are_still_read_from_the_request(app, client) -> None:
    def page(size: int, limit: int = 100) -> dict[str, int]:
        return {"size": size, "limit": limit}

    ten = functools.partial(page, limit=10)

    @app.get("/items")
    def items(request, paging=Depends(ten)):
        return paging

    assert client.get("/items?size=3&limit=999").json() == {"size": 3, "limit": 10}
    assert client.get("/items").status == "422 Unprocessable Entity"


# --- mistakes that were silently accepted ------------------------------------------------


def first() -> str:
    return "first"


def second() -> str:
    return "second"


def test_depends_in_annotated_and_as_the_default_is_refused(app) -> None:
    def view(request, value: Annotated[str, Depends(first)] = Depends(second)):
        return {"value": value}

    with pytest.raises(ConfigurationError, match=r"'value'.*Depends.*once"):
        app.add_route("/", view)


def test_two_depends_in_one_annotated_are_refused(app) -> None:
    def view(request, value: Annotated[str, Depends(first), Depends(second)]):
        return {"value": value}

    with pytest.raises(ConfigurationError, match=r"'value'.*Depends.*once"):
        app.add_route("/", view)


def test_a_providers_depends_given_twice_is_refused(app) -> None:
    def provider(value: Annotated[str, Depends(first)] = Depends(second)) -> str:
        return value

    def view(request, value=Depends(provider)):
        return {"value": value}

    with pytest.raises(ConfigurationError, match=r"dependency .*provider.*'value'"):
        app.add_route("/", view)


@pytest.mark.parametrize(
    "provider",
    [lambda **query: query, lambda *values: values, lambda page=1, **rest: rest],
    ids=["kwargs", "args", "page-and-kwargs"],
)
def test_a_provider_taking_args_or_kwargs_is_refused(app, provider) -> None:
    # It would be called with nothing in them, whatever the request holds.
    def view(request, value=Depends(provider)):
        return {"value": str(value)}

    with pytest.raises(ConfigurationError, match=r"\*args or \*\*kwargs"):
        app.add_route("/", view)


def test_a_query_name_read_with_two_types_is_refused(app) -> None:
    # The document would say string (the view's) while the provider refuses "abc".
    def as_number(q: int) -> int:
        return q

    def view(request, q: str, number=Depends(as_number)):
        return {"q": q}

    with pytest.raises(ConfigurationError, match=r"'q'.*as_number.*differently"):
        app.add_route("/", view)


def test_one_query_parameter_read_by_the_view_and_a_provider_is_reported_once(app, client) -> None:
    def as_number(q: int) -> int:
        return q

    @app.get("/")
    def view(request, q: int, number=Depends(as_number)):
        return {"q": q, "number": number}

    assert client.get("/?q=4").json() == {"q": 4, "number": 4}
    response = client.get("/")
    assert response.status == "422 Unprocessable Entity"
    assert response.json()["errors"] == [
        {"loc": ["query", "q"], "msg": "Field required", "type": "missing"}
    ]


# --- generator providers the resolver must recognise -------------------------------------


def test_a_generator_provider_behind_a_decorator_is_a_generator_dependency(app, client) -> None:
    events: list[str] = []

    @noop_wrap
    def session() -> Iterator[str]:
        events.append("open")
        yield "session"
        events.append("closed")

    @app.get("/")
    def view(request, db=Depends(session)):
        return {"db": db}

    assert client.get("/").json() == {"db": "session"}
    assert events == ["open", "closed"]


def test_a_context_manager_given_to_depends_is_a_logged_500(app, client, caplog) -> None:
    # contextlib.contextmanager wraps a generator function but returns a context manager;
    # the view must never receive the context manager object.
    @contextlib.contextmanager
    def session() -> Iterator[str]:
        yield "session"

    @app.get("/")
    def view(request, db=Depends(session)):
        return {"db": repr(db)}

    with caplog.at_level(logging.ERROR, logger="roob"):
        response = client.get("/")
    assert response.status == "500 Internal Server Error"
    assert "_GeneratorContextManager" not in response.text
    assert "session" in caplog.text
    assert "generator" in caplog.text


# --- what the code after yield sees -------------------------------------------------------


def test_a_later_provider_failing_is_thrown_into_each_entered_generator_lifo(
    app, client, caplog
) -> None:
    events: list[str] = []

    def outer() -> Iterator[str]:
        events.append("outer in")
        try:
            yield "o"
        except HTTPError as exc:
            events.append(f"outer saw {exc.status}")
            raise

    def inner(o=Depends(outer)) -> Iterator[str]:
        events.append("inner in")
        try:
            yield "i"
        except HTTPError as exc:
            events.append(f"inner saw {exc.status}")
            raise NotFound("converted after the answer") from exc

    def failing(i=Depends(inner)) -> None:
        raise HTTPError(409, "conflict")

    @app.get("/")
    def view(request, f=Depends(failing)):
        events.append("view")  # never
        return {}

    with caplog.at_level(logging.ERROR, logger="roob"):
        response = client.get("/")
    # The answer was made before the teardown: converting the error there changes nothing
    # the client sees, and is logged.
    assert (response.status, response.json()) == ("409 Conflict", {"message": "conflict"})
    assert events == ["outer in", "inner in", "inner saw 409", "outer saw 409"]
    assert "inner" in caplog.text


def test_a_generator_that_swallows_the_error_does_not_turn_it_into_a_success(app, client) -> None:
    def forgiving() -> Iterator[str]:
        with contextlib.suppress(Exception):  # swallowed
            yield "value"

    @app.get("/")
    def view(request, value=Depends(forgiving)):
        raise HTTPError(418, "teapot")

    response = client.get("/")
    assert response.status == "418 I'm a teapot"


def test_use_cache_false_generators_are_each_entered_and_each_finished(app, client) -> None:
    events: list[str] = []
    counter = iter(range(100))

    def numbered() -> Iterator[int]:
        number = next(counter)
        events.append(f"in {number}")
        yield number
        events.append(f"out {number}")

    @app.get("/")
    def view(
        request,
        a=Depends(numbered, use_cache=False),
        b=Depends(numbered, use_cache=False),
        c=Depends(numbered),
        d=Depends(numbered),
    ):
        return {"values": [a, b, c, d]}

    # A cached use after uncached ones gets the first value the request made (FastAPI's
    # rule too: the cache is filled by the first run, whichever asked).
    assert client.get("/").json() == {"values": [0, 1, 0, 0]}
    assert events == ["in 0", "in 1", "out 1", "out 0"]


def test_the_cache_never_outlives_a_request(app, client) -> None:
    counter = iter(range(100))

    def numbered() -> int:
        return next(counter)

    @app.get("/")
    def view(request, one=Depends(numbered), two=Depends(numbered)):
        return {"one": one, "two": two}

    assert [client.get("/").json() for _ in range(3)] == [
        {"one": 0, "two": 0}, {"one": 1, "two": 1}, {"one": 2, "two": 2}
    ]  # fmt: skip


def test_a_class_providers_init_parameters_are_the_clients_to_set(app, client) -> None:
    # What a careless user may not expect: a class provider's __init__ parameters are
    # query parameters, so a "setting" in one is the client's to choose. The document
    # says so; nothing hides it.
    class Settings:
        def __init__(self, database: str = "production") -> None:
            self.database = database

    @app.get("/")
    def view(request, settings=Depends(Settings)):
        return {"database": settings.database}

    assert client.get("/?database=other").json() == {"database": "other"}
    parameters = app.openapi()["paths"]["/"]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == ["database"]


def test_a_deep_chain_and_many_route_dependencies_are_served(app, client) -> None:
    provider: Any = None
    for _ in range(300):
        if provider is None:

            def provider() -> int:
                return 0

        else:

            def provider(value=Depends(provider)) -> int:  # type: ignore[no-redef]
                return value + 1

    effects = []
    route_dependencies = [
        Depends(functools.partial(effects.append, number)) for number in range(500)
    ]

    @app.get("/", dependencies=route_dependencies)
    def view(request, value=Depends(provider)):
        return {"value": value}

    assert client.get("/").json() == {"value": 299}
    assert effects == list(range(500))


def test_a_provider_and_the_view_both_read_the_raw_body(app, client) -> None:
    def raw(request) -> bytes:
        return bytes(request.body)

    @app.post("/")
    def view(request, body=Depends(raw)):
        return {"provider": body.decode(), "view": request.body.decode()}

    assert client.post("/", json={"a": 1}).json() == {"provider": '{"a": 1}', "view": '{"a": 1}'}


# --- under a real server -------------------------------------------------------------------

SERVED = textwrap.dedent(
    """
    import pathlib, threading, time
    from roob import Depends, Response, Roob

    LOG = pathlib.Path(__file__).with_name("events.log")
    app = Roob()

    class Box:
        def __init__(self, request):
            self.owner = request.headers.get("X-Client", "")
            self.thread = threading.get_ident()

    def box(request):
        return Box(request)

    def session():
        try:
            yield "session"
        except BaseException as exc:
            LOG.open("a").write(f"closed with {type(exc).__name__}\\n")
            raise
        else:
            LOG.open("a").write("closed\\n")

    @app.get("/")
    def ready(request):
        return {}

    @app.get("/mine")
    def mine(request, first=Depends(box), again=Depends(box)):
        time.sleep(0.05)
        return {"owner": first.owner, "same": first is again, "thread": first.thread}

    @app.get("/stream")
    def stream(request, db=Depends(session)):
        def chunks():
            for number in range(10_000):
                yield (db + str(number)).encode() * 1000
                time.sleep(0.001)
        return Response(app_iter=chunks(), content_type="text/plain")
    """
)


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[ServerProcess, Any]]:
    (tmp_path / "served_app.py").write_text(SERVED)
    port = free_port()
    command = server_command("gunicorn-gthread", "served_app:app", port, threads=8)
    command[command.index("--bind") :] = [  # serve from tmp_path
        "--chdir", str(tmp_path), *command[command.index("--bind") :]
    ]  # fmt: skip
    with ServerProcess(command, port=port, log=tmp_path / "server.log", cwd=tmp_path) as server:
        yield server, tmp_path / "events.log"


def test_concurrent_requests_under_gthread_never_share_a_cached_value(served) -> None:
    server, _ = served
    answers: dict[str, Any] = {}

    def ask(owner: str) -> None:
        response, body = server.request("GET", "/mine", headers={"X-Client": owner})
        answers[owner] = (response.status, json.loads(body))

    threads = [threading.Thread(target=ask, args=(f"client-{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 16
    for owner, (status, body) in answers.items():
        assert status == 200
        assert body["owner"] == owner
        assert body["same"] is True
    assert len({body["thread"] for _, body in answers.values()}) > 1  # really concurrent


def test_a_dropped_stream_still_runs_the_code_after_yield(served) -> None:
    server, log = served
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert connection.recv(65536).startswith(b"HTTP/1.1 200")
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    connection.close()  # a reset: the client is gone mid-body
    for _ in range(200):
        if log.exists() and log.read_text():
            break
        threading.Event().wait(0.05)
    assert log.read_text() in ("closed\n", "closed with OSError\n")
    # The worker still answers.
    response, _ = server.request("GET", "/")
    assert response.status == http.client.OK
