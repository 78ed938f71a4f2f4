"""Routers: prefixes, nesting, scoped hooks and exception handlers, `roob routes`."""

from __future__ import annotations

import io
import re

import pytest

from roob import (
    ConfigurationError,
    HTTPError,
    InvalidRoute,
    MethodNotAllowed,
    NotFound,
    Response,
    Roob,
    RouteConflict,
    Router,
)
from roob.cli import main, print_routes
from roob.testing import TestClient

# --- prefixes and nesting ---------------------------------------------------


def test_routes_are_served_under_the_prefix(app, client):
    users = Router("/users")

    @users.get("/")
    def index(request):
        return ["ada"]

    @users.get("/{id:d}")
    def show(request, id):
        return {"id": id}

    app.include_router(users)
    assert client.get("/users").json() == ["ada"]
    assert client.get("/users/").json() == ["ada"]
    assert client.get("/users/7").json() == {"id": 7}
    assert client.get("/7").status_code == 404


def test_include_prefix_comes_before_the_router_prefix(app, client):
    users = Router("/users")
    users.add_route("/{id:d}", lambda request, id: {"id": id})
    app.include_router(users, prefix="/api/v1")
    assert client.get("/api/v1/users/3").json() == {"id": 3}
    assert [route.path for route in app.routes] == ["/api/v1/users/{id:d}"]


def test_routers_nest(app, client):
    api = Router("/api")
    users = Router("/users")
    items = Router()

    @users.get("/{id:d}")
    def user(request, id):
        return {"user": id}

    @items.get("/items")
    def item_list(request):
        return ["pen"]

    api.include_router(users)
    api.include_router(items, prefix="/v2")
    app.include_router(api)
    assert client.get("/api/users/1").json() == {"user": 1}
    assert client.get("/api/v2/items").json() == ["pen"]


def test_routes_added_to_a_nested_router_before_the_app_includes_it_count(app, client):
    outer, inner = Router("/a"), Router("/b")
    outer.include_router(inner)
    inner.add_route("/c", lambda request: {"late": True}, name="c")
    app.include_router(outer)
    assert client.get("/a/b/c").json() == {"late": True}


@pytest.mark.parametrize(
    ("prefix", "include_prefix", "path", "served"),
    [
        ("/api/", "", "/x", "/api/x"),
        ("/", "", "/x", "/x"),
        ("", "/v1/", "/", "/v1"),
        ("/api", "/v1", "/x/", "/v1/api/x/"),
    ],
)
def test_prefixes_are_normalised(app, client, prefix, include_prefix, path, served):
    router = Router(prefix)
    router.add_route(path, lambda request: {"ok": True}, name="x")
    app.include_router(router, prefix=include_prefix)
    assert app.routes[0].path == served
    assert client.get(served).json() == {"ok": True}


@pytest.mark.parametrize("prefix", ["api", 42, None])
def test_a_prefix_must_start_with_a_slash(prefix):
    with pytest.raises(InvalidRoute, match="must be empty or start with '/'"):
        Router(prefix)


def test_a_bad_prefix_fails_at_include(app):
    router = Router("/a//b")
    router.add_route("/x", lambda request: None, name="x")
    with pytest.raises(InvalidRoute, match="empty segment"):
        app.include_router(router)


def test_a_prefix_may_hold_parameters(app, client):
    projects = Router("/orgs/{org}/projects")

    @projects.get("/{id:d}")
    def project(request, org, id):
        return {"org": org, "id": id}

    app.include_router(projects)
    assert client.get("/orgs/acme/projects/7").json() == {"org": "acme", "id": 7}
    assert app.url_for("project", org="acme", id=7) == "/orgs/acme/projects/7"


def test_a_prefix_cannot_hold_a_path_parameter(app):
    router = Router("/files/{rest:path}")
    router.add_route("/", lambda request, rest: None, name="x")
    with pytest.raises(InvalidRoute, match=re.escape("cannot hold a {name:path} parameter")):
        app.include_router(router)


