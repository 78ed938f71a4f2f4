"""The OpenAPI document's tags, operation ids, settings and error bodies (issue 20).

What the Conduit build could not say (../shared/reviews/2026-12-outside.md, part 1,
rows 9-12 and section 3), and hostile cases ported from FastAPI's own tests
(fastapi/fastapi at c3f316b: tests/test_include_router_defaults_overrides.py,
tests/test_generate_unique_id_function.py, tests/test_openapi_servers.py,
tests/test_tutorial/test_metadata/test_tutorial001.py,
tests/test_additional_responses_custom_validationerror.py).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from roob import ConfigurationError, HTTPError, NotFound, Response, Roob, Router
from roob.exceptions import UnprocessableEntity
from roob.openapi import openapi_document, operation
from roob.testing import TestClient


class Article(BaseModel):
    title: str


class GenericError(BaseModel):
    """RealWorld's GenericErrorModel: ``{"errors": {"body": [...]}}``."""

    errors: dict[str, list[str]]


def app_() -> Roob:
    return Roob(static_dir=None)


# --- tags ----------------------------------------------------------------------------


def test_tags_accumulate_outer_router_first_and_names_are_not_tags() -> None:
    # Review row 9: Router("/api", name="api") tagged all 19 operations "api".
    # FastAPI's test_include_router_defaults_overrides: level1, level2, then the path's.
    api = Router("/api", name="api", tags=["v1"])
    articles = Router("/articles", name="articles", tags=["Articles"])
    comments = Router("/{slug}/comments", name="comments", tags=["Comments"])

    @comments.get("/", tags=["read"])
    @operation(tags=["Comments", "public"])  # a tag given twice is listed once
    def list_comments(request, slug) -> list[str]:
        return []

    @articles.get("/{slug}")
    def get_article(request, slug) -> Article:
        return Article(title=slug)

    articles.include_router(comments)
    api.include_router(articles)
    app = app_()
    app.include_router(api)

    @app.get("/health")
    def health(request):
        return {}

    paths = app.openapi()["paths"]
    assert paths["/api/articles/{slug}/comments"]["get"]["tags"] == [
        "v1",
        "Articles",
        "Comments",
        "read",
        "public",
    ]
    assert paths["/api/articles/{slug}"]["get"]["tags"] == ["v1", "Articles"]
    assert "tags" not in paths["/health"]["get"]
    assert app.url_for("api.articles.get_article", slug="x") == "/api/articles/x"
    validate(app.openapi())


def test_a_router_included_twice_keeps_its_tags_under_each_name() -> None:
    users = Router("/users", name="users", tags=["User and Authentication"])

    @users.get("/")
    def current(request):
        return {}

    app = app_()
    app.include_router(users, "/v1", name="v1")
    app.include_router(users, "/v2", name="v2")
    paths = app.openapi()["paths"]
    assert paths["/v1/users"]["get"]["tags"] == ["User and Authentication"]
    assert paths["/v2/users"]["get"]["operationId"] == "v2_current_get"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("users", r"tags= is a list of strings: tags=\['users'\], not tags='users'"),
        ([""], r"tags= must be a list of non-empty strings, not \[''\]"),
        (["ok", 3], r"tags= must be a list of non-empty strings"),
        ({"users"}, r"tags= must be a list of non-empty strings, not \{'users'\}"),
    ],
)
def test_tags_that_are_not_a_list_of_names_are_refused_everywhere(tags, message) -> None:
    def view(request):
        return {}

    with pytest.raises(ConfigurationError, match=f"^Router\\(prefix='/x', name=None\\): {message}"):
        Router("/x", tags=tags)
    with pytest.raises(ConfigurationError, match=f"^route '/x': {message}"):
        app_().add_route("/x", view, tags=tags)
    with pytest.raises(ConfigurationError, match=f"^@operation on the view .*view: {message}"):
        operation(tags=tags)(view)


# --- operation ids -------------------------------------------------------------------


