"""The inventory documents itself: a valid OpenAPI 3.1 document that the API keeps.

schemathesis generates requests from the document (bounded example counts)
and checks every answer: never a server error, and statuses, content types,
headers and bodies as documented.
"""

from __future__ import annotations

import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

EXAMPLES_PER_OPERATION = 30


def test_the_document_is_valid_and_lists_every_operation(client):
    document = client.get("/openapi.json").json()
    validate(document)
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {
        ("GET", "/api/products"),
        ("POST", "/api/products"),
        ("GET", "/api/products/{id}"),
        ("PUT", "/api/products/{id}"),
        ("PATCH", "/api/products/{id}"),
        ("DELETE", "/api/products/{id}"),
        ("GET", "/api/products/{category}"),
        ("GET", "/dashboard"),
        ("GET", "/static"),
    }
    post = document["paths"]["/api/products"]["post"]
    assert post["summary"] == "Add a product."
    assert set(post["responses"]) >= {"201", "409", "422"}
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewProduct"
    }
    limit = document["paths"]["/api/products"]["get"]["parameters"][1]
    assert limit == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    }


def test_the_api_keeps_its_documented_contract(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            if case.headers and "Idempotency-Key" in case.headers:
                # Generated keys repeat ('0', 'null') across bodies, which is a 422 by
                # design: each example gets a key of its own (reuse: test_api.py).
                case.headers["Idempotency-Key"] = uuid.uuid4().hex
            case.call_and_validate()

        check()
        checked.append(operation.label)
    assert len(checked) == 9