def test_a_parameter_named_in_prefix_and_path_fails_at_include(app):
    router = Router("/{id}")
    router.add_route("/{id}", lambda request, id: None, name="x")
    with pytest.raises(InvalidRoute, match="twice"):
        app.include_router(router)


def test_router_patterns_use_the_app_convertors(app, client):
    import datetime

    reports = Router("/reports")
    reports.add_route("/{day:date}", lambda request, day: {"year": day.year}, name="report")
    app.add_convertor("date", r"\d{4}-\d{2}-\d{2}", datetime.date.fromisoformat)
    app.include_router(reports)
    assert client.get("/reports/2026-11-24").json() == {"year": 2026}


def test_an_unknown_convertor_fails_at_include(app):
    reports = Router("/reports")
    reports.add_route("/{day:date}", lambda request, day: None, name="report")
    with pytest.raises(InvalidRoute, match="unknown convertor 'date'"):
        app.include_router(reports)


def test_a_view_that_cannot_be_served_fails_at_router_registration():
    router = Router()
    with pytest.raises(ConfigurationError, match="defines no HTTP verb"):

        @router.route("/x")
        class Nothing:
            pass

    with pytest.raises(ConfigurationError, match="not an HTTP method"):
        router.add_route("/y", lambda request: None, methods=["G T"])
    with pytest.raises(InvalidRoute, match="starting with '/'"):
        router.add_route("y", lambda request: None)


def test_methods_given_as_a_generator_are_kept(app, client):
    router = Router()
    router.add_route("/x", lambda request: {}, methods=(m for m in ["POST", "PUT"]), name="x")
    app.include_router(router)
    assert client.post("/x").status_code == 200
    assert client.put("/x").status_code == 200


def test_only_routers_can_be_included(app):
    with pytest.raises(ConfigurationError, match=re.escape("is not a roob.Router")):
        app.include_router(Roob())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=re.escape("is not a roob.Router")):
        Router().include_router(object())  # type: ignore[arg-type]


def test_a_router_cannot_contain_itself():
    outer, inner = Router("/a"), Router("/b")
    outer.include_router(inner)
    with pytest.raises(ConfigurationError, match="a router cannot contain itself"):
        inner.include_router(outer)
    with pytest.raises(ConfigurationError, match="a router cannot contain itself"):
        outer.include_router(outer)
    innermost = Router("/c")
    inner.include_router(innermost)
    with pytest.raises(ConfigurationError, match="a router cannot contain itself"):
        innermost.include_router(outer)


@pytest.mark.parametrize("name", ["", 3])
def test_a_router_name_must_be_a_non_empty_string(name):
    with pytest.raises(ConfigurationError, match="non-empty string"):
        Router(name=name)


# --- conflicts and the life of a router ---------------------------------------


def test_a_router_route_conflicting_with_an_app_route_fails_at_include(app):
    app.add_route("/api/users", lambda request: [], name="app_users")
    router = Router("/api")
    router.add_route("/users/", lambda request: [], name="router_users")
    with pytest.raises(RouteConflict, match="/api/users"):
        app.include_router(router)


def test_two_routers_serving_the_same_urls_conflict(app):
    first, second = Router("/a"), Router("/a")
    first.add_route("/{x}", lambda request, x: None, name="first")
    second.add_route("/{y}", lambda request, y: None, name="second")
    app.include_router(first)
    with pytest.raises(RouteConflict):
        app.include_router(second)


def test_an_app_route_conflicting_with_an_included_route_fails(app):
    router = Router("/a")
    router.add_route("/b", lambda request: None, name="b")
    app.include_router(router)
    with pytest.raises(RouteConflict):
        app.add_route("/a/b", lambda request: None, name="other")


@pytest.mark.parametrize(
    "register",
    [
        lambda r: r.add_route("/late", lambda request: None),
        lambda r: r.get("/late")(lambda request: None),
        lambda r: r.before_request(lambda request: None),
        lambda r: r.after_request(lambda request, response: response),
        lambda r: r.add_exception_handler(KeyError, lambda request, exc: None),
        lambda r: r.include_router(Router("/more")),
    ],
)
def test_an_included_router_takes_no_more_registrations(app, register):
    router = Router("/a", name="a")
    app.include_router(router)
    with pytest.raises(ConfigurationError, match="already included in an application"):
        register(router)