def test_default_operation_ids_are_the_route_name_and_method_made_safe() -> None:
    # Review row 10: a router name with spaces ended up in operationIds.
    users = Router("/users", name="User and Authentication")

    @users.post("/login")
    def login(request):
        return {}

    @users.route("/me")
    class Me:
        def get(self, request):
            return {}

        def put(self, request):
            return {}

    app = app_()
    app.include_router(users)
    app.add_route("/lambda", lambda request: {})
    app.add_route("/named", lambda request: {}, name="a.b-c d")
    paths = app.openapi()["paths"]
    assert paths["/users/login"]["post"]["operationId"] == "User_and_Authentication_login_post"
    assert paths["/users/me"]["get"]["operationId"] == "User_and_Authentication_Me_get"
    assert paths["/users/me"]["put"]["operationId"] == "User_and_Authentication_Me_put"
    assert paths["/lambda"]["get"]["operationId"] == "lambda_get"
    assert paths["/named"]["get"]["operationId"] == "a_b_c_d_get"
    validate(app.openapi())


def test_a_name_with_nothing_to_keep_leaves_the_method() -> None:
    app = app_()
    app.add_route("/x", lambda request: {}, name="<>")
    assert app.openapi()["paths"]["/x"]["get"]["operationId"] == "get"


def test_operation_ids_given_on_the_route_or_the_view() -> None:
    app = app_()

    @app.get("/articles/{slug}", operation_id="GetArticle")
    def get_article(request, slug):
        return {}

    @app.post("/users/login")
    @operation(operation_id="Login")
    def login(request):
        return {}

    @app.route("/articles/{slug}/favorite")
    class Favorite:
        @operation(operation_id="CreateArticleFavorite")
        def post(self, request, slug):
            return {}

        @operation(operation_id="DeleteArticleFavorite")
        def delete(self, request, slug):
            return {}

    @app.get("/tags", operation_id="GetTags")
    @operation(operation_id="GetTags")  # the same id twice is no contradiction
    def tags(request):
        return []

    paths = app.openapi()["paths"]
    assert paths["/articles/{slug}"]["get"]["operationId"] == "GetArticle"
    assert paths["/users/login"]["post"]["operationId"] == "Login"
    assert paths["/articles/{slug}/favorite"]["post"]["operationId"] == "CreateArticleFavorite"
    assert paths["/articles/{slug}/favorite"]["delete"]["operationId"] == "DeleteArticleFavorite"
    assert paths["/tags"]["get"]["operationId"] == "GetTags"
    validate(app.openapi())


@pytest.mark.parametrize("bad", ["", "Get Article", "get\narticle", "café", 7, ["x"]])
def test_an_operation_id_that_cannot_name_a_function_is_refused(bad) -> None:
    def view(request):
        return {}

    message = r"operation_id= must be a non-empty string of letters, digits, '_', '.' and '-'"
    with pytest.raises(ConfigurationError, match=f"^route '/x': {message}"):
        app_().add_route("/x", view, operation_id=bad)
    with pytest.raises(ConfigurationError, match=f"^@operation on the view .*view: {message}"):
        operation(operation_id=bad)(view)


def test_an_operation_id_that_would_name_several_operations_is_refused_when_added() -> None:
    class Favorite:
        def post(self, request):
            return {}

        def delete(self, request):
            return {}

    @operation(operation_id="Both")
    def both(request):
        return {}

    def plain(request):
        return {}

    with pytest.raises(
        ConfigurationError,
        match=r"^route '/f': operation_id='Fav' would name each of its methods "
        r"\(DELETE, POST\); an operationId names one",
    ):
        app_().add_route("/f", Favorite, operation_id="Fav")
    with pytest.raises(
        ConfigurationError,
        match=r"^route '/b': @operation\(operation_id='Both'\) of the view .*both would name "
        r"each of its methods \(GET, POST\)",
    ):
        app_().add_route("/b", both, ["GET", "POST"])
    with pytest.raises(
        ConfigurationError,
        match=r"^route '/b': operation_id='Other' and @operation\(operation_id='Both'\) of the "
        r"view .*both differ; give the operationId once",
    ):
        app_().add_route("/b", both, operation_id="Other")
    app = app_()
    app.add_route("/p", plain, ["GET", "HEAD"], operation_id="Plain")  # HEAD is no operation
    assert app.openapi()["paths"]["/p"]["get"]["operationId"] == "Plain"


