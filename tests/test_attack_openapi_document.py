"""The OpenAPI document settings (roob/openapi.py) given wrong by a careless user.

Each setting is checked when it is given (docs/openapi.md); a value that passes the check
must give a document openapi-spec-validator accepts, never an invalid one served at
/openapi.json.
"""

import pytest
from openapi_spec_validator import validate

from roob import ConfigurationError, Roob, Router


@pytest.mark.parametrize(
    "settings",
    [
        {"contact": {"name": "API team", "email": 1}},
        {"contact": {"url": ["https://example.com"]}},
        {"license_info": {"name": "MIT", "url": 7}},
        {"servers": [{"url": "/", "description": 5}]},
        {"servers": [{"url": "/", "variables": 5}]},
        {"openapi_tags": [{"name": "articles", "description": ["not", "text"]}]},
        {"openapi_tags": [{"name": "articles", "externalDocs": "https://example.com"}]},
    ],
)
def test_a_member_of_the_wrong_type_is_refused_when_given(settings) -> None:
    with pytest.raises(ConfigurationError, match="must be"):
        Roob(**settings)


def test_well_typed_members_give_a_valid_document() -> None:
    app = Roob(
        contact={"name": "API team", "email": "api@example.com", "x-team": 7},
        license_info={"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
        servers=[{"url": "/{v}", "description": "here", "variables": {"v": {"default": "v1"}}}],
        openapi_tags=[{"name": "a", "externalDocs": {"url": "https://example.com"}}],
    )

    @app.get("/")
    def home(request):
        return {}

    validate(app.openapi())


def test_operation_ids_colliding_across_routers_are_named_when_the_document_is_built() -> None:
    app = Roob()
    one, two = Router("/one", name="one"), Router("/two", name="two")

    @one.get("/x", operation_id="listThings")
    def first(request):
        return {}

    @two.get("/y", operation_id="listThings")
    def second(request):
        return {}

    app.include_router(one)
    app.include_router(two)
    with pytest.raises(ConfigurationError, match=r"GET /one/x.*GET /two/y"):
        app.openapi()
