"""The request's life (roob/lifecycle.py): the current request, teardown, the matched
route, exception listeners, before hooks for every request.

The teardown cases are the ones the outside review's SQLAlchemy session leaked in
(Part 2 section 4: a streamed body after the hooks, an earlier after hook that raised)
and the ones Flask's teardown_request and Starlette's lifespan are tested on (a view,
hook or handler that raised, a stream that broke, a client that left, a teardown that
raised). The same is tested under a real gunicorn in
tests/integration/test_lifecycle_gunicorn.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import webob

from roob import (
    ConfigurationError,
    HTTPError,
    NotFound,
    Request,
    Response,
    Roob,
    Route,
    Router,
    current_request,
    redirect_to,
)
from roob.requests import UPLOADS_KEY
from roob.testing import TestClient
from tests.conftest import StartResponse

SECRET = "s" * 32


def environ_for(path: str, method: str = "GET", script_name: str = "", **kwargs: Any) -> dict:
    environ: dict[str, Any] = webob.Request.blank(path, method=method, **kwargs).environ
    environ["SCRIPT_NAME"] = script_name
    return environ


class Ends:
    """Teardown functions that record each call: (name, request, exc)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, BaseException | None]] = []

    def teardown(self, name: str = "app") -> Callable[[Any, Any], None]:
        def teardown(request: Any, exc: BaseException | None) -> None:
            self.calls.append((name, request, exc))

        return teardown

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    @property
    def errors(self) -> list[BaseException | None]:
        return [exc for _, _, exc in self.calls]


@pytest.fixture
def ends(app: Roob) -> Ends:
    ends = Ends()
    app.teardown_request(ends.teardown())
    return ends


# --- the current request ---------------------------------------------------------


def test_there_is_no_current_request_outside_one() -> None:
    assert current_request() is None


def test_the_view_hooks_and_handlers_see_the_request_they_serve(app, client) -> None:
    seen: list[tuple[str, bool]] = []

    @app.before_request
    def before(request):
        seen.append(("before", current_request() is request))

    @app.after_request
    def after(request, response):
        seen.append(("after", current_request() is request))

    @app.exception_handler(KeyError)
    def missing(request, exc):
        seen.append(("handler", current_request() is request))
        return {"missing": str(exc)}, 404

    @app.get("/ok")
    def ok(request):
        seen.append(("view", current_request() is request))
        return {}

    @app.get("/fail")
    def fail(request):
        raise KeyError("x")

    client.get("/ok")
    assert client.get("/fail").status_code == 404
    assert seen == [
        ("before", True), ("view", True), ("after", True),
        ("before", True), ("handler", True), ("after", True),
    ]  # fmt: skip
    assert current_request() is None  # reset when the request is done, error or not


def test_links_in_a_streamed_body_keep_the_mount_prefix(app) -> None:
    # The review's frames_check.py: a body streamed after the view returned lost
    # SCRIPT_NAME (the stack walk found no dispatch frame): /notes/3, not /sub/notes/3.
    @app.get("/notes/{id:int}")
    def note(request, id):
        return {"id": id}

    @app.get("/links")
    def links(request):
        def body() -> Iterator[bytes]:
            for id in (1, 2, 3):  # the first chunk is made in dispatch, the others later
                yield f"{app.url_for('note', id=id)} {current_request() is request}\n".encode()

        return Response(app_iter=body(), content_type="text/plain")

    start_response = StartResponse()
    sent = app(environ_for("/links", script_name="/sub"), start_response)
    assert current_request() is None  # dispatch has returned
    text = b"".join(sent).decode()
    sent.close()
    assert text == "/sub/notes/1 True\n/sub/notes/2 True\n/sub/notes/3 True\n"