def test_two_operations_with_one_id_are_refused_naming_both() -> None:
    # FastAPI's test_warn_duplicate_operation_id only warns, and serves an invalid document.
    app = app_()

    @app.post("/", operation_id="foo")
    def post_root(request):
        return {}

    @app.post("/second")
    @operation(operation_id="foo")
    def post_second(request):
        return {}

    with pytest.raises(ConfigurationError) as raised:
        app.openapi()
    assert str(raised.value) == (
        "the operationId 'foo' names two operations, POST / (route 'post_root') and "
        "POST /second (route 'post_second'); an operationId names one: give one of them "
        "another operation_id= (on the route, or @operation(operation_id=...) on its view), "
        "or another name="
    )


def test_one_view_on_two_paths_needs_a_name_or_an_id_for_one_of_them() -> None:
    def show(request):
        return {}

    app = app_()
    app.add_route("/open", show)
    app.add_route("/closed", show)
    with pytest.raises(ConfigurationError, match=r"'show_get' names two operations, GET /open"):
        app.openapi()

    app = app_()
    app.add_route("/open", show)
    app.add_route("/closed", show, operation_id="show_closed")
    app.add_route("/hidden", operation(include=False)(lambda request: {}), name="show")
    paths = app.openapi()["paths"]  # a route left out of the document names nothing
    assert [paths[p]["get"]["operationId"] for p in ("/open", "/closed")] == [
        "show_get",
        "show_closed",
    ]


def test_a_given_id_may_not_take_a_default_one() -> None:
    app = app_()

    @app.get("/a")
    def list_articles(request):
        return {}

    @app.get("/b", operation_id="list_articles_get")
    def other(request):
        return {}

    with pytest.raises(ConfigurationError, match=r"GET /a \(route 'list_articles'\) and GET /b"):
        app.openapi()


# --- the document's settings -----------------------------------------------------------

SERVERS = [
    {"url": "/", "description": "Default, relative server"},
    {"url": "http://staging.localhost.tiangolo.com:8000", "description": "Staging"},
    {"url": "https://prod.example.com"},
]
CONTACT = {
    "name": "Deadpoolio the Amazing",
    "url": "http://x-force.example.com/contact/",
    "email": "dp@x-force.example.com",
}
LICENSE = {"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0.html"}
TAGS = [
    {"name": "Articles", "description": "Read and write articles"},
    {"name": "User and Authentication", "externalDocs": {"url": "https://realworld.how"}},
]


def test_the_document_settings_given_to_roob() -> None:
    # FastAPI's test_openapi_servers and its metadata tutorial's test.
    app = Roob(
        static_dir=None,
        title="Conduit API",
        version="1.0.0",
        description="Conduit API documentation\n\n**Markdown** allowed.",
        terms_of_service="http://example.com/terms/",
        contact=CONTACT,
        license_info=LICENSE,
        servers=SERVERS,
        openapi_tags=TAGS,
    )

    @app.get("/articles", tags=["Articles"])
    def articles(request):
        return []

    document = app.openapi()
    validate(document)
    assert list(document) == ["openapi", "info", "servers", "paths", "tags"]
    assert document["info"] == {
        "title": "Conduit API",
        "version": "1.0.0",
        "description": "Conduit API documentation\n\n**Markdown** allowed.",
        "termsOfService": "http://example.com/terms/",
        "contact": CONTACT,
        "license": LICENSE,
    }
    assert document["servers"] == SERVERS
    assert document["tags"] == TAGS
    client = TestClient(app)
    app.add_api_docs()
    assert client.get("/openapi.json").json() == document


def test_the_settings_may_be_given_to_add_api_docs_once() -> None:
    app = Roob(static_dir=None, title="Conduit", servers=[{"url": "/api"}])
    app.add_api_docs(
        version="2.0",
        servers=({"url": "/api"},),  # the same value again: no contradiction
        license_info={"name": "MIT", "identifier": "MIT", "x-note": "extensions are kept"},
        docs_url=None,
    )
    document = app.openapi()
    validate(document)
    assert document["info"] == {
        "title": "Conduit",
        "version": "2.0",
        "license": {"name": "MIT", "identifier": "MIT", "x-note": "extensions are kept"},
    }
    assert document["servers"] == [{"url": "/api"}]
    assert (app.title, app.version) == ("Conduit", "2.0")