def test_a_nested_router_is_closed_when_the_app_includes_its_parent(app):
    outer, inner = Router("/a"), Router("/b")
    outer.include_router(inner)
    app.include_router(outer)
    with pytest.raises(ConfigurationError, match="already included"):
        inner.add_route("/c", lambda request: None)


def test_a_router_may_be_included_twice_with_other_names(app, client):
    items = Router("/items", name="items")

    @items.get("/{id:d}")
    def show(request, id):
        return {"id": id, "path": request.path}

    app.include_router(items, prefix="/v1")
    app.include_router(items, prefix="/v3", name="items_v3")
    assert client.get("/v1/items/1").json() == {"id": 1, "path": "/v1/items/1"}
    assert client.get("/v3/items/2").json() == {"id": 2, "path": "/v3/items/2"}
    assert app.url_for("items.show", id=5) == "/v1/items/5"
    assert app.url_for("items_v3.show", id=5) == "/v3/items/5"


def test_a_router_included_twice_under_one_name_makes_its_default_names_ambiguous(app, client):
    items = Router("/items", name="items")

    @items.get("/{id:d}")
    def show(request, id):
        return {"id": id}

    app.include_router(items, prefix="/v1")
    app.include_router(items, prefix="/v2")  # a default name never stops a registration
    assert client.get("/v2/items/1").json() == {"id": 1}
    ambiguous = (
        "the route name 'items.show' is ambiguous: the views of /v1/items/{id:d}, "
        "/v2/items/{id:d} share it; pass name= to give each route a name of its own"
    )
    with pytest.raises(LookupError, match=re.escape(ambiguous)):
        app.url_for("items.show", id=5)


def test_a_name_given_twice_to_one_router_included_twice_is_refused(app):
    items = Router("/items", name="items")
    items.add_route("/{id:d}", lambda request, id: None, name="show")
    app.include_router(items, prefix="/v1")
    taken = "the name 'items.show' is already given to '/v1/items/{id:d}'"
    with pytest.raises(ConfigurationError, match=re.escape(taken)):
        app.include_router(items, prefix="/v2")


def test_one_router_serves_several_applications(tmp_path):
    router = Router("/r")
    router.add_route("/x", lambda request: {"ok": True}, name="x")
    first, second = Roob(static_dir=None), Roob(static_dir=None)
    first.include_router(router)
    second.include_router(router, prefix="/other")
    assert TestClient(first).get("/r/x").json() == {"ok": True}
    assert TestClient(second).get("/other/r/x").json() == {"ok": True}


# --- views and names ----------------------------------------------------------


def test_class_views_inside_routers(app, client):
    products = Router("/products")

    @products.route("/{id:d}")
    class Product:
        def get(self, request, id):
            return {"id": id}

        def delete(self, request, id):
            return None

    app.include_router(products, prefix="/api")
    assert client.get("/api/products/4").json() == {"id": 4}
    assert client.delete("/api/products/4").status_code == 204
    response = client.post("/api/products/4")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"
    assert client.options("/api/products/4").headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"
    assert client.head("/api/products/4").text == ""


def test_every_registration_method_of_the_app_exists_on_routers(app, client):
    router = Router("/r")
    for verb in ["get", "post", "put", "patch", "delete"]:
        getattr(router, verb)(f"/{verb}", name=verb)(lambda request: {})
    router.route("/both", methods=["GET", "POST"], name="both")(lambda request: {})
    app.include_router(router)
    for verb in ["get", "post", "put", "patch", "delete"]:
        assert getattr(client, verb)(f"/r/{verb}").status_code in (200, 204)
    assert client.post("/r/both").status_code == 200


def test_url_for_router_routes(app):
    api = Router("/api", name="api")
    users = Router("/users", name="users")
    plain = Router("/plain")

    @users.get("/{id:d}")
    def show(request, id): ...

    @users.get("/", name="listing")
    def index(request): ...

    @plain.get("/{slug}")
    def page(request, slug): ...

    api.include_router(users)
    app.include_router(api)
    app.include_router(plain)
    assert app.url_for("api.users.show", id=3) == "/api/users/3"
    assert app.url_for("api.users.listing") == "/api/users"
    assert app.url_for("page", slug="about") == "/plain/about"
    with pytest.raises(LookupError):
        app.url_for("show", id=3)


