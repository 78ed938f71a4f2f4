"""The OpenAPI document built from the routes, and the docs pages."""

from __future__ import annotations

import functools
from http import HTTPStatus
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from roob import ConfigurationError, HTTPError, Response, Roob, Router
from roob.openapi import operation
from roob.params import Header
from roob.testing import TestClient


class Pet(BaseModel):
    name: str
    age: Annotated[int, Field(ge=0)] = 0


@pytest.fixture
def app(tmp_path):
    app = Roob(tmp_path, None, title="Pets", version="2.0")

    @app.get("/pets")
    def list_pets(request, limit: int = 10, species: list[str] | None = None) -> list[Pet]:
        """List the pets.

        In name order.
        """
        return []

    @app.post("/pets")
    @operation(status=201, responses={409: "Name taken"})
    def add_pet(request, pet: Pet) -> Pet:
        """Add a pet."""
        return pet

    @app.route("/pets/{pet_id:int}/photos/{photo:uuid}")
    class Photo:
        def get(self, request, pet_id, photo, trace: Annotated[str | None, Header()] = None):
            """One photo."""
            return {}

        def delete(self, request, pet_id, photo) -> None:
            return None

    @app.get("/files/{rest:path}")
    def files(request, rest) -> str:
        return ""

    @app.get("/hidden")
    @operation(include=False)
    def hidden(request):
        return {}

    owners = Router("/owners", name="owners")

    @owners.get("/{name}")
    def owner(request, name) -> dict[str, str]:
        return {}

    app.include_router(owners)
    return app


def test_the_document_is_valid_openapi_3_1(app):
    document = app.openapi()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Pets", "version": "2.0"}


def test_paths_methods_and_path_parameters(app):
    paths = app.openapi()["paths"]
    assert sorted(paths) == [
        "/files/{rest}",
        "/owners/{name}",
        "/pets",
        "/pets/{pet_id}/photos/{photo}",
    ]
    assert sorted(paths["/pets"]) == ["get", "post"]
    assert sorted(paths["/pets/{pet_id}/photos/{photo}"]) == ["delete", "get"]
    params = paths["/pets/{pet_id}/photos/{photo}"]["get"]["parameters"]
    assert params[0] == {
        "name": "pet_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    assert params[1]["schema"] == {"type": "string", "format": "uuid"}
    assert params[2]["name"] == "trace"
    assert params[2]["in"] == "header"
    assert params[2]["required"] is False


def test_summaries_and_descriptions_come_from_docstrings(app):
    get = app.openapi()["paths"]["/pets"]["get"]
    assert get["summary"] == "List the pets."
    assert get["description"] == "In name order."
    assert get["operationId"] == "list_pets_get"


def test_query_parameters_with_types_and_defaults(app):
    params = app.openapi()["paths"]["/pets"]["get"]["parameters"]
    assert params[0] == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "default": 10},
    }
    assert params[1]["name"] == "species"
    assert {"type": "array", "items": {"type": "string"}} in params[1]["schema"]["anyOf"]