def test_a_thread_run_in_a_copy_of_the_context_sees_the_request(app, client) -> None:
    @app.get("/notes/{id:int}", name="note")
    def note(request, id):
        return {}

    @app.get("/report")
    def report(request):
        def build() -> dict[str, Any]:
            return {
                "link": app.url_for("note", id=3),
                "same": current_request() is request,
                "redirect": redirect_to("note", id=4).headers["Location"],
            }

        with ThreadPoolExecutor(1) as pool:
            copied = pool.submit(contextvars.copy_context().run, build).result()
            bare = pool.submit(lambda: (current_request(), app.url_for("note", id=3))).result()
        return {"copied": copied, "bare": [bare[0] is None, bare[1]]}

    answer = client.get("/report", environ={"SCRIPT_NAME": "/sub"}).json()
    assert answer == {
        "copied": {"link": "/sub/notes/3", "same": True, "redirect": "/sub/notes/4"},
        # Without the copy a thread serves no request: the path from the app's root.
        "bare": [True, "/notes/3"],
    }


def test_templates_get_the_request_url_for_and_csrf_token(tmp_path, write_files) -> None:
    write_files(tmp_path, {"templates/page.html": (
        "{{ request.path }} {{ url_for('page') }} {{ csrf_token()|length > 20 }}"
    )})  # fmt: skip
    app = Roob(template_dir=tmp_path / "templates", static_dir=None, secret_key=SECRET)

    @app.get("/page")
    def page(request):
        return app.render("page.html")

    response = TestClient(app).get("/page", environ={"SCRIPT_NAME": "/sub"})
    assert response.text == "/sub/page /sub/page True"


def test_csrf_token_in_a_template_outside_a_request_says_why(tmp_path, write_files) -> None:
    write_files(tmp_path, {"templates/form.html": "{{ csrf_token() }}"})
    app = Roob(template_dir=tmp_path / "templates", static_dir=None, secret_key=SECRET)
    with pytest.raises(ConfigurationError, match="rendered in a request"):
        app.template("form.html")


def test_an_application_called_by_a_view_gives_the_request_back(app, client) -> None:
    inner = Roob(static_dir=None)

    @inner.get("/inner")
    def inner_view(request):
        return {"inner": current_request().path}

    @app.get("/outer")
    def outer(request):
        answer = TestClient(inner).get("/inner").json()  # a whole request of its own
        return {**answer, "outer": current_request() is request}

    assert client.get("/outer").json() == {"inner": "/inner", "outer": True}


def test_concurrent_requests_each_see_their_own(app) -> None:
    barrier = threading.Barrier(2, timeout=5)

    @app.get("/{name}")
    def view(request, name):
        barrier.wait()  # both requests are in their views at once
        return {"name": name, "current": current_request().path}

    client = TestClient(app)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda name: client.get(f"/{name}").json(), ["a", "b"]))
    assert answers == [{"name": "a", "current": "/a"}, {"name": "b", "current": "/b"}]


# --- teardown --------------------------------------------------------------------


def test_teardown_runs_once_after_a_plain_answer(app, client, ends) -> None:
    @app.get("/json")
    def json_view(request):
        assert [call for call in ends.calls if call[1] is request] == []  # not yet
        return {"ok": True}

    @app.get("/text")
    def text_view(request):
        return "hello"

    client.get("/json")
    client.head("/json")
    client.get("/text")
    assert ends.errors == [None, None, None]
    assert [request.path for _, request, _ in ends.calls] == ["/json", "/json", "/text"]


@pytest.mark.parametrize("where", ["view", "before hook", "after hook", "handler"])
def test_teardown_gets_the_exception_that_made_the_answer_an_error(app, where) -> None:
    ends = Ends()
    app.teardown_request(ends.teardown())
    failure = RuntimeError(where)

    def fail(*args: Any) -> None:
        raise failure

    if where == "before hook":
        app.before_request(fail)
    if where == "after hook":
        app.after_request(fail)
    if where == "handler":
        app.add_exception_handler(LookupError, fail)

    @app.get("/")
    def view(request):
        if where in ("view", "handler"):
            raise failure if where == "view" else LookupError("no such row")
        return {}

    assert TestClient(app).get("/").status_code == 500
    assert len(ends.calls) == 1
    [exc] = ends.errors
    assert exc is failure or (where == "handler" and isinstance(exc, LookupError))


