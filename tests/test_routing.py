"""roob/routing.py: path syntax, precedence, conflicts, methods, HEAD/OPTIONS, url_for.

The typed parameters themselves are in tests/test_convertors.py; the router
against a brute-force reference on random routes in test_routing_properties.py.
"""

from __future__ import annotations

import pytest

from roob import ConfigurationError, InvalidRoute, NotFound, Route, RouteConflict, Router
from roob.testing import TestClient

# --- {name}: one segment, percent-decoded -----------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/hello/world", "world"),
        ("/hello/J%C3%BCrgen", "Jürgen"),
        ("/hello/a%20b", "a b"),
        ("/hello/100%25", "100%"),
        ("/hello/a.b-c_d~e", "a.b-c_d~e"),
        ("/hello/%3F%23", "?#"),
    ],
)
def test_a_name_parameter_is_the_percent_decoded_segment(app, client, path, value):
    @app.get("/hello/{name}")
    def hello(request, name):
        return {"name": name, "type": type(name).__name__}

    assert client.get(path).json() == {"name": value, "type": "str"}


@pytest.mark.parametrize("path", ["/hello/a%2Fb", "/hello/a/b", "/hello/", "/hello"])
def test_a_name_parameter_never_holds_a_slash_and_is_never_empty(app, client, path):
    @app.get("/hello/{name}")
    def hello(request, name):
        return {"name": name}

    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["message"].startswith("Requested path: ")


def test_parameters_reach_the_view_as_keyword_arguments(app, client):
    @app.get("/archive/{year:d}/{month:d}/{slug}")
    def archive(request, *, slug, month, year):
        return {"year": year, "month": month, "slug": slug}

    response = client.get("/archive/2024/05/hello")
    assert response.json() == {"year": 2024, "month": 5, "slug": "hello"}


def test_several_parameters_in_one_segment(app, client):
    @app.get("/v{major:d}.{minor:d}/{name}-{size}.tar.gz")
    def release(request, major, minor, name, size):
        return {"major": major, "minor": minor, "name": name, "size": size}

    response = client.get("/v2.10/roob-small.tar.gz")
    assert response.json() == {"major": 2, "minor": 10, "name": "roob", "size": "small"}
    assert client.get("/vx.10/roob-small.tar.gz").status_code == 404
    assert client.get("/v2.10/roob.tar.gz").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [("/about/Team", 200), ("/About/Team", 404), ("/about/team", 404), ("/ABOUT/TEAM", 404)],
)
def test_matching_is_case_sensitive(app, client, path, status):
    @app.get("/about/Team")
    def team(request):
        return "team"

    assert client.get(path).status_code == status


def test_a_path_that_is_not_absolute_is_a_404(app):
    @app.get("/")
    def index(request):
        return "index"

    # wsgiref's validator refuses such an environ; a careless server might send it
    response = TestClient(app, validate=False).get("/", environ={"PATH_INFO": "index"})
    assert response.status_code == 404
    assert response.json() == {"message": "Requested path: index does not exist"}


def test_deep_patterns_match_and_fall_back_like_shallow_ones(app, client, labelled_view):
    # deeper than the router writes inline: the search continues in sub-functions
    stem = "/".join(f"{{p{i}}}" for i in range(9))
    app.add_route(f"/{stem}/{{n:d}}/edit", labelled_view("edit"))
    app.add_route(f"/{stem}/{{s}}/view", labelled_view("view"))
    params = {f"p{i}": str(i) for i in range(9)}
    assert client.get("/0/1/2/3/4/5/6/7/8/42/edit").json() == {"view": "edit", **params, "n": 42}
    assert client.get("/0/1/2/3/4/5/6/7/8/42/view").json() == {"view": "view", **params, "s": "42"}
    assert client.get("/0/1/2/3/4/5/6/7/8/x/edit").status_code == 404


# --- which route wins: never the registration order --------------------------