def test_a_router_without_hooks_serves_the_view_itself(app):
    router = Router("/r")

    def view(request):
        return {}

    router.add_route("/x", view)
    app.include_router(router)
    endpoint, _ = app.route_table.resolve("/r/x", "GET")
    assert endpoint.view is view


# --- scoped hooks -------------------------------------------------------------


def _tracing_app(log):
    app = Roob(static_dir=None)
    outer, inner = Router("/outer"), Router("/inner")

    def before(name):
        def hook(request):
            log.append(f"before {name}")

        return hook

    def after(name):
        def hook(request, response):
            log.append(f"after {name}")
            response.headers["X-Trace"] = response.headers.get("X-Trace", "") + name + ";"
            return response

        return hook

    for name, target in [("app", app), ("outer", outer), ("inner", inner)]:
        target.before_request(before(name))
        target.after_request(after(name))

    @inner.get("/view")
    def view(request):
        log.append("view")
        return {"ok": True}

    @inner.get("/crash")
    def crash(request):
        raise KeyError("x")

    @outer.get("/own")
    def own(request):
        log.append("own")
        return {}

    @app.get("/plain")
    def plain(request):
        log.append("plain")
        return {}

    outer.include_router(inner)
    app.include_router(outer)
    return TestClient(app)


BEFORE_HOOKS = ["before app", "before outer", "before inner"]
AFTER_HOOKS = ["after inner", "after outer", "after app"]


def test_hooks_run_app_first_then_outer_then_inner_routers():
    log = []
    response = _tracing_app(log).get("/outer/inner/view")
    assert response.json() == {"ok": True}
    assert log == [*BEFORE_HOOKS, "view", *AFTER_HOOKS]
    assert response.headers["X-Trace"] == "inner;outer;app;"


def test_router_hooks_run_only_for_the_router_routes():
    log = []
    client = _tracing_app(log)
    client.get("/outer/own")
    assert log == ["before app", "before outer", "own", "after outer", "after app"]
    log.clear()
    client.get("/plain")
    assert log == ["before app", "plain", "after app"]


def test_router_after_hooks_run_on_error_responses_of_its_routes():
    log = []
    response = _tracing_app(log).get("/outer/inner/crash")
    assert response.status_code == 500
    assert log == [*BEFORE_HOOKS, *AFTER_HOOKS]
    assert response.headers["X-Trace"] == "inner;outer;app;"


def test_router_after_hooks_run_on_404s_under_its_prefix():
    log = []
    response = _tracing_app(log).get("/outer/inner/missing")
    assert response.status_code == 404
    # The application's before hooks run for every request (a 404 too); a router's
    # run only around its own views.
    assert log == ["before app", *AFTER_HOOKS]


def test_a_router_before_hook_may_short_circuit(app, client):
    admin = Router("/admin")
    called = []

    @admin.before_request
    def require_token(request):
        if request.headers.get("Authorization") != "Bearer secret":
            return {"message": "Unauthorized"}, 401
        return None

    @admin.get("/stats")
    def stats(request):
        called.append(True)
        return {"users": 3}

    @app.get("/public")
    def public(request):
        return {"public": True}

    app.include_router(admin)
    assert client.get("/admin/stats").status_code == 401
    assert called == []
    assert client.get("/admin/stats", headers={"Authorization": "Bearer secret"}).json() == {
        "users": 3
    }
    assert client.get("/public").json() == {"public": True}


def test_a_router_before_hook_that_raises_goes_to_the_router_handlers(app, client):
    admin = Router("/admin")

    @admin.before_request
    def refuse(request):
        raise PermissionError("no")

    @admin.exception_handler(PermissionError)
    def forbidden(request, exc):
        return {"message": "Forbidden"}, 403

    admin.add_route("/x", lambda request: {}, name="x")
    app.include_router(admin)
    assert client.get("/admin/x").status_code == 403


