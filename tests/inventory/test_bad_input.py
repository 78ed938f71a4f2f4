"""The inventory's bad-input matrix, on SQLite and on PostgreSQL.

Every route gets bodies, paths and query strings that are broken or hostile;
each answer is the status in its row, never a 500, a 4xx is JSON with a
message that carries no exception text, and nothing is written. Listed with
the rest of the matrix in docs/security.md; malformed and deeply nested JSON
bodies are in test_api.py (test_a_body_that_is_not_json_is_400) and the
dashboard's escaping in test_pages.py.
"""

from __future__ import annotations

import pytest

from tests.inventory.test_api import SEED, all_ids

DIGITS = "9" * 100_000
MIB = 1024 * 1024
LEAKS = ("Traceback", 'File "', "Error:", "Exception", "sqlalchemy", "psycopg", "SELECT")
SQL = [
    "x'); DROP TABLE products; --",
    "' OR '1'='1",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1; DELETE FROM products",
    "' UNION SELECT id, id, id, id FROM products --",
    "$1",
    "?",
    ":brand_1",
    "%(brand_1)s",
]


def latin1(raw: bytes) -> str:
    return raw.decode("latin-1")


def assert_clean_error(response, status):
    assert response.status_code == status, response.content[:300]
    message = response.json()["message"]
    assert not any(leak in message for leak in LEAKS), message


# --- paths and query strings -------------------------------------------------------

PATHS = [
    # (id, method, PATH_INFO, QUERY_STRING, status)
    ("100k-digit-id-get", "GET", f"/api/products/{DIGITS}", "", 404),
    ("100k-digit-id-delete", "DELETE", f"/api/products/{DIGITS}", "", 404),  # no category is digits
    ("id-past-int32", "GET", "/api/products/2147483648", "", 404),
    ("id-zero", "DELETE", "/api/products/0", "", 404),
    ("non-utf8-path", "GET", latin1(b"/api/products/\xff"), "", 400),
    ("nul-in-path", "GET", "/api/products/mob\x00ile", "", 400),
    ("bad-percent-in-path", "GET", "/api/products/%ZZ", "", 404),
    ("non-utf8-query", "GET", "/api/products", "brand=%FF", 400),
    ("raw-non-utf8-query", "GET", "/api/products", latin1(b"brand=\xe9"), 400),
    ("bad-percent-in-query", "GET", "/api/products", "brand=%Z&limit=%", 422),
    ("nul-in-brand", "GET", "/api/products", "brand=Apple%00", 200),
    ("nul-in-limit", "GET", "/api/products", "limit=1%00", 422),
    ("100k-digit-limit", "GET", "/api/products", f"limit={DIGITS}", 422),
    ("100k-digit-offset", "GET", "/api/products", f"offset={DIGITS}", 422),
    ("negative-offset", "GET", "/api/products", "offset=-1", 422),
    ("float-limit", "GET", "/api/products", "limit=1e3", 422),
    ("huge-brand", "GET", "/api/products", "brand=" + "x" * 100_000, 200),
    ("nul-in-dashboard-query", "GET", "/dashboard", "x=%00", 200),
    ("traversal-static", "GET", "/css/../../inventory/app.py", "", 404),
    ("encoded-traversal-static", "GET", "/css/%2e%2e/%2e%2e/inventory/app.py", "", 404),
    ("encoded-slash-static", "GET", "/css%2f..%2f..%2finventory%2fapp.py", "", 404),
    ("traversal-to-templates", "GET", "/../templates/dashboard.html", "", 404),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "status"), [row[1:] for row in PATHS], ids=[row[0] for row in PATHS]
)
def test_bad_paths_and_queries(client, method, path, query, status):
    response = client.request(method, "/", environ={"PATH_INFO": path, "QUERY_STRING": query})
    if status >= 400:
        assert_clean_error(response, status)
    else:
        assert response.status_code == status
    assert "import" not in response.text  # no source file served
    assert all_ids(client) == [1, 2, 3, 4]