@pytest.mark.parametrize(
    ("setting", "first", "second"),
    [
        ("title", "Conduit", "Other"),
        ("description", "One", "Two"),
        ("servers", [{"url": "/api"}], [{"url": "/v2"}]),
    ],
)
def test_a_setting_given_twice_differently_is_refused(setting, first, second) -> None:
    app = Roob(static_dir=None, **{setting: first})
    with pytest.raises(ConfigurationError) as raised:
        app.add_api_docs(**{setting: second})
    assert str(raised.value) == (
        f"add_api_docs(...): {setting}={second!r} differs from {setting}={first!r} given "
        "before (to Roob(...)); give each document setting once"
    )
    assert app.routes == []  # nothing was registered


def test_the_title_attribute_is_still_the_documents() -> None:
    app = Roob(static_dir=None)
    assert (app.title, app.version) == ("Roob application", "0.1.0")
    app.title = "Set later"
    assert app.openapi()["info"] == {"title": "Set later", "version": "0.1.0"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"title": ""}, r"title= must be a non-empty string, not ''"),
        ({"description": 3}, r"description= must be a non-empty string, not 3"),
        ({"servers": "https://api.example.com"}, r"servers= must look like servers=\[\{"),
        ({"servers": ["https://api.example.com"]}, r"servers= must look like servers="),
        ({"servers": {"url": "/api"}}, r"servers= must look like servers="),
        ({"servers": [{"URL": "/api"}]}, r"servers= .* has no url \(a string\) and has unknown"),
        ({"contact": {"mail": "a@b.c"}}, r"contact= \{'mail': 'a@b.c'\} has unknown members"),
        ({"contact": "a@b.c"}, r"contact= must look like contact=\{"),
        ({"license_info": {"url": "https://x"}}, r"license_info= .* has no name \(a string\)"),
        (
            {"license_info": {"name": "MIT", "identifier": "MIT", "url": "https://x"}},
            r"license_info= gives an identifier and a url; OpenAPI 3.1 takes one",
        ),
        ({"openapi_tags": [{"description": "x"}]}, r"openapi_tags= .* has no name"),
        (
            {"openapi_tags": [{"name": "a"}, {"name": "b"}, {"name": "a"}]},
            r"openapi_tags= lists the tag 'a' twice",
        ),
    ],
)
def test_settings_the_document_cannot_hold_are_refused(settings, message) -> None:
    with pytest.raises(ConfigurationError, match=f"^Roob\\(...\\): {message}"):
        Roob(static_dir=None, **settings)
    with pytest.raises(ConfigurationError, match=f"^add_api_docs\\(...\\): {message}"):
        Roob(static_dir=None).add_api_docs(**settings)


def test_openapi_document_refuses_an_unknown_setting() -> None:
    with pytest.raises(ConfigurationError, match="unknown document setting summary="):
        openapi_document([], title="x", version="1", summary="y")


# --- the error body ---------------------------------------------------------------------


def conduit(**handler_options: Any) -> Roob:
    """RealWorld's error shape, from one HTTPError handler (review part 1, rows 4 and 11)."""
    app = app_()

    @app.exception_handler(HTTPError, **handler_options)
    def errors(request, exc):
        found = exc.extra.get("errors")
        reasons = [f"{'.'.join(map(str, e['loc']))} {e['msg']}" for e in found or []]
        return {"errors": {"body": reasons or [exc.message]}, "ignored": True}

    @app.post("/articles", status=201)
    @operation(responses={409: "Slug taken", 404: ("No such author", Article)})
    def create(request, article: Article) -> Article:
        if article.title == "taken":
            raise HTTPError(409)
        return article

    @app.get("/articles/{slug}")
    def get_article(request, slug) -> Article:
        raise NotFound("No such article")

    return app