def test_an_earlier_after_hook_that_raises_does_not_skip_teardown(app, client, ends) -> None:
    # The review's sqla_check.py: the session was closed in a second after hook, which
    # the first one's exception skipped; the pool of two ran dry.
    closed: list[bool] = []

    @app.after_request
    def breaks(request, response):
        raise RuntimeError("metrics are down")

    @app.after_request
    def closes(request, response):  # never reached: hooks stop at the first that raises
        closed.append(True)

    @app.get("/")
    def view(request):
        return {}

    assert client.get("/").status_code == 500
    assert closed == []
    assert [type(exc) for exc in ends.errors] == [RuntimeError]


def test_an_http_error_and_a_404_are_errors_too(app, client, ends) -> None:
    @app.get("/gone")
    def gone(request):
        raise NotFound("no such note")

    client.get("/gone")
    client.get("/no/route")
    client.post("/gone")
    assert [type(exc).__name__ for exc in ends.errors] == [
        "NotFound", "NotFound", "MethodNotAllowed",
    ]  # fmt: skip


def test_a_handled_error_answered_as_a_success_still_passes_its_exception(app, ends) -> None:
    @app.exception_handler(KeyError)
    def empty(request, exc):
        return {"items": []}

    @app.get("/")
    def view(request):
        raise KeyError("cache miss")

    assert TestClient(app).get("/").json() == {"items": []}
    assert [type(exc) for exc in ends.errors] == [KeyError]


def stream_app(app: Roob, fail_at: int | None = None) -> list[str]:
    """``/stream`` sends three chunks (raising before chunk ``fail_at``); returns the log
    the body's steps are written to."""
    log: list[str] = []

    @app.get("/stream")
    def stream(request):
        def body() -> Iterator[bytes]:
            try:
                for i in range(3):
                    if i == fail_at:
                        raise RuntimeError(f"broke at {i}")
                    log.append(f"chunk {i}")
                    yield b"x" * 10
            finally:
                log.append("body closed")

        return Response(app_iter=body(), content_type="text/plain")

    return log


def test_a_streamed_answer_ends_when_the_server_closes_it(app, ends) -> None:
    log = stream_app(app)
    app.teardown_request(lambda request, exc: log.append(f"teardown {exc}"))
    sent = app(environ_for("/stream"), StartResponse())
    assert ends.calls == []  # dispatch returned: the body is still to be sent
    assert b"".join(sent) == b"x" * 30
    assert ends.calls == []
    sent.close()
    sent.close()  # a second close does nothing
    assert log == ["chunk 0", "chunk 1", "chunk 2", "body closed", "teardown None"]
    assert ends.errors == [None]


def test_a_client_that_leaves_mid_stream_is_not_an_error(app, ends) -> None:
    log = stream_app(app)
    sent = app(environ_for("/stream"), StartResponse())
    assert next(iter(sent)) == b"x" * 10  # the server sends one chunk; the client leaves
    sent.close()
    assert log == ["chunk 0", "body closed"]
    assert ends.errors == [None]


def test_a_teardown_of_a_streamed_answer_runs_in_the_request_context(app) -> None:
    stream_app(app)
    seen: list[Any] = []
    app.teardown_request(lambda request, exc: seen.append(current_request() is request))
    sent = app(environ_for("/stream"), StartResponse())
    sent.close()  # never iterated
    assert seen == [True]