PRODUCTS = [
    ("/api/products/{rest:path}", "anything"),
    ("/api/products/{category}", "by_category"),
    ("/api/products/{id:d}", "by_id"),
    ("/api/products/featured", "featured"),
]
DEAD_ENDS = [
    ("/a/{id:d}/edit", "edit"),
    ("/a/{name}/view", "view"),
    ("/a/{name}", "item"),
    ("/a/new/form", "form"),
    ("/a/{rest:path}", "rest"),
]
FILES = [("/f/{name}", "any"), ("/f/{name}.{ext}", "file"), ("/f/{name}.tar.gz", "tarball")]
NUMBERS = [("/n/{n:f}", "decimal"), ("/n/{n:d}", "integer")]

# (routes, path, what answers)
PRECEDENCE = [
    # literal > typed > {name} > {name:path}
    (PRODUCTS, "/api/products/7", {"view": "by_id", "id": 7}),
    (PRODUCTS, "/api/products/mobile", {"view": "by_category", "category": "mobile"}),
    (PRODUCTS, "/api/products/featured", {"view": "featured"}),
    (PRODUCTS, "/api/products/a/b", {"view": "anything", "rest": "a/b"}),
    # a branch that leads nowhere falls back to the next
    (DEAD_ENDS, "/a/7/edit", {"view": "edit", "id": 7}),
    (DEAD_ENDS, "/a/7/view", {"view": "view", "name": "7"}),
    (DEAD_ENDS, "/a/new", {"view": "item", "name": "new"}),
    (DEAD_ENDS, "/a/new/form", {"view": "form"}),
    (DEAD_ENDS, "/a/new/x/y", {"view": "rest", "rest": "new/x/y"}),
    # a segment with more literal text wins
    (FILES, "/f/x.tar.gz", {"view": "tarball", "name": "x"}),
    (FILES, "/f/x.txt", {"view": "file", "name": "x", "ext": "txt"}),
    (FILES, "/f/readme", {"view": "any", "name": "readme"}),
    # int is tried before float
    (NUMBERS, "/n/3", {"view": "integer", "n": 3}),
    (NUMBERS, "/n/2.5", {"view": "decimal", "n": 2.5}),
]


@pytest.mark.parametrize("order", [1, -1], ids=["as-listed", "reversed"])
@pytest.mark.parametrize(
    ("routes", "path", "expected"), PRECEDENCE, ids=[path for _, path, _ in PRECEDENCE]
)
def test_the_most_specific_route_wins_whatever_the_order(
    app, client, labelled_view, order, routes, path, expected
):
    for pattern, label in routes[::order]:
        app.add_route(pattern, labelled_view(label))
    assert client.get(path).json() == expected


# --- conflicts and bad patterns fail at registration -------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/a/{x}", "/a/{y}"),
        ("/a/{x:d}", "/a/{y:int}"),
        ("/a/{x:f}/b", "/a/{y:float}/b"),
        ("/a/{x}.{y}", "/a/{p}.{q}"),
        ("/a/{x:path}", "/a/{y:path}"),
        ("/x", "/x/"),
    ],
)
def test_a_pattern_serving_the_same_urls_conflicts(app, first, second):
    app.add_route(first, lambda request, **params: None, name="first")
    with pytest.raises(RouteConflict) as raised:
        app.add_route(second, lambda request, **params: None, name="second")
    assert isinstance(raised.value, RuntimeError)
    assert second in str(raised.value)
    assert repr(first) in str(raised.value)


def test_a_conflict_names_the_methods_and_leaves_the_first_route_serving(app, client):
    @app.route("/items", methods=["GET", "POST"])
    def items(request):
        return "first"

    with pytest.raises(RouteConflict, match=r"^Path: /items is already bound .* for POST$"):
        app.add_route("/items", lambda request: "second", methods=["POST", "PUT"], name="second")
    assert client.post("/items").text == "first"
    assert client.put("/items").status_code == 405


