"""roob/registration.py: every route through one pipeline, every mistake caught when added.

Each test makes a mistake a user would make (the newcomer review's table) and
asserts what the user sees: a ConfigurationError naming the route, the view
and the fix, or the behaviour that replaces a silent surprise.
"""

from __future__ import annotations

import functools
import logging
import re
import sys

import pytest
import webob

from roob import ConfigurationError, Response, Roob, Router
from roob.testing import TestClient


@pytest.fixture
def app(tmp_path):
    return Roob(tmp_path, static_dir=None)


@pytest.fixture
def client(app):
    return TestClient(app)


# inspect's words for a missing keyword-only argument (Python 3.12 names its kind).
KEYWORD_ONLY = "keyword-only " if sys.version_info >= (3, 12) else ""


def refused(message: str):
    return pytest.raises(ConfigurationError, match=re.escape(message))


# --- names ---------------------------------------------------------------------


def test_one_function_may_serve_several_paths_with_stacked_decorators(app, client):
    @app.get("/a")
    @app.get("/b")
    def listing(request):
        return {"path": request.path}

    assert client.get("/a").json() == {"path": "/a"}
    assert client.get("/b").json() == {"path": "/b"}
    ambiguous = (
        "the route name 'listing' is ambiguous: the views of /a, /b share it; "
        "pass name= to give each route a name of its own"
    )
    with pytest.raises(LookupError, match=re.escape(ambiguous)):
        app.url_for("listing")


def test_two_lambdas_and_two_routers_with_the_same_view_names_register(app, client):
    app.add_route("/one", lambda request: "one")
    app.add_route("/two", lambda request: "two")
    for prefix in ("/users", "/items"):
        router = Router(prefix)

        @router.get("/")
        def list_items(request, prefix=prefix):
            return {"listed": prefix}

        app.include_router(router)
    assert client.get("/two").text == "two"
    assert client.get("/items").json() == {"listed": "/items"}


def test_an_explicit_name_wins_over_default_names_and_must_be_unique(app):
    app.add_route("/default", lambda request: None)  # named '<lambda>'
    app.add_route("/explicit", lambda request: None, name="<lambda>")
    assert app.url_for("<lambda>") == "/explicit"
    with refused("route '/again': the name '<lambda>' is already given to '/explicit'"):
        app.add_route("/again", lambda request: None, name="<lambda>")


def test_an_empty_name_is_refused(app):
    with refused("route '/x': name= must be a non-empty string"):
        app.add_route("/x", lambda request: None, name="")


# --- the view's signature ------------------------------------------------------


def test_a_view_without_the_request_is_refused(app):
    def home():
        return "hi"

    with refused(
        "route '/': the view test_a_view_without_the_request_is_refused.<locals>.home takes "
        "no request; views are called with the request first: def home(request, ...)"
    ):
        app.add_route("/", home)


def test_a_view_whose_only_parameter_is_the_path_parameter_is_told_to_take_the_request(app):
    def show(id):
        return {"id": id}

    with refused(
        "route '/n/{id:d}': the first parameter of the view "
        "test_a_view_whose_only_parameter_is_the_path_parameter_is_told_to_take_the_request."
        "<locals>.show, 'id', receives the request; add a parameter for the path: "
        "def show(request, id, ...)"
    ):
        app.add_route("/n/{id:d}", show)


def test_a_path_parameter_the_view_does_not_take_is_refused(app):
    def show(request, user_id):
        return {"id": user_id}

    with refused(
        "has no parameter 'id' for the path parameter {id}; name a parameter 'id' "
        "(or take **kwargs)"
    ):
        app.add_route("/u/{id:d}", show)
    app.add_route("/u/{id:d}", lambda request, **params: params)  # **kwargs takes them all
    assert TestClient(app).get("/u/7").json() == {"id": 7}


def test_a_class_view_method_without_the_request_is_refused(app):
    class Thing:
        def get(self):
            return {}

    with refused(
        "route '/t': the view test_a_class_view_method_without_the_request_is_refused."
        "<locals>.Thing.get takes no request; views are called with the request first: "
        "def get(self, request, ...)"
    ):
        app.add_route("/t", Thing)


def test_a_class_view_verb_method_in_upper_case_is_refused(app):
    class Thing:
        def GET(self, request):  # noqa: N802 - the mistake under test
            return {}

    with refused(
        "class view test_a_class_view_verb_method_in_upper_case_is_refused.<locals>.Thing defines GET; verb methods are lower case: def get(self, request, ...)"
    ):
        app.add_route("/t", Thing)