def test_the_error_body_is_documented_for_every_4xx_and_the_422() -> None:
    app = conduit(response=GenericError)
    document = app.openapi()
    validate(document)
    ref = {"$ref": "#/components/schemas/GenericError"}
    post = document["paths"]["/articles"]["post"]["responses"]
    assert list(post) == ["201", "404", "409", "422", "4XX"]
    for status in ("409", "422", "4XX"):
        assert post[status]["content"] == {"application/json": {"schema": ref}}, status
    # A response given with a model keeps it.
    assert post["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Article"
    }
    get = document["paths"]["/articles/{slug}"]["get"]["responses"]
    assert get["4XX"]["content"] == {"application/json": {"schema": ref}}
    assert document["components"]["schemas"]["GenericError"]["required"] == ["errors"]


def test_what_is_documented_is_what_the_handler_sends() -> None:
    client = TestClient(conduit(response=GenericError))
    missing = client.get("/articles/nope")
    assert (missing.status_code, missing.json()) == (
        404,
        {"errors": {"body": ["No such article"]}},  # its own status; "ignored" filtered out
    )
    invalid = client.post("/articles", json={"title": 3})
    assert (invalid.status_code, invalid.json()) == (
        422,
        {"errors": {"body": ["body.title Input should be a valid string"]}},
    )
    taken = client.post("/articles", json={"title": "taken"})
    assert (taken.status_code, taken.json()) == (409, {"errors": {"body": ["Conflict"]}})
    wrong_method = client.delete("/articles")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "POST, OPTIONS"  # the error's headers stay
    assert wrong_method.json() == {
        "errors": {"body": ["DELETE request is not allowed for /articles"]}
    }


def test_a_handler_without_response_promises_no_body() -> None:
    # Review row 11: the document kept promising {"message"} once a handler reshaped errors.
    document = conduit().openapi()
    validate(document)
    post = document["paths"]["/articles"]["post"]["responses"]
    for status in ("409", "422", "4XX"):
        assert "content" not in post[status], status
    assert post["4XX"] == {"description": "Client error"}


def test_roobs_own_error_body_is_documented_by_default() -> None:
    app = app_()

    @app.post("/articles")
    @operation(responses={409: "Slug taken"})
    def create(request, article: Article):
        return {}

    responses = app.openapi()["paths"]["/articles"]["post"]["responses"]
    assert responses["4XX"]["content"]["application/json"]["schema"]["required"] == ["message"]
    assert responses["409"]["content"] == responses["4XX"]["content"]
    assert responses["422"]["content"]["application/json"]["schema"]["required"] == [
        "message",
        "errors",
    ]


class Invalid(TypedDict):
    invalid: dict[str, str]


def test_the_422_may_have_a_body_of_its_own_and_routers_theirs() -> None:
    app = app_()

    @app.exception_handler(HTTPError, response=GenericError)
    def errors(request, exc):
        return {"errors": {"body": [exc.message]}}

    api = Router("/api")

    @api.exception_handler(UnprocessableEntity, response=Invalid)
    def invalid(request, exc):
        return {"invalid": {str(e["loc"][-1]): e["msg"] for e in exc.extra["errors"]}}, 400

    @api.post("/articles")
    def create(request, article: Article):
        return {}

    @api.put("/articles/{slug}")
    @operation(responses={422: "Cannot be changed", 409: "Taken"})
    def change(request, slug):  # reads its body itself, and raises UnprocessableEntity
        return {}

    @app.post("/articles")
    def create_plain(request, article: Article):
        return {}

    app.include_router(api)
    paths = app.openapi()["paths"]
    validate(app.openapi())
    in_router = paths["/api/articles"]["post"]["responses"]
    assert in_router["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Invalid"
    }
    assert in_router["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GenericError"
    }
    changed = paths["/api/articles/{slug}"]["put"]["responses"]
    assert changed["422"]["content"] == in_router["422"]["content"]
    assert changed["409"]["content"] == in_router["4XX"]["content"]
    outside = paths["/articles"]["post"]["responses"]
    assert outside["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GenericError"
    }
    client = TestClient(app)
    sent = client.post("/api/articles", json={})
    assert (sent.status_code, sent.json()) == (400, {"invalid": {"title": "Field required"}})
    assert client.post("/articles", json={}).json() == {"errors": {"body": ["Validation failed"]}}