@pytest.mark.parametrize(("fail_at", "status"), [(0, "500 Internal Server Error"), (1, "200 OK")])
def test_a_stream_that_breaks_passes_its_exception(app, ends, fail_at, status) -> None:
    log = stream_app(app, fail_at=fail_at)
    start_response = StartResponse()
    sent = app(environ_for("/stream"), start_response)
    try:
        if fail_at:  # after the first byte: only the connection can carry the news
            with pytest.raises(RuntimeError, match="broke at 1"):
                b"".join(sent)
        else:  # before it: the clean error answer
            assert b"Internal Server Error" in b"".join(sent)
    finally:
        sent.close()
    assert start_response.status == status
    assert log[-1] == "body closed"
    assert [str(exc) for exc in ends.errors] == [f"broke at {fail_at}"]


def test_a_streamed_error_answer_passes_the_exception_it_answers(app, ends) -> None:
    @app.exception_handler(KeyError)
    def streamed_page(request, exc):
        return Response(app_iter=iter([b"not ", b"found"]), status=404)

    @app.get("/")
    def view(request):
        raise KeyError("x")

    sent = app(environ_for("/"), StartResponse())
    assert b"".join(sent) == b"not found"
    assert ends.calls == []
    sent.close()
    assert [type(exc) for exc in ends.errors] == [KeyError]


def test_an_answer_that_cannot_be_started_is_a_500_and_still_ends_the_request(caplog) -> None:
    app = Roob(static_dir=None, secret_key=SECRET)
    ends = Ends()
    app.teardown_request(ends.teardown())
    heard: list[BaseException] = []
    app.on_exception(lambda request, exc: heard.append(exc))

    @app.get("/")
    def view(request):
        request.session["when"] = object()  # JSON cannot store it: starting the answer fails
        return "text"

    # Restarted with exc_info (PEP 3333): the clean 500, without the session's cookie,
    # instead of an exception that each server answers its own way.
    response = TestClient(app).get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "Set-Cookie" not in response.headers
    assert [type(exc) for exc in ends.errors] == [TypeError]
    assert [type(exc) for exc in heard] == [TypeError]
    assert "JSON cannot store" in caplog.text  # Roob's error log line


def test_an_exception_that_is_not_an_exception_still_ends_the_request(app, client, ends) -> None:
    @app.get("/")
    def view(request):
        raise KeyboardInterrupt  # a worker's timeout (gunicorn raises SystemExit) alike

    with pytest.raises(KeyboardInterrupt):
        client.get("/")
    assert [type(exc) for exc in ends.errors] == [KeyboardInterrupt]
    assert current_request() is None


def test_a_streamed_body_that_cannot_start_ends_the_request(app, ends) -> None:
    def refusing(status: str, headers: list, exc_info: Any = None) -> Any:
        raise OSError("the server refuses the headers")

    stream_app(app)
    with pytest.raises(OSError, match="refuses"):
        app(environ_for("/stream"), refusing)
    assert [type(exc) for exc in ends.errors] == [OSError]


def test_a_teardown_that_raises_is_logged_and_the_others_run(app, client, caplog) -> None:
    ran: list[str] = []

    @app.teardown_request
    def broken(request, exc):
        raise RuntimeError("cannot close")

    @app.teardown_request
    def second(request, exc):
        ran.append("second")

    @app.get("/")
    def view(request):
        return {"ok": True}

    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/").json() == {"ok": True}  # the answer was already made
    assert ran == ["second"]
    [record] = caplog.records
    assert "teardown_request function" in record.getMessage()
    assert "broken" in record.getMessage()
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "cannot close"


def test_teardowns_run_innermost_router_first_then_the_application(app, client) -> None:
    ends = Ends()
    outer, inner = Router("/outer"), Router("/inner")
    for name, owner in [("app", app), ("outer", outer), ("inner", inner)]:
        owner.teardown_request(ends.teardown(f"{name} 1"))
        owner.teardown_request(ends.teardown(f"{name} 2"))

    @inner.get("/view")
    def view(request):
        return {}

    @app.get("/plain")
    def plain(request):
        return {}

    outer.include_router(inner)
    app.include_router(outer)
    client.get("/outer/inner/view")
    assert ends.names == ["inner 1", "inner 2", "outer 1", "outer 2", "app 1", "app 2"]
    for path in ("/plain", "/outer/inner/missing"):  # a router's run for its routes only
        ends.calls.clear()
        client.get(path)
        assert ends.names == ["app 1", "app 2"]