def test_other_methods_on_the_same_urls_are_fine(app, client, labelled_view):
    app.add_route("/a/{x}", labelled_view("read"))
    app.add_route("/a/{y}", labelled_view("write"), methods=["PUT", "DELETE"])
    assert client.get("/a/1").json() == {"view": "read", "x": "1"}
    assert client.put("/a/1").json() == {"view": "write", "y": "1"}
    assert client.options("/a/1").headers["Allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_an_explicit_head_route_replaces_the_automatic_one(app, client):
    @app.get("/report")
    def report(request):
        return "full report"

    @app.route("/report", methods=["HEAD"])
    def report_head(request):
        return "", 200, {"X-Rows": "12"}

    response = client.head("/report")
    assert response.headers["X-Rows"] == "12"
    assert response.content == b""
    assert client.get("/report").text == "full report"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/a/{x", "unbalanced brace"),
        ("/a/x}", "unbalanced brace"),
        ("/a/{}", "needs a parameter name"),
        ("/a/{:d}", "needs a parameter name"),
        ("/a/{1x}", "needs a parameter name"),
        ("/a/{x}/{x:d}", "uses the parameter 'x' twice"),
        ("/a/{x}-{x}", "uses the parameter 'x' twice"),
        ("/a/{x:money}", "unknown convertor 'money'"),
        ("/a/{rest:path}/b", "must be the last segment"),
        ("/a/v{rest:path}", "must be a whole segment"),
        ("/a//b", "empty segment"),
        ("a/b", "must be a string starting with '/'"),
        ("", "must be a string starting with '/'"),
    ],
)
def test_a_bad_pattern_fails_at_registration(app, path, message):
    with pytest.raises(InvalidRoute, match=message) as raised:
        app.add_route(path, lambda request, **params: None)
    assert isinstance(raised.value, ConfigurationError)
    assert repr(path) in str(raised.value)
    assert app.routes == []


def test_an_unknown_convertor_error_lists_the_known_ones(app):
    with pytest.raises(InvalidRoute) as raised:
        app.add_route("/a/{x:money}", lambda request, x: None)
    assert "known: d, f, float, int, path, str, uuid" in str(raised.value)
    assert "app.add_convertor()" in str(raised.value)


# --- trailing slashes ---------------------------------------------------------


@pytest.mark.parametrize("registered", ["/shelf", "/shelf/"])
@pytest.mark.parametrize("requested", ["/shelf", "/shelf/"])
def test_a_trailing_slash_is_optional_on_both_sides(app, client, registered, requested):
    app.add_route(registered, lambda request: "shelf", name="shelf")
    assert client.get(requested).text == "shelf"
    assert client.get("/shelf//").status_code == 404


@pytest.mark.parametrize("requested", ["/shelf/3", "/shelf/3/"])
def test_a_trailing_slash_after_a_parameter(app, client, requested):
    @app.get("/shelf/{id:d}/")
    def shelf(request, id):
        return {"id": id}

    assert client.get(requested).json() == {"id": 3}


# --- methods, HEAD and OPTIONS -------------------------------------------------


def test_a_function_view_without_methods_answers_get_only(app, client):
    app.add_route("/page", lambda request: "page", name="page")
    assert client.get("/page").text == "page"
    for method in ["POST", "PUT", "PATCH", "DELETE"]:
        response = client.request(method, "/page")
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_each_verb_decorator_answers_its_verb_only(app, client, verb):
    @getattr(app, verb)("/thing/{id:d}")
    def thing(request, id):
        return {"method": request.method, "id": id}

    assert client.request(verb, "/thing/4").json() == {"method": verb.upper(), "id": 4}
    other = "DELETE" if verb == "get" else "GET"
    response = client.request(other, "/thing/4")
    assert response.status_code == 405
    assert verb.upper() in response.headers["Allow"].split(", ")
    assert other not in response.headers["Allow"].split(", ")