def test_static_and_class_methods_of_a_class_view_take_the_request_first(app, client):
    class Things:
        @staticmethod
        def get(request):
            return {"kind": "static"}

        @classmethod
        def post(cls, request):
            return {"kind": cls.__name__}

    app.add_route("/things", Things)
    assert client.get("/things").json() == {"kind": "static"}
    assert client.post("/things").json() == {"kind": "Things"}


@pytest.mark.parametrize("kind", ["function", "class"])
def test_an_async_view_is_refused(app, kind):
    async def fetch(request):
        return {}

    class Fetcher:
        async def get(self, request):
            return {}

    handler = fetch if kind == "function" else Fetcher
    with refused("is an async def; Roob is a WSGI framework and calls views synchronously"):
        app.add_route("/fetch", handler)
    assert app.routes == []


def test_a_router_checks_the_view_when_the_route_is_added_and_the_path_when_included(app):
    router = Router("/orgs/{org}", name="orgs")
    with refused("route '/' of Router(prefix='/orgs/{org}', name='orgs'): the view"):
        router.add_route("/", lambda: None)
    router.add_route("/", lambda request: None)  # no org parameter: known at inclusion
    with refused("route '/v1/orgs/{org}': the view"):
        app.include_router(router, prefix="/v1")


def test_a_positional_only_parameter_is_refused(app):
    def show(request, id, /):
        return {}

    with refused(
        "takes 'id' positional-only, but views get everything but the request by keyword: drop the '/'"
    ):
        app.add_route("/p/{id}", show)


# --- untyped parameters --------------------------------------------------------