def test_a_router_teardown_alone_is_called(app, client) -> None:
    ends = Ends()
    router = Router("/r")
    router.teardown_request(ends.teardown("router"))

    @router.get("/")
    def view(request):
        return {}

    app.include_router(router)
    client.get("/r")
    assert ends.names == ["router"]


def test_uploaded_files_are_closed_before_teardown(app, client) -> None:
    closed: list[bool] = []

    @app.post("/upload")
    def upload(request):
        request.environ["kept"] = request.files["doc"]
        return {}

    app.teardown_request(lambda request, exc: closed.append(request.environ["kept"].file.closed))
    client.post("/upload", files={"doc": ("a.txt", b"data", "text/plain")})
    assert closed == [True]


def test_teardown_runs_when_closing_the_uploads_fails(app, client, ends, caplog) -> None:
    class VanishedDisk:
        def close(self) -> None:
            raise OSError("the temporary folder is gone")

    @app.get("/")
    def view(request):
        request.environ[UPLOADS_KEY] = [VanishedDisk()]  # as request.files keeps them
        return {}

    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/").status_code == 200
    assert ends.errors == [None]
    assert [r.getMessage() for r in caplog.records] == [
        "Closing the uploaded files of the request failed"
    ]


def test_teardown_functions_are_checked_when_registered(app) -> None:
    with pytest.raises(ConfigurationError, match=r"teardown_request function .*close_it\(request"):

        @app.teardown_request
        def close_it(request):
            pass

    router = Router("/r")
    app.include_router(router)
    with pytest.raises(ConfigurationError, match="already included"):
        router.teardown_request(lambda request, exc: None)


# --- the matched route -------------------------------------------------------------