def test_request_and_response_models_are_components(app):
    document = app.openapi()
    post = document["paths"]["/pets"]["post"]
    ref = {"$ref": "#/components/schemas/Pet"}
    assert post["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": ref}},
    }
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == ref
    assert "409" in post["responses"]
    assert "422" in post["responses"]
    assert "4XX" in post["responses"]
    listed = document["paths"]["/pets"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"] == {"type": "array", "items": ref}
    assert document["components"]["schemas"]["Pet"]["properties"]["age"]["minimum"] == 0


def test_none_returns_are_204_and_str_is_html(app):
    paths = app.openapi()["paths"]
    assert next(iter(paths["/pets/{pet_id}/photos/{photo}"]["delete"]["responses"])) == "204"
    html = paths["/files/{rest}"]["get"]["responses"]["200"]["content"]
    assert html == {"text/html": {"schema": {"type": "string"}}}


def test_a_router_name_is_not_a_tag(app):
    # It qualifies url_for names only (review part 1, row 9); Router(tags=...) tags.
    operation = app.openapi()["paths"]["/owners/{name}"]["get"]
    assert "tags" not in operation
    assert operation["operationId"] == "owners_owner_get"


def test_openapi_json_and_swagger_ui_are_served(app):
    app.add_api_docs()
    client = TestClient(app)
    document = client.get("/openapi.json")
    assert document.status_code == 200
    assert document.headers["Content-Type"] == "application/json"
    assert document.json() == app.openapi()
    assert "/openapi.json" not in document.json()["paths"]
    page = client.get("/docs")
    assert page.status_code == 200
    assert '<script src="/docs/assets/swagger-ui-bundle.js"></script>' in page.text
    assert 'data-openapi-url="/openapi.json"' in page.text
    assert "<title>Pets</title>" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "roob-swagger-init.js"):
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200, asset
    assert client.get("/docs/assets/nothing.js").status_code == 404


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/docs/assets/roob-swagger-init.js"])
def test_the_document_page_and_script_are_revalidated(app, path):
    # REDbot's FRESHNESS_HEURISTIC: without Cache-Control a cache may keep them as long as
    # it likes; with no-cache and an ETag it asks again each time, and gets a 304.
    app.add_api_docs()
    client = TestClient(app)
    full = client.get(path)
    assert full.headers["Cache-Control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    assert (again.headers["ETag"], again.headers["Cache-Control"]) == (
        full.headers["ETag"],
        "no-cache",
    )
    assert client.get(path, headers={"If-None-Match": '"old"'}).content == full.content