def test_a_100k_digit_id_is_404_for_every_method(client):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = client.request(method, f"/api/products/{DIGITS}", json={"brand": "x"})
        assert response.status_code in (404, 405), method
    assert all_ids(client) == [1, 2, 3, 4]


# --- bodies ----------------------------------------------------------------------

WRITES = [("POST", "/api/products"), ("PUT", "/api/products/1"), ("PATCH", "/api/products/1")]
BODIES = [
    # (id, raw body, status)
    ("malformed", b'{"product_name": "a",}', 400),
    ("deep", b'{"a":' * 100_000, 400),
    ("non-utf8", b'{"product_name": "\xff", "brand": "b"}', 400),
    ("latin1", '{"product_name": "café", "brand": "b"}'.encode("latin-1"), 400),
    ("nan-id", b'{"id": NaN, "product_name": "a", "brand": "b"}', 400),
    ("lone-surrogate", b'{"product_name": "\\ud800", "brand": "b"}', 422),
    ("surrogate-key", b'{"\\udfff": 1, "product_name": "a", "brand": "b"}', 422),
    ("nul-in-field", b'{"product_name": "a\\u0000", "brand": "b"}', 422),
    ("huge-id", b'{"id": 1e999, "product_name": "a", "brand": "b"}', 422),
    ("100k-digit-id", b'{"id": ' + DIGITS.encode() + b', "product_name": "a", "brand": "b"}', 400),
    ("bool-id", b'{"id": true, "product_name": "a", "brand": "b"}', 422),
    ("array", b"[]", 422),
    ("long-name", b'{"product_name": "' + b"x" * 10_000 + b'", "brand": "b"}', 422),
]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[method for method, _ in WRITES])
@pytest.mark.parametrize(
    ("raw", "status"), [row[1:] for row in BODIES], ids=[row[0] for row in BODIES]
)
def test_bad_bodies_are_refused_and_nothing_is_written(client, method, path, raw, status):
    response = client.request(method, path, data=raw)
    assert_clean_error(response, status)
    assert client.get("/api/products").json() == SEED


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[method for method, _ in WRITES])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413(client, method, path, chunked):
    raw = b'{"product_name": "' + b"x" * MIB + b'", "brand": "b"}'
    if chunked:
        environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
        environ["CONTENT_LENGTH"] = ""
    else:
        environ = {}
    response = client.request(method, path, data=raw, environ=environ)
    assert_clean_error(response, 413)
    assert client.get("/api/products").json() == SEED


# --- SQL metacharacters --------------------------------------------------------------


@pytest.mark.parametrize("text", SQL)
def test_sql_metacharacters_are_data_in_every_field_and_filter(client, text):
    fields = {"product_name": f"n{text}", "brand": f"b{text}", "category": f"c{text}"}
    created = client.post("/api/products", json=fields)
    assert created.status_code == 201, created.json()
    product = created.json()
    assert product == {**fields, "id": 5}
    assert client.get(f"/api/products/{product['id']}").json() == product

    listing = client.get("/api/products", query={"brand": fields["brand"]})
    assert listing.json() == {fields["category"]: [product]}
    assert client.get("/api/products", query={"brand": text}).json() == {}
    assert client.get("/api/products", query={"limit": text}).status_code == 422
    assert client.get("/api/products", query={"offset": text}).status_code == 422
    by_category = client.request(
        "GET", "/", environ={"PATH_INFO": f"/api/products/{fields['category']}"}
    )
    assert by_category.json() == [product]

    changed = {"product_name": f"p{text}", "brand": f"q{text}", "category": f"r{text}"}
    assert client.put(f"/api/products/{product['id']}", json=changed).json() == {**changed, "id": 5}
    patched = client.patch(f"/api/products/{product['id']}", json={"brand": text}).json()
    assert patched == {**changed, "brand": text.strip(), "id": 5}
    assert all_ids(client) == [1, 2, 3, 4, 5]
    assert client.delete(f"/api/products/{product['id']}").status_code == 204
    assert client.get("/api/products").json() == SEED