@pytest.mark.parametrize(
    "methods",
    [["post", "Put"], ("POST", "PUT"), {"POST", "PUT"}],
    ids=["lowercase", "tuple", "set"],
)
def test_methods_may_be_any_case_and_any_iterable(app, client, methods):
    app.add_route("/m", lambda request: request.method, methods=methods, name="m")
    assert client.post("/m").text == "POST"
    assert client.put("/m").text == "PUT"
    assert client.get("/m").status_code == 405
    assert client.options("/m").headers["Allow"] == "POST, PUT, OPTIONS"


def test_a_single_method_may_be_a_string(app, client):
    @app.route("/m", methods="patch")
    def m(request):
        return request.method

    assert client.patch("/m").text == "PATCH"
    assert client.get("/m").status_code == 405


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        ([], "must name at least one HTTP method"),
        (["GET /"], "'GET /' is not an HTTP method name"),
        (["G3T"], "'G3T' is not an HTTP method name"),
        ([1], "1 is not an HTTP method name"),
    ],
)
def test_a_bad_method_fails_at_registration(app, methods, message):
    with pytest.raises(ConfigurationError, match=message):
        app.add_route("/m", lambda request: None, methods=methods)


def test_head_follows_get_on_parameterised_routes(app, client):
    @app.get("/items/{id:d}")
    def item(request, id):
        return {"id": id}

    get = client.get("/items/12")
    head = client.head("/items/12")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))


def test_head_is_not_served_where_get_is_not(app, client):
    @app.post("/submit")
    def submit(request):
        return "ok"

    response = client.head("/submit")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("path", ["/items", "/items/", "/items/7"])
def test_options_is_204_with_allow_and_no_content_type(app, client, path):
    @app.route("/items", methods=["GET", "POST"])
    def items(request):
        return []

    @app.route("/items/{id:d}", methods=["GET", "PUT", "DELETE"])
    def item(request, id):
        return {}

    response = client.options(path)
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.content == b""
    expected = (
        "GET, HEAD, POST, OPTIONS" if path != "/items/7" else "GET, HEAD, PUT, DELETE, OPTIONS"
    )
    assert response.headers["Allow"] == expected


def test_options_for_an_unknown_path_is_a_404(client):
    assert client.options("/nothing").status_code == 404


def test_an_options_route_replaces_the_automatic_answer(app, client):
    @app.route("/cors", methods=["GET", "OPTIONS"])
    def cors(request):
        return "preflight" if request.method == "OPTIONS" else "data"

    response = client.options("/cors")
    assert response.status_code == 200
    assert response.text == "preflight"


# --- route names and url_for ----------------------------------------------------


def test_add_route_returns_the_route_which_explains_itself(app):
    route = app.add_route("/items/{id:d}", lambda request, id: None, ["GET", "PUT"], name="item")
    assert isinstance(route, Route)
    assert route.path == "/items/{id:d}"
    assert route.pattern.names == ("id",)
    assert route.methods == {"GET", "PUT"}
    assert repr(route) == "Route(path='/items/{id:d}', methods=GET,PUT, name='item')"
    assert app.routes == [route]
    endpoint, params = app.route_table.resolve("/items/3", "PUT")
    assert endpoint.route is route
    assert params == {"id": 3}
    assert repr(endpoint) == f"Endpoint(PUT, {route!r})"


def test_a_route_lists_its_parameters_and_their_convertors(app):
    route = app.add_route("/u/{user:d}/{name}.{ext}", lambda request, **params: None, name="f")
    convertors = route.pattern.param_convertors()
    assert list(convertors) == ["user", "name", "ext"]
    assert [type(c).__name__ for c in convertors.values()] == [
        "IntConvertor",
        "StringConvertor",
        "StringConvertor",
    ]


def test_a_route_is_named_after_its_view_unless_named(app):
    @app.get("/a/{x}")
    def show(request, x): ...

    @app.route("/b/{x}")
    class Thing:
        def get(self, request, x): ...

    app.add_route("/c/{x}", lambda request, x: None, name="custom")
    assert [route.name for route in app.routes] == ["show", "Thing", "custom"]
    assert app.url_for("show", x="1") == "/a/1"
    assert app.url_for("Thing", x="2") == "/b/2"
    assert app.url_for("custom", x="3") == "/c/3"