class RouteRecorder:
    """WSGI middleware keeping ``environ["roob.route"]`` as it is when the app returns."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.routes: list[Any] = []

    def __call__(self, environ: dict, start_response: Any) -> Any:
        body = self.app(environ, start_response)
        self.routes.append(environ["roob.route"])
        return body


def test_the_route_is_on_the_request_and_in_the_environ(app, client) -> None:
    seen: list[Any] = []

    @app.get("/users/{id:int}")
    def user(request, id):
        seen.append(request.route)
        return {}

    app.add_middleware(RouteRecorder)
    client.get("/users/7")
    [route] = seen
    assert isinstance(route, Route)
    assert route.path == "/users/{id:int}"
    assert app._stack.routes == [route]  # what a tracing middleware names its span after
    assert client.get("/users/x").status_code == 404
    assert client.delete("/users/7").status_code == 405
    assert client.options("/users/7").status_code == 204
    assert app._stack.routes[1:] == [None, route, None]  # 404, 405, automatic OPTIONS


def test_a_request_made_by_hand_has_no_route() -> None:
    assert Request.blank("/").route is None


def test_the_route_of_a_405_is_one_serving_the_path(app, client) -> None:
    @app.get("/items/{id}")
    def show(request, id):
        return {}

    @app.put("/items/{id}")
    def replace(request, id):
        return {}

    routes: list[Any] = []
    app.before_request(lambda request: routes.append(request.route))
    assert client.delete("/items/3").status_code == 405
    assert [route.path for route in routes] == ["/items/{id}"]


@pytest.mark.parametrize("hooks", [False, True])
def test_the_route_of_a_405_on_a_path_that_is_not_ascii(app, hooks) -> None:
    # PATH_INFO holds the UTF-8 bytes of the path as latin-1 characters (PEP 3333).
    @app.get("/café/{n:int}")
    def cafe(request, n):
        return {}

    if hooks:
        app.before_request(lambda request: None)
    app.add_middleware(RouteRecorder)
    environ = environ_for("/")
    environ["PATH_INFO"] = "/café/1".encode().decode("latin-1")
    environ["REQUEST_METHOD"] = "DELETE"
    start_response = StartResponse()
    b"".join(app(environ, start_response))
    assert start_response.status.startswith("405")
    assert [route.path for route in app._stack.routes] == ["/café/{n:int}"]


# --- before hooks for every request --------------------------------------------------


def test_before_hooks_run_for_404_and_405(app, client) -> None:
    seen: list[tuple[str, Any]] = []

    @app.before_request
    def note(request):
        seen.append((request.path, request.route))

    @app.get("/only-get")
    def only_get(request):
        return {}

    assert client.get("/missing").status_code == 404
    response = client.post("/only-get")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert [(path, route and route.path) for path, route in seen] == [
        ("/missing", None), ("/only-get", "/only-get"),
    ]  # fmt: skip


def test_a_before_hook_may_answer_a_path_no_route_serves(app, client) -> None:
    @app.before_request
    def limit(request):
        if request.headers.get("X-Spam"):
            return {"message": "Too many requests"}, 429
        return None

    app.after_request(lambda request, response: response.headers.update({"X-After": "1"}))
    response = client.get("/missing", headers={"X-Spam": "1"})
    assert (response.status_code, response.headers["X-After"]) == (429, "1")
    response = client.get("/missing")
    assert (response.status_code, response.headers["X-After"]) == (404, "1")


def test_a_before_hook_that_raises_on_a_404_is_its_error(app, client) -> None:
    @app.before_request
    def forbid(request):
        raise HTTPError(403, "no")

    assert client.get("/missing").status_code == 403


# --- exception listeners -------------------------------------------------------------


def test_listeners_hear_every_exception_before_its_handler(app, client) -> None:
    log: list[str] = []
    app.on_exception(lambda request, exc: log.append(f"listener {exc!r}"))

    @app.exception_handler(KeyError)
    def handled(request, exc):
        log.append("handler")
        return {}, 404

    @app.get("/handled")
    def handled_view(request):
        raise KeyError("k")

    @app.get("/http")
    def http_view(request):
        raise NotFound("no note")

    @app.get("/crash")
    def crash(request):
        raise RuntimeError("boom")

    client.get("/handled")
    client.get("/http")
    client.get("/crash")
    assert log == [
        "listener KeyError('k')", "handler",
        "listener NotFound(status=404, message='no note')",
        "listener RuntimeError('boom')",
    ]  # fmt: skip


def test_listeners_do_not_hear_of_paths_no_route_serves(app, client) -> None:
    heard: list[BaseException] = []
    app.on_exception(lambda request, exc: heard.append(exc))
    failure = RuntimeError("hook")

    @app.get("/only-get")
    def only_get(request):
        return {}

    client.get("/missing")
    client.post("/only-get")
    assert heard == []  # routing's 404 and 405: no code of the application raised them

    @app.before_request
    def hook(request):
        raise failure

    client.get("/missing")
    assert heard == [failure]  # a hook that raised on a 404 is heard


def test_listeners_hear_a_failing_handler_and_after_hook(app, client) -> None:
    heard: list[str] = []
    app.on_exception(lambda request, exc: heard.append(str(exc)))

    @app.exception_handler(KeyError)
    def broken_handler(request, exc):
        raise RuntimeError("handler broke")

    @app.get("/")
    def view(request):
        raise KeyError("k")

    assert client.get("/").status_code == 500
    assert heard == ["'k'", "handler broke"]
    heard.clear()

    app2 = Roob(static_dir=None)
    app2.on_exception(lambda request, exc: heard.append(str(exc)))

    @app2.after_request
    def after(request, response):
        raise RuntimeError("after hook broke")

    @app2.get("/")
    def view2(request):
        raise KeyError("k")

    # The view's KeyError, then the after hook's error on the error answer.
    assert TestClient(app2).get("/").status_code == 500
    assert heard == ["'k'", "after hook broke"]


@pytest.mark.parametrize("fail_at", [0, 1])
def test_listeners_hear_a_stream_that_breaks(app, fail_at) -> None:
    heard: list[tuple[bool, str]] = []
    app.on_exception(lambda request, exc: heard.append((current_request() is request, str(exc))))
    stream_app(app, fail_at=fail_at)
    sent = app(environ_for("/stream"), StartResponse())
    with pytest.raises(RuntimeError) if fail_at else contextlib.nullcontext():
        b"".join(sent)
    sent.close()
    assert heard == [(True, f"broke at {fail_at}")]  # once, in the request's context


def test_a_listener_that_raises_is_logged_and_the_answer_is_made(app, client, caplog) -> None:
    heard: list[str] = []

    @app.on_exception
    def broken(request, exc):
        raise RuntimeError("the tracer is down")

    app.on_exception(lambda request, exc: heard.append("second"))

    @app.get("/")
    def view(request):
        raise NotFound("nothing")

    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/").status_code == 404
    assert heard == ["second"]
    assert [record.getMessage().split(" failed")[0] for record in caplog.records] == [
        f"The on_exception listener {broken!r}"
    ]


def test_router_listeners_hear_their_routes_innermost_first(app, client) -> None:
    heard: list[str] = []
    outer, inner = Router("/outer"), Router("/inner")
    for name, owner in [("app", app), ("outer", outer), ("inner", inner)]:
        owner.on_exception(lambda request, exc, name=name: heard.append(name))

    @inner.get("/crash")
    def crash(request):
        raise RuntimeError

    @app.get("/crash")
    def app_crash(request):
        raise RuntimeError

    outer.include_router(inner)
    app.include_router(outer)
    client.get("/outer/inner/crash")
    assert heard == ["inner", "outer", "app"]
    heard.clear()
    client.get("/crash")
    assert heard == ["app"]


def test_a_router_listener_alone_is_heard(app, client) -> None:
    heard: list[str] = []
    router = Router("/r")
    router.on_exception(lambda request, exc: heard.append(str(exc)))

    @router.get("/")
    def crash(request):
        raise RuntimeError("r")

    app.include_router(router)
    client.get("/r")
    assert heard == ["r"]


# --- Roob's error log ------------------------------------------------------------------


def unhandled(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Unhandled")]


def test_the_error_log_stays_with_the_applications_handler_for_exception(app, caplog) -> None:
    @app.exception_handler(Exception)
    def page(request, exc):
        return {"message": "Sorry"}, 500

    @app.exception_handler(KeyError)
    def missing(request, exc):
        return {}, 404

    @app.get("/crash")
    def crash(request):
        raise RuntimeError("boom")

    @app.get("/missing")
    def missing_view(request):
        raise KeyError("handled by its own handler: no error")

    client = TestClient(app)
    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/crash").json() == {"message": "Sorry"}
        assert client.get("/missing").status_code == 404
    assert unhandled(caplog) == ["Unhandled exception: GET /crash"]


def test_the_error_log_is_turned_off_with_log_unhandled_exceptions(caplog) -> None:
    for handler in (None, lambda request, exc: ({"message": "Sorry"}, 500)):
        app = Roob(static_dir=None)
        app.log_unhandled_exceptions = False
        if handler is not None:
            app.add_exception_handler(Exception, handler)
        app.add_route("/crash", lambda request: 1 / 0)
        with caplog.at_level(logging.ERROR, logger="roob"):
            assert TestClient(app).get("/crash").status_code == 500
    assert unhandled(caplog) == []


def test_on_exception_checks_its_listener(app) -> None:
    with pytest.raises(ConfigurationError, match=r"on_exception listener .*\(request, exc\)"):
        app.on_exception(lambda exc: None)
