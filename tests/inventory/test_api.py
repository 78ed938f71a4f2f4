"""The JSON API, through TestClient, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from roob.testing import TestClient

SEED = {
    "mobile": [
        {"id": 1, "product_name": "S25 Ultra", "brand": "Samsung", "category": "mobile"},
        {"id": 2, "product_name": "iPhone", "brand": "Apple", "category": "mobile"},
    ],
    "laptop": [
        {"id": 3, "product_name": "Macbook Pro M4", "brand": "Apple", "category": "laptop"},
        {"id": 4, "product_name": "Dell XPS", "brand": "Dell", "category": "laptop"},
    ],
}
GALAXY_TAB = {"id": 5, "product_name": "Galaxy Tab", "brand": "Samsung"}


def all_ids(client: TestClient) -> list[int]:
    listing = client.get("/api/products?limit=1000").json()
    return sorted(product["id"] for products in listing.values() for product in products)


# --- listing -------------------------------------------------------------


def test_the_inventory_is_seeded_and_grouped_by_category(client):
    response = client.get("/api/products")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == SEED
    assert list(response.json()) == ["mobile", "laptop"]
    assert response.headers["X-Total-Count"] == "4"


def test_brand_filter(client):
    response = client.get("/api/products?brand=Apple")
    assert response.json() == {"mobile": [SEED["mobile"][1]], "laptop": [SEED["laptop"][0]]}
    assert response.headers["X-Total-Count"] == "2"


def test_brand_filter_matching_nothing_is_an_empty_inventory(client):
    response = client.get("/api/products?brand=Nokia")
    assert response.status_code == 200
    assert response.json() == {}
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("query", "ids"),
    [("limit=2", [1, 2]), ("limit=2&offset=2", [3, 4]), ("offset=3", [4]), ("offset=9", [])],
)
def test_paging_in_id_order_with_the_total_count(client, query, ids):
    response = client.get(f"/api/products?{query}")
    assert response.status_code == 200
    listed = [p["id"] for products in response.json().values() for p in products]
    assert listed == ids
    assert response.headers["X-Total-Count"] == "4"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1001", "limit"),
        ("limit=1.5", "limit"),
        ("limit=%EF%BC%97", "limit"),  # a fullwidth digit
        ("offset=-2", "offset"),
        ("offset=x", "offset"),
        ("limit=" + "9" * 5000, "limit"),
    ],
)
def test_bad_paging_values_are_422_naming_the_parameter(client, query, field):
    response = client.get(f"/api/products?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Invalid query parameter"
    assert list(body["errors"]) == [field]


# --- one product ------------------------------------------------------------


def test_get_a_product_by_id(client):
    response = client.get("/api/products/1")
    assert response.status_code == 200
    assert response.json() == SEED["mobile"][0]


def test_an_unknown_id_is_the_seed_404(client):
    response = client.get("/api/products/7")
    assert response.status_code == 404
    assert response.json() == {"message": "No product found with product id 7"}


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_an_id_past_any_stored_integer_is_a_404_not_a_500(client, method):
    kwargs = {} if method in {"get", "delete"} else {"json": {"product_name": "a", "brand": "b"}}
    response = getattr(client, method)("/api/products/" + "9" * 40, **kwargs)
    assert response.status_code == 404
    assert response.json() == {"message": f"No product found with product id {'9' * 40}"}


def test_products_of_a_category(client):
    response = client.get("/api/products/laptop")
    assert response.status_code == 200
    assert response.json() == SEED["laptop"]


def test_an_unknown_category_is_the_seed_404(client):
    response = client.get("/api/products/tablets")
    assert response.status_code == 404
    assert response.json() == {"message": "tablets doesn't exist in the inventory"}


def test_categories_are_case_sensitive(client):
    assert client.get("/api/products/Mobile").status_code == 404


# --- creating ----------------------------------------------------------------


@pytest.mark.parametrize("as_json", [True, False], ids=["json-content-type", "no-content-type"])
def test_the_seed_walkthrough_post(client, as_json):
    if as_json:
        response = client.post("/api/products", json=GALAXY_TAB)
    else:
        body = b'{"id": 5, "product_name": "Galaxy Tab", "brand": "Samsung"}'
        response = client.post("/api/products", data=body)
    assert response.status_code == 201
    created = {**GALAXY_TAB, "category": "uncategorized"}
    assert response.json() == created
    assert response.headers["Location"] == "/api/products/5"
    assert client.get("/api/products/5").json() == created
    assert client.get("/api/products").json()["uncategorized"] == [created]
    assert client.get("/api/products/uncategorized").json() == [created]


def test_an_id_is_assigned_when_none_is_given(client):
    response = client.post(
        "/api/products", json={"product_name": "Pixel 9", "brand": "Google", "category": "mobile"}
    )
    assert response.status_code == 201
    product = response.json()
    assert product["id"] not in {1, 2, 3, 4}
    assert response.headers["Location"].endswith(f"/api/products/{product['id']}")
    assert client.get(f"/api/products/{product['id']}").json() == product


def test_assigned_ids_follow_client_chosen_ones(client):
    assert client.post("/api/products", json={**GALAXY_TAB, "id": 50}).status_code == 201
    response = client.post("/api/products", json={"product_name": "A", "brand": "B"})
    assert response.status_code == 201
    assert response.json()["id"] == 51
    assert all_ids(client) == [1, 2, 3, 4, 50, 51]


def test_a_taken_id_is_409_and_the_stored_product_is_unchanged(client):
    response = client.post("/api/products", json={**GALAXY_TAB, "id": 1})
    assert response.status_code == 409
    assert response.json() == {"message": "A product with product id 1 already exists"}
    assert client.get("/api/products/1").json() == SEED["mobile"][0]


def test_surrounding_whitespace_is_removed(client):
    response = client.post(
        "/api/products", json={"product_name": "  Pixel  ", "brand": "Google ", "category": " x"}
    )
    assert response.json()["product_name"] == "Pixel"
    assert response.json()["brand"] == "Google"
    assert response.json()["category"] == "x"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"brand": "Samsung"}, {"product_name": "is required"}),
        ({"product_name": "Tab"}, {"brand": "is required"}),
        ({}, {"product_name": "is required", "brand": "is required"}),
        ({"product_name": "", "brand": "x"}, {"product_name": "must not be empty"}),
        ({"product_name": "   ", "brand": "x"}, {"product_name": "must not be empty"}),
        ({"product_name": "x" * 101, "brand": "x"}, {"product_name": "must be at most 100 characters"}),
        ({"product_name": 5, "brand": ["x"]}, {"product_name": "must be a string", "brand": "must be a string"}),
        ({"product_name": "a\nb", "brand": "x"}, {"product_name": "must not contain control characters"}),
        ({"product_name": "a", "brand": "x", "category": 7}, {"category": "must be a string"}),
        ({"product_name": "a", "brand": "x", "category": ""}, {"category": "must not be empty"}),
        ({"product_name": "a", "brand": "x", "category": "a/b"}, {"category": "must not contain '/'"}),
        ({"product_name": "a", "brand": "x", "category": "x" * 51}, {"category": "must be at most 50 characters"}),
        ({"product_name": "a", "brand": "x", "id": "5"}, {"id": "must be an integer"}),
        ({"product_name": "a", "brand": "x", "id": True}, {"id": "must be an integer"}),
        ({"product_name": "a", "brand": "x", "id": 1.5}, {"id": "must be an integer"}),
        ({"product_name": "a", "brand": "x", "id": 0}, {"id": "must be between 1 and 2147483647"}),
        ({"product_name": "a", "brand": "x", "id": 2**31}, {"id": "must be between 1 and 2147483647"}),
        ({"product_name": "a", "brand": "x", "colour": "red"}, {"colour": "unknown field"}),
    ],
)  # fmt: skip
def test_invalid_products_are_422_naming_each_field(client, body, errors):
    response = client.post("/api/products", json=body)
    assert response.status_code == 422
    assert response.json() == {"message": "Invalid product", "errors": errors}
    assert all_ids(client) == [1, 2, 3, 4]


def test_an_all_digit_category_is_refused(client):
    # /api/products/2024 is product 2024: such a category could never be listed.
    response = client.post(
        "/api/products", json={"product_name": "a", "brand": "b", "category": "2024"}
    )
    assert response.status_code == 422
    assert "category" in response.json()["errors"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"5", b"null"])
def test_a_body_that_is_not_an_object_is_422(client, body):
    response = client.post("/api/products", data=body)
    assert response.status_code == 422
    assert response.json() == {
        "message": "Request body must be a JSON object",
        "errors": {"body": "must be a JSON object"},
    }


@pytest.mark.parametrize(
    "raw", [b"{bad json", b"", b"\xff\xfe{}", b'{"product_name": NaN}', b"[" * 100_000]
)
def test_a_body_that_is_not_json_is_400(client, raw):
    response = client.post("/api/products", data=raw)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Request body ")
    assert all_ids(client) == [1, 2, 3, 4]


def test_a_unicode_product_round_trips(client):
    body = {"product_name": "Téléphone 📱", "brand": "Ünïcode", "category": "téléphones"}
    created = client.post("/api/products", json=body).json()
    assert client.get(f"/api/products/{created['id']}").json() == {**body, "id": created["id"]}
    assert client.get("/api/products/t%C3%A9l%C3%A9phones").json() == [created]


def test_sql_metacharacters_are_data(client):
    nasty = "x'); DROP TABLE products; --"
    created = client.post(
        "/api/products", json={"product_name": nasty, "brand": "' OR '1'='1", "category": "a'b"}
    ).json()
    assert created["product_name"] == nasty
    assert client.get("/api/products?brand=' OR '1'='1").json() == {"a'b": [created]}
    assert client.get("/api/products/a'b").json() == [created]
    assert len(all_ids(client)) == 5


# --- changing -------------------------------------------------------------------


def test_put_replaces_the_whole_product(client):
    response = client.put(
        "/api/products/1",
        json={"product_name": "S26 Ultra", "brand": "Samsung", "category": "phones"},
    )
    assert response.status_code == 200
    expected = {"id": 1, "product_name": "S26 Ultra", "brand": "Samsung", "category": "phones"}
    assert response.json() == expected
    assert client.get("/api/products/1").json() == expected


def test_put_without_category_uses_the_default(client):
    response = client.put("/api/products/1", json={"product_name": "S26", "brand": "Samsung"})
    assert response.json()["category"] == "uncategorized"


def test_put_may_repeat_the_id_but_not_change_it(client):
    same = client.put("/api/products/1", json={"id": 1, "product_name": "a", "brand": "b"})
    assert same.status_code == 200
    other = client.put("/api/products/1", json={"id": 2, "product_name": "a", "brand": "b"})
    assert other.status_code == 422
    assert list(other.json()["errors"]) == ["id"]
    assert client.get("/api/products/2").json() == SEED["mobile"][1]


def test_put_is_validated_like_post(client):
    response = client.put("/api/products/1", json={"product_name": "only a name"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"brand": "is required"}
    assert client.get("/api/products/1").json() == SEED["mobile"][0]


def test_patch_changes_only_the_fields_given(client):
    response = client.patch("/api/products/3", json={"brand": "Apple Inc."})
    assert response.status_code == 200
    assert response.json() == {**SEED["laptop"][0], "brand": "Apple Inc."}
    assert client.get("/api/products/3").json() == response.json()


def test_patch_with_no_fields_changes_nothing(client):
    response = client.patch("/api/products/3", json={})
    assert response.status_code == 200
    assert response.json() == SEED["laptop"][0]


def test_patch_is_validated(client):
    response = client.patch("/api/products/3", json={"product_name": "", "category": "12"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"product_name", "category"}
    assert client.get("/api/products/3").json() == SEED["laptop"][0]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_changing_an_unknown_product_is_the_404(client, method):
    kwargs = {} if method == "delete" else {"json": {"product_name": "a", "brand": "b"}}
    response = getattr(client, method)("/api/products/99", **kwargs)
    assert response.status_code == 404
    assert response.json() == {"message": "No product found with product id 99"}


def test_delete_is_204_without_a_body_and_the_product_is_gone(client):
    response = client.delete("/api/products/2")
    assert response.status_code == 204
    assert response.text == ""
    assert "Content-Type" not in response.headers
    assert client.get("/api/products/2").status_code == 404
    assert client.get("/api/products/mobile").json() == [SEED["mobile"][0]]
    assert client.delete("/api/products/2").status_code == 404


def test_deleting_the_last_product_of_a_category_removes_the_category(client):
    client.delete("/api/products/3")
    client.delete("/api/products/4")
    assert client.get("/api/products/laptop").status_code == 404
    assert "laptop" not in client.get("/api/products").json()


# --- HTTP behaviour --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/api/products/1", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
        ("delete", "/api/products", "GET, HEAD, POST, OPTIONS"),
        ("put", "/api/products/mobile", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_method_not_served_is_405_with_allow(client, method, path, allow):
    kwargs = {} if method == "delete" else {"json": {}}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 405
    assert response.json() == {"message": f"{method.upper()} request is not allowed for {path}"}
    assert response.headers["Allow"] == allow


def test_head_and_options(client):
    head = client.head("/api/products/1")
    assert head.status_code == 200
    assert head.text == ""
    options = client.options("/api/products")
    assert options.status_code == 204
    assert options.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_a_trailing_slash_reaches_the_same_routes(client):
    assert client.get("/api/products/").json() == SEED
    assert client.get("/api/products/1/").json() == SEED["mobile"][0]


def test_an_unknown_path_is_the_framework_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json() == {"message": "Requested path: /api/nothing does not exist"}


def test_a_body_over_the_limit_is_413(client):
    big = b'{"product_name": "' + b"x" * (2 * 1024 * 1024) + b'", "brand": "b"}'
    response = client.post("/api/products", data=big)
    assert response.status_code == 413
    assert all_ids(client) == [1, 2, 3, 4]


def test_responses_carry_the_security_headers(client):
    response = client.get("/api/products/1")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


# --- ids at the top of the range, idempotent creation, hosts ----------------------

TOP_ID = 2**31 - 1
TAB = {"product_name": "Tab", "brand": "Samsung"}


def test_a_client_taking_the_top_id_leaves_every_product_reachable(client):
    assert client.post("/api/products", json={"id": TOP_ID, **TAB}).status_code == 201
    for _ in range(3):
        response = client.post("/api/products", json=TAB)
        assert response.status_code == 201
        product_id = response.json()["id"]
        assert 1 <= product_id < TOP_ID
        assert client.get(f"/api/products/{product_id}").status_code == 200
        assert client.patch(f"/api/products/{product_id}", json={"brand": "x"}).status_code == 200
        assert client.put(f"/api/products/{product_id}", json=TAB).status_code == 200
    assert client.delete(f"/api/products/{TOP_ID}").status_code == 204
    assert client.post("/api/products", json=TAB).json()["id"] == 8  # after 5, 6, 7
    response = client.post("/api/products", json={"id": TOP_ID + 1, **TAB})
    assert response.status_code == 422
    assert response.json()["errors"] == {"id": f"must be between 1 and {TOP_ID}"}
    assert client.get(f"/api/products/{TOP_ID + 1}").status_code == 404


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(client):
    key = {"Idempotency-Key": "order-7f3a"}
    first = client.post("/api/products", json=TAB, headers=key)
    again = client.post("/api/products", json=TAB, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert all_ids(client) == [1, 2, 3, 4, first.json()["id"]]
    other = client.post("/api/products", json={**TAB, "brand": "Apple"}, headers=key)
    assert other.status_code == 422
    assert other.json()["message"] == (
        "The Idempotency-Key 'order-7f3a' was sent before with another body; "
        "use a new key for a new product"
    )
    assert len(all_ids(client)) == 5
    fresh = client.post("/api/products", json=TAB, headers={"Idempotency-Key": "order-7f3b"})
    assert fresh.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "é"])
def test_a_malformed_idempotency_key_is_refused(client, key):
    response = client.post("/api/products", json=TAB, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["message"] == "Invalid header"
    assert "Idempotency-Key" in response.json()["errors"]
    assert len(all_ids(client)) == 4


def test_location_is_a_path_whatever_the_host_and_absolute_with_a_public_origin(settings, engine):
    from dataclasses import replace

    from inventory import ProductRepository, create_app

    hostile = {"Host": "evil.example"}
    client = TestClient(create_app(settings, repository=ProductRepository(engine)))
    assert client.post("/api/products", json=TAB, headers=hostile).headers["Location"] == (
        "/api/products/5"
    )
    public = replace(settings, public_origin="https://shop.example")
    client = TestClient(create_app(public, repository=ProductRepository(engine)))
    assert client.post("/api/products", json=TAB, headers=hostile).headers["Location"] == (
        "https://shop.example/api/products/6"
    )


def test_allowed_hosts_refuse_every_other_host(settings, engine):
    from dataclasses import replace

    from inventory import ProductRepository, create_app

    limited = replace(settings, allowed_hosts=("shop.example", "localhost"))
    client = TestClient(create_app(limited, repository=ProductRepository(engine)))
    assert client.get("/api/products/1", headers={"Host": "shop.example:8000"}).status_code == 200
    refused = client.get("/api/products/1", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Requests for the host 'evil.example' are not served here"}


def test_a_number_past_pythons_digit_limit_is_a_400_in_our_words(client):
    body = b'{"product_name": "a", "brand": "b", "id": ' + b"9" * 5000 + b"}"
    response = client.post("/api/products", data=body)
    assert response.status_code == 400
    assert response.json() == {"message": "Request body holds a number longer than 4300 digits"}