def test_url_for_accepts_a_parameter_called_name(app, client):
    @app.get("/hello/{name}")
    def hello(request, name):
        return {"name": name}

    assert app.url_for("hello", name="Ada") == "/hello/Ada"


@pytest.mark.parametrize("value", ["a b", "Jürgen", "a?b=c", "50%", "#top", "x+y", "é"])
def test_url_for_percent_encodes_and_the_url_leads_back(app, client, value):
    @app.get("/hello/{who}")
    def hello(request, who):
        return {"who": who}

    url = app.url_for("hello", who=value)
    assert url.isascii()
    assert not {" ", "?", "#"} & set(url)
    assert client.get(url).json() == {"who": value}


def test_url_for_keeps_the_slashes_of_a_path_parameter(app, client):
    @app.get("/files/{rest:path}")
    def files(request, rest):
        return {"rest": rest}

    url = app.url_for("files", rest="docs/read me.txt")
    assert url == "/files/docs/read%20me.txt"
    assert client.get(url).json() == {"rest": "docs/read me.txt"}


def test_url_for_literal_text_and_mixed_segments(app, client):
    @app.get("/café/{name}.{ext}")
    def download(request, name, ext):
        return {"name": name, "ext": ext}

    url = app.url_for("download", name="report", ext="pdf")
    assert url == "/caf%C3%A9/report.pdf"
    assert client.get(url).json() == {"name": "report", "ext": "pdf"}


def test_url_for_of_a_route_registered_with_a_trailing_slash(app):
    app.add_route("/shelf/", lambda request: None, name="shelf")
    assert app.url_for("shelf") == "/shelf"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, r"route '/u/\{id:d\}/\{slug\}' takes parameters \['id', 'slug'\], got \[\]"),
        ({"id": 1}, r"takes parameters \['id', 'slug'\], got \['id'\]"),
        ({"id": 1, "slug": "a", "page": 2}, r"got \['id', 'page', 'slug'\]"),
        ({"id": -1, "slug": "a"}, "-1 is negative"),
        ({"id": 1, "slug": "a/b"}, "'a/b' is not a single path segment"),
        ({"id": 1, "slug": ""}, "'' is not a single path segment"),
    ],
)
def test_url_for_refuses_parameters_the_route_would_not_match(app, params, message):
    app.add_route("/u/{id:d}/{slug}", lambda request, id, slug: None, name="user_post")
    with pytest.raises(ValueError, match=message):
        app.url_for("user_post", **params)


def test_url_for_an_unknown_name(app):
    with pytest.raises(LookupError, match="no route is named 'nowhere'"):
        app.url_for("nowhere")


# --- router prefixes with parameters: which 404s they claim ---------------------------


@pytest.mark.parametrize(
    ("prefix", "path", "by"),
    [
        ("/orgs/{org}", "/orgs/acme/nothing", "router"),
        ("/orgs/{org}", "/orgs", "app"),
        ("/api/v{major:d}", "/api/v2/nothing", "router"),
        ("/api/v{major:d}", "/api/vx/nothing", "app"),
        ("/api/v{major:d}", "/api/2/nothing", "app"),
        ("/n/{n:even}", "/n/4/nothing", "router"),
        ("/n/{n:even}", "/n/5/nothing", "app"),  # the convertor raised ValueError
        ("/n/v{n:even}", "/n/v4/nothing", "router"),
        ("/n/v{n:even}", "/n/v5/nothing", "app"),
    ],
)
def test_a_404_under_a_parameterised_prefix_goes_to_the_router(app, client, prefix, path, by):
    def even(text):
        if int(text) % 2:
            raise ValueError("odd")
        return int(text)

    app.add_convertor("even", "[0-9]+", even)
    router = Router(prefix)
    router.add_exception_handler(NotFound, lambda request, exc: ({"by": "router"}, 404))
    router.add_route("/x", lambda request, **params: {}, name="x")
    app.include_router(router)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json().get("by", "app") == by