def test_a_handler_that_sends_another_body_is_a_logged_500(caplog) -> None:
    app = app_()
    answers: list[Any] = []

    @app.exception_handler(HTTPError, response=GenericError)
    def errors(request, exc):
        return answers.pop()

    @app.get("/fail")
    def fail(request):
        raise HTTPError(418)

    client = TestClient(app)
    answers.append({"message": "I'm a teapot"})
    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/fail").status_code == 500
    assert "returned a body that is not a" in caplog.text
    answers.append(Response(json={"errors": {"body": []}}, status=418))
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/fail").status_code == 500
    assert "returned a Response, whose body cannot be checked against its response=" in (
        caplog.text
    )
    answers.append(({"errors": {"body": ["short"]}}, 418, {"Retry-After": "1"}))
    sent = client.get("/fail")
    assert (sent.status_code, sent.headers["Retry-After"], sent.json()) == (
        418,
        "1",
        {"errors": {"body": ["short"]}},
    )
    answers.append(GenericError(errors={"body": ["a model"]}))
    assert client.get("/fail").json() == {"errors": {"body": ["a model"]}}
    answers.append(None)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="roob"):
        assert client.get("/fail").status_code == 500
    assert "returned None" in caplog.text


class Unknown(Exception):
    pass


@pytest.mark.parametrize("exc_class", [NotFound, Unknown, Exception])
def test_response_is_refused_where_no_answer_it_documents(exc_class) -> None:
    with pytest.raises(
        ConfigurationError,
        match=f"the exception handler .* for {exc_class.__name__}: response= documents the "
        "body of the errors of every operation: give it to a handler of HTTPError",
    ):
        app_().add_exception_handler(exc_class, lambda request, exc: {}, response=GenericError)


def test_response_is_refused_unless_the_handler_has_a_class() -> None:
    with pytest.raises(ConfigurationError, match="for Exception: response= documents"):
        app_().add_exception_handler(lambda request, exc: {}, response=GenericError)


@pytest.mark.parametrize("model", [str, list[GenericError], dict[str, Any], 42, "GenericError"])
def test_response_must_be_the_class_of_a_json_object(model) -> None:
    router = Router("/api")
    with pytest.raises(ConfigurationError) as raised:
        router.add_exception_handler(HTTPError, lambda request, exc: {}, response=model)
    assert str(raised.value).startswith("Router(prefix='/api', name=None): the exception handler")
    assert "response= is the class of the error body the handler returns, a pydantic model, " in (
        str(raised.value)
    )


class Opaque:
    pass


@dataclasses.dataclass
class Unvalidatable:
    detail: Opaque  # pydantic has no schema for it (as for typing.TypedDict before 3.12)


def test_a_response_pydantic_cannot_validate_is_refused_when_the_handler_is_added() -> None:
    with pytest.raises(ConfigurationError) as raised:
        app_().add_exception_handler(HTTPError, lambda request, exc: {}, response=Unvalidatable)
    assert "response=<class 'tests.test_openapi_document.Unvalidatable'>: " in str(raised.value)


def test_a_typed_error_handler_explains_itself() -> None:
    app = app_()

    def errors(request, exc):
        return {}

    app.add_exception_handler(HTTPError, errors, response=GenericError)
    handler = app._exception_handlers[HTTPError]
    assert repr(handler) == f"TypedErrorHandler({errors!r}, response=GenericError)"


class Limited(BaseModel):
    """An error body with constraints: its schema is the serialized one."""

    message: Annotated[str, Field(max_length=200)]


def test_the_error_models_schema_is_in_the_components() -> None:
    app = app_()
    app.add_exception_handler(
        HTTPError, lambda request, exc: {"message": exc.message}, response=Limited
    )

    @app.get("/x")
    def x(request):
        return {}

    document = app.openapi()
    validate(document)
    assert document["components"]["schemas"]["Limited"]["properties"]["message"]["maxLength"] == 200