def test_a_failing_router_after_hook_gives_a_500(app, client, caplog):
    router = Router("/r")

    @router.after_request
    def broken(request, response):
        raise RuntimeError("hook bug")

    router.add_route("/x", lambda request: {}, name="x")
    app.include_router(router)
    response = client.get("/r/x")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "hook bug" in caplog.text


def test_router_after_hooks_see_a_response_object(app, client):
    router = Router("/r")

    @router.after_request
    def stamp(request, response):
        response.headers["X-Router"] = "r"
        return response

    router.add_route("/text", lambda request: "<p>hi</p>", name="text")
    router.add_route("/none", lambda request: None, name="none")
    app.include_router(router)
    assert client.get("/r/text").headers["X-Router"] == "r"
    assert client.get("/r/text").text == "<p>hi</p>"
    assert client.get("/r/none").status_code == 204
    assert client.get("/r/none").headers["X-Router"] == "r"


# --- scoped exception handlers ------------------------------------------------


class OutOfStock(LookupError):
    pass


def _raising(exc):
    def view(request):
        raise exc

    return view


def test_a_router_handler_applies_to_its_routes_only(app, client):
    shop = Router("/shop")

    @shop.exception_handler(OutOfStock)
    def out_of_stock(request, exc):
        return {"message": "Sold out"}, 409

    shop.add_route("/buy", _raising(OutOfStock()), name="buy")
    app.add_route("/buy", _raising(OutOfStock()), name="app_buy")
    app.include_router(shop)
    assert client.get("/shop/buy").status_code == 409
    assert client.get("/shop/buy").json() == {"message": "Sold out"}
    assert client.get("/buy").status_code == 500


def test_the_most_specific_class_wins_before_the_innermost_scope(app, client):
    shop = Router("/shop")

    @shop.exception_handler(LookupError)
    def router_lookup(request, exc):
        return {"handler": "router LookupError"}

    @app.exception_handler(OutOfStock)
    def app_out_of_stock(request, exc):
        return {"handler": "app OutOfStock"}

    shop.add_route("/stock", _raising(OutOfStock()), name="stock")
    shop.add_route("/key", _raising(KeyError("k")), name="key")
    app.include_router(shop)
    assert client.get("/shop/stock").json() == {"handler": "app OutOfStock"}
    assert client.get("/shop/key").json() == {"handler": "router LookupError"}


def test_for_the_same_class_the_innermost_scope_wins(app, client):
    outer, inner = Router("/outer"), Router("/inner")
    for name, target in [("app", app), ("outer", outer), ("inner", inner)]:
        target.add_exception_handler(OutOfStock, lambda request, exc, name=name: {"by": name})
    inner.add_route("/x", _raising(OutOfStock()), name="inner_x")
    outer.add_route("/x", _raising(OutOfStock()), name="outer_x")
    app.add_route("/x", _raising(OutOfStock()), name="app_x")
    outer.include_router(inner)
    app.include_router(outer)
    assert client.get("/outer/inner/x").json() == {"by": "inner"}
    assert client.get("/outer/x").json() == {"by": "outer"}
    assert client.get("/x").json() == {"by": "app"}


def test_an_outer_router_handler_serves_inner_routes(app, client):
    outer, inner = Router("/outer"), Router("/inner")
    outer.add_exception_handler(OutOfStock, lambda request, exc: ({"by": "outer"}, 409))
    inner.add_route("/x", _raising(OutOfStock()), name="x")
    outer.include_router(inner)
    app.include_router(outer)
    assert client.get("/outer/inner/x").status_code == 409


def test_a_router_catch_all_leaves_http_errors_to_their_handler(app, client):
    router = Router("/r")
    router.add_exception_handler(lambda request, exc: ({"message": "router catch-all"}, 503))
    router.add_route("/crash", _raising(ValueError("x")), name="crash")
    router.add_route("/teapot", _raising(HTTPError(418, "teapot")), name="teapot")
    app.include_router(router)
    assert client.get("/r/crash").json() == {"message": "router catch-all"}
    assert client.get("/r/teapot").status_code == 418
    assert client.get("/r/teapot").json() == {"message": "teapot"}