def test_an_untyped_parameter_takes_the_type_of_its_default(app, client):
    @app.get("/list")
    def listing(request, page=1, ratio=0.5, flag=False, tags=[], ids=(), q=None):  # noqa: B006
        return {"page": page, "ratio": ratio, "flag": flag, "tags": tags, "ids": ids, "q": q}

    assert client.get("/list").json() == {
        "page": 1, "ratio": 0.5, "flag": False, "tags": [], "ids": [], "q": None
    }  # fmt: skip
    assert client.get("/list?page=2&ratio=2&flag=yes&tags=a&tags=b&ids=7&q=x").json() == {
        "page": 2, "ratio": 2.0, "flag": True, "tags": ["a", "b"], "ids": ["7"], "q": "x"
    }  # fmt: skip
    response = client.get("/list?page=abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "page"]
    parameters = app.openapi()["paths"]["/list"]["get"]["parameters"]
    assert parameters[0] == {
        "name": "page", "in": "query", "required": False,
        "schema": {"type": "integer", "default": 1},
    }  # fmt: skip


def test_a_dependency_passed_as_a_default_is_explained(app):
    class Store:
        pass

    def items(request, store=Store()):  # noqa: B008 - the mistake under test
        return []

    with refused(
        "it has no annotation, so it is a query parameter typed from its default: annotate it, or give a dependency as Depends(provider) (roob.Depends)"
    ):
        app.add_route("/items", items)


def test_an_untyped_parameter_without_a_default_is_a_required_string(app, client):
    @app.get("/search")
    def search(request, q):
        return {"q": q}

    assert client.get("/search?q=42").json() == {"q": "42"}
    assert client.get("/search").status_code == 422


# --- hooks ---------------------------------------------------------------------


def test_an_after_hook_returning_none_keeps_the_response(app, client):
    @app.after_request
    def stamp(request, response):
        response.headers["X-Stamp"] = "yes"  # and forgets to return it

    app.add_route("/", lambda request: {"ok": True})
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["X-Stamp"] == "yes"


def test_a_hook_returning_what_no_response_can_be_is_named_in_the_error(tmp_path, caplog):
    app = Roob(tmp_path, static_dir=None, debug=True)

    @app.before_request
    def check_token(request):
        return False

    app.add_route("/", lambda request: "hi")
    response = TestClient(app).get("/")
    assert response.status_code == 500
    assert response.json()["message"].startswith(
        "TypeError: the before_request hook "
        "'test_a_hook_returning_what_no_response_can_be_is_named_in_the_error.<locals>."
        "check_token' returned bool; return None to let the view answer"
    )


def test_an_after_hook_that_raises_runs_once_and_is_logged_once(app, client, caplog):
    calls = []

    @app.after_request
    def audit(request, response):
        calls.append(request.path)
        raise RuntimeError("audit store down")

    app.add_route("/", lambda request: "hi")
    with caplog.at_level(logging.ERROR, logger="roob"):
        response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert calls == ["/"]
    assert [r.getMessage() for r in caplog.records] == ["Unhandled exception: GET /"]


def test_a_router_after_hook_that_raises_runs_once(app, client):
    calls = []
    router = Router("/r")

    @router.after_request
    def audit(request, response):
        calls.append("router")
        raise RuntimeError("down")

    @app.after_request
    def outer(request, response):
        calls.append("app")

    router.add_route("/x", lambda request: "hi")
    app.include_router(router)
    assert client.get("/r/x").status_code == 500
    assert calls == ["router"]


def test_after_hooks_run_once_when_a_streamed_body_breaks_before_its_first_byte(app, client):
    seen = []

    @app.after_request
    def count(request, response):
        seen.append(response.status_code)

    def broken():
        raise RuntimeError("the stream broke")
        yield b""  # pragma: no cover

    app.add_route("/stream", lambda request: Response(app_iter=broken()))
    assert client.get("/stream").status_code == 500
    assert seen == [200]


def test_an_after_hook_failing_on_an_error_response_gives_a_500(app, client, caplog):
    @app.after_request
    def breaks_on_errors(request, response):
        if response.status_code == 404:
            raise RuntimeError("cannot stamp a 404")

    with caplog.at_level(logging.ERROR, logger="roob"):
        response = client.get("/nowhere")
    assert response.status_code == 500
    assert len(caplog.records) == 1


# --- OPTIONS -------------------------------------------------------------------


def test_options_lists_the_methods_of_every_route_sharing_the_path(app, client):
    app.add_route("/p/{id:d}", lambda request, id: {}, ["GET"])
    app.add_route("/p/{name}", lambda request, name: {}, ["POST"])
    app.add_route("/q/{id:d}", lambda request, id: {}, ["PUT"])
    assert client.options("/p/7").headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.options("/p/x").headers["Allow"] == "POST, OPTIONS"
    response = client.options("/q/7")
    assert (response.status_code, response.headers["Allow"]) == (204, "PUT, OPTIONS")
    app.add_route("/q/{name}", lambda request, name: {}, ["DELETE"])  # added while serving
    assert client.options("/q/7").headers["Allow"] == "PUT, DELETE, OPTIONS"


def test_a_view_for_options_replaces_the_automatic_answer(app, client):
    app.add_route("/o", lambda request: {}, ["GET"])
    app.add_route("/o/{id:d}", lambda request, id: {}, ["GET"])
    assert client.options("/o/1").headers["Allow"] == "GET, HEAD, OPTIONS"  # fixed answers
    app.add_route("/o", lambda request: {"custom": True}, ["OPTIONS"])
    app.add_route("/p", lambda request: {})
    assert client.options("/o").json() == {"custom": True}
    assert client.options("/o/1").status_code == 204


# --- patterns and templates ----------------------------------------------------


def test_a_parameter_name_with_spaces_is_refused(app):
    with pytest.raises(ConfigurationError, match=r"'\{ thing \}' needs a parameter name"):
        app.add_route("/{ thing }/world", lambda request, thing: None)


def test_the_seeds_template_keywords_work(app, tmp_path):
    (tmp_path / "dashboard.html").write_text("<h1>{{ title }}</h1>")
    html = app.template(template_name="dashboard.html", context={"title": "Inventory"})
    assert html == "<h1>Inventory</h1>"
    assert app.template("dashboard.html", {"title": "x"}) == "<h1>x</h1>"
    response = app.render(template_name="dashboard.html", context={"title": "y"})
    assert response.text == "<h1>y</h1>"


def test_the_generated_search_function_can_be_read(app):
    app.add_route("/users/{id:d}", lambda request, id: None)
    source = app.route_table.search_source
    assert app.route_table.search_source is source  # kept, not generated again
    assert source.startswith("def _search_")
    assert "isdigit()" in source
    assert "if True" not in source


# --- hooks and exception handlers: checked like views ------------------------------


def no_request():
    return None


def forgot_response(request):
    return None


def keyword_only(request, *, user):
    return None


async def async_hook(request):
    return None


@pytest.mark.parametrize(
    ("register", "hook", "message"),
    [
        # The production review (part 2, section 3): registered, then every request a 500.
        (
            "before_request",
            no_request,
            "the before_request hook no_request cannot be called as no_request(request) "
            "(too many positional arguments); define it as def no_request(request)",
        ),
        (
            "before_request",
            keyword_only,
            "the before_request hook keyword_only cannot be called as keyword_only(request) "
            f"(missing a required {KEYWORD_ONLY}argument: 'user'); define it as def "
            "keyword_only(request)",
        ),
        (
            "after_request",
            forgot_response,
            "the after_request hook forgot_response cannot be called as "
            "forgot_response(request, response) (too many positional arguments); "
            "define it as def forgot_response(request, response)",
        ),
        (
            "after_request",
            lambda request, response, extra: None,
            "the after_request hook <lambda> cannot be called as hook(request, response) "
            "(missing a required argument: 'extra'); define it as def hook(request, response)",
        ),
        (
            "before_request",
            async_hook,
            "the before_request hook async_hook is an async def; Roob calls it synchronously "
            "as async_hook(request): define it with def",
        ),
        (
            "before_request",
            "not a function",
            "the before_request hook 'not a function' is not callable",
        ),
        ("after_request", None, "the after_request hook None is not callable"),
    ],
)
def test_a_hook_that_cannot_take_its_arguments_is_refused_when_registered(register, hook, message):
    app = Roob(static_dir=None)
    with refused(message):
        getattr(app, register)(hook)
    router = Router("/api")
    with refused(f"Router(prefix='/api', name=None): {message}"):
        getattr(router, register)(hook)
    # Nothing was registered: the application still answers.
    app.add_route("/", lambda request: "up")
    assert TestClient(app).get("/").text == "up"


def test_an_exception_handler_that_cannot_take_request_and_exc_is_refused(app):
    def not_found(exc):
        return {"message": str(exc)}, 404

    with refused(
        "the exception handler test_an_exception_handler_that_cannot_take_request_and_exc_is_"
        "refused.<locals>.not_found for KeyError cannot be called as "
        "not_found(request, exc) (too many positional arguments); "
        "define it as def not_found(request, exc)"
    ):
        app.add_exception_handler(KeyError, not_found)
    with refused(".<locals>.not_found for Exception cannot be called"):
        app.add_exception_handler(not_found)  # the catch-all form
    router = Router("/api", name="api")
    with refused("Router(prefix='/api', name='api'): the exception handler test_"):
        router.exception_handler(LookupError)(not_found)

    async def handler(request, exc):
        return {}

    with refused(".<locals>.handler for KeyError is an async def"):
        app.add_exception_handler(KeyError, handler)


def test_hooks_of_every_callable_shape_that_can_take_the_arguments_register(app, client):
    calls = []

    class Recorder:
        def __call__(self, request, response):
            calls.append("instance")

        def before(self, request):
            calls.append("method")

    @app.before_request
    def flexible(*args, **kwargs):
        calls.append("varargs")

    app.before_request(Recorder().before)
    app.before_request(functools.partial(lambda tag, request: calls.append(tag), "partial"))
    app.after_request(Recorder())
    app.after_request(lambda request, response, extra=None: calls.append("default"))
    app.add_exception_handler(KeyError, lambda request, exc, *rest: ({"missing": str(exc)}, 404))

    @app.get("/")
    def index(request):
        raise KeyError("x")

    assert client.get("/").status_code == 404
    assert calls == ["varargs", "method", "partial", "instance", "default"]
    # A builtin without a signature to read is taken on trust.
    assert Roob(static_dir=None).after_request(max) is max


# --- after hooks always get a Response ----------------------------------------------


def metrics_app(environ, start_response):
    """What prometheus_client's make_wsgi_app() does: start at once, a list body."""
    start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
    return [b"requests_total 1\n"]


class LazyApp:
    """A generator application: it starts the response only when its body is iterated
    (PEP 3333 allows it), and records what happens when."""

    def __init__(self, events):
        self.events = events

    def __call__(self, environ, start_response):
        self.events.append("called")
        return self.body(start_response)

    def body(self, start_response):
        try:
            start_response("201 Created", [("Content-Type", "text/plain"), ("X-Lazy", "1")])
            self.events.append("started")
            yield b"first,"
            self.events.append("rest produced")
            yield b"second"
        finally:
            self.events.append("closed")


@pytest.fixture
def recording(app):
    """An application whose after hook records the status and headers it is given."""
    seen = []

    @app.after_request
    def record(request, response):
        seen.append((response.status_code, response.headers.get("Content-Type")))
        response.headers["X-Hooked"] = "yes"

    return seen


def test_an_after_hook_gets_a_response_for_a_wsgi_application_returned_by_a_view(
    app, client, recording
):
    # The production review (part 2, section 4): response.status_code raised AttributeError.
    app.add_route("/metrics", lambda request: metrics_app)
    response = client.get("/metrics")
    assert (response.status_code, response.text) == (200, "requests_total 1\n")
    assert response.headers["X-Hooked"] == "yes"
    assert recording == [(200, "text/plain; version=0.0.4")]


def test_a_webob_file_app_returned_by_a_view_reaches_the_hook_as_a_response(
    app, client, recording, tmp_path
):
    from webob.static import FileApp

    (tmp_path / "report.csv").write_bytes(b"a,b\n1,2\n")
    app.add_route("/report", lambda request: FileApp(str(tmp_path / "report.csv")))
    response = client.get("/report")
    assert (response.status_code, response.content) == (200, b"a,b\n1,2\n")
    assert response.headers["X-Hooked"] == "yes"
    assert recording == [(200, "text/csv; charset=UTF-8")]
    assert client.get("/report", headers={"Range": "bytes=0-2"}).status_code == 206


def test_a_lazy_application_is_started_before_the_hook_and_streamed_after_it(app, call_wsgi):
    events = []

    @app.after_request
    def record(request, response):
        events.append(f"hook saw {response.status_code} {response.headers['X-Lazy']}")

    app.add_route("/lazy", lambda request: LazyApp(events))
    start_response, body = call_wsgi(app, "/lazy")
    assert (start_response.status, body) == ("201 Created", b"first,second")
    # Only what it takes to start was produced before the hook; the rest as it was sent.
    assert events == ["called", "started", "hook saw 201 1", "rest produced", "closed"]


def test_a_lazy_application_left_unread_is_still_closed(app):
    events = []
    app.after_request(lambda request, response: None)
    app.add_route("/lazy", lambda request: LazyApp(events))
    environ = webob.Request.blank("/lazy").environ
    body = app(environ, lambda status, headers, exc_info=None: None)
    body.close()  # a client that went away: the server closes the body unread
    assert events == ["called", "started", "closed"]


def test_an_application_using_write_keeps_what_it_wrote(app, client, recording):
    def legacy(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written, ")
        return [b"returned"]

    app.add_route("/legacy", lambda request: legacy)
    assert client.get("/legacy").text == "written, returned"
    assert recording == [(200, "text/plain")]


def test_an_application_that_never_starts_or_fails_is_a_500_without_running_hooks_twice(
    app, client, recording, caplog
):
    closed = []

    class Silent:
        def __iter__(self):
            yield b"no start_response"

        def close(self):
            closed.append(True)

    def broken(environ, start_response):
        raise OSError("the metrics registry is gone")

    app.add_route("/silent", lambda request: lambda environ, start_response: Silent())
    app.add_route("/broken", lambda request: broken)
    app.add_route("/empty", lambda request: lambda environ, start_response: iter(()))
    with caplog.at_level(logging.ERROR, logger="roob"):
        silent = client.get("/silent")
        assert client.get("/broken").status_code == 500
        assert client.get("/empty").status_code == 500  # a body without close()
    assert silent.status_code == 500
    assert "ended without calling start_response" in caplog.text
    assert "the metrics registry is gone" in caplog.text
    assert closed == [True]
    assert recording == []  # the error answers skip the hooks, as for a hook that raised


def test_router_hooks_and_hooks_on_error_responses_get_a_response_too(app, client, recording):
    router = Router("/api")
    statuses = []
    router.after_request(lambda request, response: statuses.append(response.status_code))
    router.add_route("/metrics", lambda request: metrics_app)
    app.include_router(router)
    app.add_exception_handler(KeyError, lambda request, exc: metrics_app)

    @app.get("/missing")
    def missing(request):
        raise KeyError("x")

    assert client.get("/api/metrics").headers["X-Hooked"] == "yes"
    assert client.get("/missing").headers["X-Hooked"] == "yes"
    assert statuses == [200]
    assert recording == [(200, "text/plain; version=0.0.4")] * 2