def test_the_bundle_files_revalidate_and_are_kept_a_minute(app):
    app.add_api_docs()
    client = TestClient(app)
    full = client.get("/docs/assets/swagger-ui.css")
    assert full.headers["Cache-Control"] == "max-age=60"
    again = client.get(
        "/docs/assets/swagger-ui.css", headers={"If-None-Match": full.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_docs_urls_are_configurable(app):
    app.add_api_docs(openapi_url="/api/schema.json", docs_url=None)
    client = TestClient(app)
    assert client.get("/api/schema.json").status_code == 200
    assert client.get("/docs").status_code == 404


NO_DEFAULT = object()


def test_what_cannot_be_described_is_left_out_not_guessed(tmp_path):
    app = Roob(tmp_path, tmp_path)

    @app.get("/prices/{amount:float}")
    def price(request, amount, currency, marker: Any = NO_DEFAULT) -> Response:
        return Response(text="")

    operation = app.openapi()["paths"]["/prices/{amount}"]["get"]
    amount, currency, marker = operation["parameters"]
    assert amount["schema"] == {"type": "number", "minimum": 0}
    assert currency == {
        "name": "currency",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
    }
    assert marker["schema"] == {}  # Any, and a default JSON cannot hold
    assert operation["responses"]["200"] == {"description": "Success"}


def test_the_served_document_is_built_once(app):
    app.add_api_docs()
    client = TestClient(app)
    first = client.get("/openapi.json").text

    @app.get("/added-later")
    def later(request):
        return {}

    assert client.get("/openapi.json").text == first


def test_the_documented_success_status_is_the_one_served(app):
    # docs/openapi.md's add_book documented 201 and served 200 (review part 1, row 6).
    response = TestClient(app).post("/pets", json={"name": "Rex"})
    assert response.status_code == 201
    assert next(iter(app.openapi()["paths"]["/pets"]["post"]["responses"])) == "201"


def test_a_route_status_is_documented(tmp_path):
    app = Roob(tmp_path, None)

    @app.post("/pets", status=201)
    def add(request, pet: Pet) -> Pet:
        return pet

    @app.delete("/pets/{name}", status=202)
    def remove(request, name) -> None:
        return None

    paths = app.openapi()["paths"]
    created = paths["/pets"]["post"]["responses"]
    assert next(iter(created)) == "201"
    assert created["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    accepted = paths["/pets/{name}"]["delete"]["responses"]
    assert next(iter(accepted)) == "202"
    assert accepted["202"] == {"description": "Success"}  # None: no body to describe
    validate(app.openapi())


# --- stacked @operation -----------------------------------------------------------


def auth_required(view):
    """What the Conduit build wrote (review part 1, row 8): a decorator adding a 401."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if "Authorization" not in request.headers:
            raise HTTPError(401, headers={"WWW-Authenticate": "Token"})
        return view(request, *args, **kwargs)

    return operation(responses={401: "Unauthorized"}, tags=["auth"])(checked)


def test_stacked_operations_are_merged(tmp_path):
    app = Roob(tmp_path, None)

    @app.post("/articles")
    @operation(status=201, responses={422: ("Invalid", Pet)}, tags=["articles"])
    @auth_required
    @operation(summary="Create an article.")
    def create(request, pet: Pet) -> Pet:
        return pet

    post = app.openapi()["paths"]["/articles"]["post"]
    assert list(post["responses"]) == ["201", "401", "422", "4XX"]
    assert post["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }  # the view's own 422, not the framework's
    assert post["tags"] == ["auth", "articles"]
    assert post["summary"] == "Create an article."
    client = TestClient(app)
    assert client.post("/articles", json={"name": "Rex"}).status_code == 401
    sent = client.post("/articles", json={"name": "Rex"}, headers={"Authorization": "Token t"})
    assert sent.status_code == 201


def test_a_wrapper_merging_operations_leaves_the_wrapped_view_as_it_was(tmp_path):
    @operation(responses={404: "No such pet"})
    def show(request) -> Pet:
        return Pet(name="Rex")

    app = Roob(tmp_path, None)
    app.add_route("/open", show)
    app.add_route("/closed", auth_required(show), name="closed_show")
    paths = app.openapi()["paths"]
    assert list(paths["/open"]["get"]["responses"]) == ["200", "404", "4XX"]
    assert list(paths["/closed"]["get"]["responses"]) == ["200", "401", "404", "4XX"]


def test_either_operation_may_leave_the_view_out(tmp_path):
    app = Roob(tmp_path, None)

    @app.get("/internal")
    @operation(tags=["x"])
    @operation(include=False)
    def internal(request):
        return {}

    assert "/internal" not in app.openapi()["paths"]


@pytest.mark.parametrize(
    ("inner", "outer", "message"),
    [
        ({"status": 201}, {"status": 200}, "status=200 conflicts with status=201"),
        (
            {"summary": "Add"},
            {"summary": "Create"},
            "summary='Create' conflicts with summary='Add'",
        ),
        (
            {"responses": {409: "Taken"}},
            {"responses": {409: "Exists"}},
            "responses[409]='Exists' conflicts with responses[409]='Taken'",
        ),
        ({"response": Pet}, {"response": list[Pet]}, "response=list[tests.test_openapi.Pet]"),
        ({"request_body": Pet}, {"request_body": dict}, "request_body=<class 'dict'> conflicts"),
    ],
)
def test_stacked_operations_that_contradict_each_other_are_refused(inner, outer, message):
    def view(request):
        return {}

    with pytest.raises(ConfigurationError) as raised:
        operation(**outer)(operation(**inner)(view))
    text = str(raised.value)
    assert text.startswith(
        "@operation on the view test_stacked_operations_that_contradict_each_other_are_refused."
        f"<locals>.view: {message}"
    )
    assert text.endswith(" from another @operation on it; give it once")
    # The same value twice is no contradiction.
    assert operation(**inner)(operation(**inner)(view)) is view


def test_a_status_given_as_text_or_an_enum_is_the_same_status(tmp_path):
    app = Roob(tmp_path, None)

    @app.get("/secret")
    @operation(responses={"401": "Unauthorized", HTTPStatus.NOT_FOUND: "No such secret"})
    @operation(responses={401: "Unauthorized"})
    def secret(request):
        return {}

    responses = app.openapi()["paths"]["/secret"]["get"]["responses"]
    assert list(responses) == ["200", "401", "404", "4XX"]
    with pytest.raises(ConfigurationError, match="responses= is keyed by HTTP statuses"):
        operation(responses={"4XX": "Client error"})(secret)
    with pytest.raises(ConfigurationError, match="gives the status 401 twice"):
        operation(responses={401: "A", "401": "B"})(secret)
    with pytest.raises(ConfigurationError, match=r"responses\[401\]='Denied' conflicts"):
        operation(responses={"401": "Denied"})(secret)