def test_a_router_may_handle_http_errors_its_own_way(app, client):
    router = Router("/r")

    @router.exception_handler(HTTPError)
    def plain_text(request, exc):
        return Response(text=f"error {exc.status}", status=exc.status)

    router.add_route("/teapot", _raising(HTTPError(418)), name="teapot")
    app.add_route("/teapot", _raising(HTTPError(418)), name="app_teapot")
    app.include_router(router)
    assert client.get("/r/teapot").text == "error 418"
    assert client.get("/teapot").json() == {"message": "I'm a Teapot"}


def test_app_handlers_added_after_the_include_still_apply(app, client):
    router = Router("/r")
    router.add_route("/x", _raising(OutOfStock()), name="x")
    app.include_router(router)
    app.add_exception_handler(OutOfStock, lambda request, exc: ({"by": "app"}, 409))
    assert client.get("/r/x").json() == {"by": "app"}


# --- 404 and 405 under a prefix -----------------------------------------------


def _not_found_app():
    app = Roob(static_dir=None)
    api = Router("/api")
    users = Router("/users")

    @app.exception_handler(NotFound)
    def app_not_found(request, exc):
        return {"by": "app"}, 404

    @api.exception_handler(NotFound)
    def api_not_found(request, exc):
        return {"by": "api"}, 404

    @users.exception_handler(NotFound)
    @users.exception_handler(MethodNotAllowed)
    def users_errors(request, exc):
        return {"by": "users", "status": exc.status}, exc.status, list(exc.headers)

    users.add_route("/{id:d}", lambda request, id: {"id": id}, name="user")
    api.add_route("/status", lambda request: {"ok": True}, name="status")
    api.include_router(users)
    app.include_router(api)
    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "by"),
    [
        ("/nowhere", "app"),
        ("/apix", "app"),  # prefixes match whole segments
        ("/api", "api"),
        ("/api/", "api"),
        ("/api/nothing", "api"),
        ("/api/users", "users"),
        ("/api/users/", "users"),
        ("/api/users/abc", "users"),
        ("/api/users/7/more", "users"),
    ],
)
def test_a_404_goes_to_the_innermost_router_whose_prefix_holds_the_path(path, by):
    response = _not_found_app().get(path)
    assert response.status_code == 404
    assert response.json()["by"] == by


def test_a_more_specific_outer_handler_beats_an_inner_general_one_for_404s(app, client):
    outer, inner = Router("/outer"), Router("/inner")
    outer.add_exception_handler(NotFound, lambda request, exc: ({"by": "outer NotFound"}, 404))
    inner.add_exception_handler(HTTPError, lambda request, exc: ({"by": "inner HTTPError"}, 404))
    inner.add_route("/x", lambda request: {}, name="x")
    outer.include_router(inner)
    app.include_router(outer)
    assert client.get("/outer/inner/nothing").json() == {"by": "outer NotFound"}


def test_a_405_under_a_prefix_goes_to_the_router_handlers():
    response = _not_found_app().post("/api/users/7")
    assert response.status_code == 405
    assert response.json() == {"by": "users", "status": 405}
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_405_under_a_router_without_handlers_is_the_default_one(app, client):
    router = Router("/r")
    router.add_route("/x", lambda request: {}, name="x")
    app.include_router(router)
    response = client.post("/r/x")
    assert response.status_code == 405
    assert response.json() == {"message": "POST request is not allowed for /r/x"}


def test_an_app_route_under_a_router_prefix_keeps_the_app_handlers(app, client):
    router = Router("/api")
    router.add_exception_handler(OutOfStock, lambda request, exc: ({"by": "router"}, 409))
    router.add_route("/x", lambda request: {}, name="x")
    app.add_route("/api/app", _raising(OutOfStock()), name="app_route")
    app.include_router(router)
    assert client.get("/api/app").status_code == 500


def test_routers_sharing_a_prefix_leave_its_404s_to_the_enclosing_scope(app, client):
    users, items = Router("/api"), Router("/api")
    for name, router in [("users", users), ("items", items)]:
        router.add_exception_handler(NotFound, lambda request, exc, name=name: ({"by": name}, 404))
        router.add_route(f"/{name}", lambda request: [], name=name)
    app.include_router(users)
    app.include_router(items)
    assert client.get("/api/other").json() == {
        "message": "Requested path: /api/other does not exist"
    }


def test_a_router_without_a_prefix_claims_no_404s(app, client):
    router = Router()
    router.add_exception_handler(NotFound, lambda request, exc: ({"by": "router"}, 404))
    router.add_route("/x", lambda request: {}, name="x")
    app.include_router(router)
    assert client.get("/y").json() == {"message": "Requested path: /y does not exist"}


def test_a_404_under_a_parameterised_prefix(app, client):
    projects = Router("/orgs/{org:d}")
    projects.add_exception_handler(NotFound, lambda request, exc: ({"by": "projects"}, 404))
    projects.add_route("/projects", lambda request, org: [], name="projects")
    app.include_router(projects)
    assert client.get("/orgs/1/nothing").json() == {"by": "projects"}
    assert client.get("/orgs/x/nothing").json()["message"].startswith("Requested path")
    assert client.get("/other/1/nothing").json()["message"].startswith("Requested path")


def test_a_path_that_is_not_utf8_is_a_400_from_the_app(app, client, call_wsgi):
    router = Router("/r")
    router.add_exception_handler(HTTPError, lambda request, exc: ({"by": "router"}, 400))
    router.add_route("/x", lambda request: {}, name="x")
    app.include_router(router)
    start_response, body = call_wsgi(app, "/r/%FF")
    assert start_response.status.startswith("400")
    assert b"not valid UTF-8" in body


def test_routers_and_their_inclusions_explain_themselves(app):
    router = Router("/orgs/{org}", name="orgs")
    router.add_exception_handler(KeyError, lambda request, exc: None)
    router.add_route("/", lambda request, org: None, name="x")
    assert repr(router) == "Router(prefix='/orgs/{org}', name='orgs')"
    app.include_router(router, prefix="/v1")
    inclusion = app.routes[0].owner
    assert repr(inclusion) == (
        "Inclusion(Router(prefix='/orgs/{org}', name='orgs'), prefix='/v1/orgs/{org}')"
    )
    assert repr(inclusion.prefix) == "PathPrefix('/v1/orgs/{org}')"


# --- roob routes --------------------------------------------------------------


def _routes_app():
    app = Roob(static_dir=None)
    users = Router("/users", name="users")

    @app.get("/")
    def home(request): ...

    @users.route("/{id:d}")
    class User:
        def get(self, request, id): ...

        def delete(self, request, id): ...

    @users.post("/")
    def create(request): ...

    app.include_router(users, prefix="/api")
    return app


def test_print_routes_shows_router_routes_with_their_full_path():
    out = io.StringIO()
    print_routes(_routes_app(), out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["METHODS", "PATH", "NAME", "VIEW"]
    rows = [line.split() for line in lines[1:]]
    assert rows == [
        ["GET,HEAD", "/", "home", f"{__name__}._routes_app.<locals>.home"],
        [
            "DELETE,GET,HEAD",
            "/api/users/{id:d}",
            "users.User",
            f"{__name__}._routes_app.<locals>.User",
        ],
        ["POST", "/api/users", "users.create", f"{__name__}._routes_app.<locals>.create"],
    ]


def test_the_roob_routes_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "routed_app.py").write_text(
        "from roob import Roob, Router\n"
        "app = Roob(static_dir=None)\n"
        "admin = Router('/admin', name='admin')\n"
        "@admin.get('/stats')\n"
        "def stats(request): ...\n"
        "app.include_router(admin)\n"
    )
    monkeypatch.chdir(tmp_path)
    main(["routes", "routed_app:app"])
    output = capsys.readouterr().out
    assert output.splitlines()[1].split() == [
        "GET,HEAD",
        "/admin/stats",
        "admin.stats",
        "routed_app.stats",
    ]
