"""Property-based fuzzing of the inventory (hypothesis), on SQLite and on PostgreSQL.

Random methods, paths, query strings, headers and bodies, some of them shaped
like the API's requests so that they reach the views, most of them not. Every
answer must be a valid HTTP status other than 500 (no 5xx at all while the
database is up), and every 4xx a JSON ``{"message": str}``.

What a request may hold is what an HTTP server hands a WSGI application:
PATH_INFO and QUERY_STRING are any bytes (as latin-1 text, PEP 3333), header
values the characters HTTP allows in them (gunicorn and waitress refuse the
others with a 400 before the application sees them).
"""

from __future__ import annotations

import json
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roob.testing import TestClient

# Per test and per backend (each test runs on SQLite and PostgreSQL); FUZZ_EXAMPLES=5000
# for a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 400))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_TYPES = ("application/json", "application/problem+json")

METHODS = st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]),
    st.text(alphabet=string.ascii_letters + "-_!#$%&'*+.^`|~", min_size=1, max_size=12),
)

# Text a server may pass on: any bytes, seen as latin-1 (PEP 3333), or UTF-8 text.
RAW = st.one_of(
    st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
    st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass").decode("latin-1")),
    st.sampled_from(["%", "%ZZ", "%00", "%FF", "..", "%2e%2e", "%2f", "\x00", "'", '"', "<", ";"]),
)
IDS = st.one_of(
    st.integers(min_value=-5, max_value=2**70).map(str),
    st.sampled_from(["1", "2", "3", "4", "0", "007", "1.5", "1e3", "9" * 5000, "+1", "-0"]),
)
KNOWN_PATHS = [
    "/", "/api/products", "/api/products/", "/dashboard", "/static", "/openapi.json",
    "/docs", "/css/main.css", "/api/products/mobile", "/api/products/laptop",
]  # fmt: skip
PATHS = st.one_of(
    st.sampled_from(KNOWN_PATHS),
    IDS.map(lambda id: f"/api/products/{id}"),
    RAW.map(lambda segment: f"/api/products/{segment}"),
    st.lists(RAW, max_size=5).map(lambda segments: "/" + "/".join(segments)),
)
QUERIES = st.one_of(
    st.just(""),
    st.dictionaries(
        st.sampled_from(["brand", "limit", "offset", "x"]) | RAW,
        IDS | RAW | st.sampled_from(["Apple", "Samsung", "1000", "1001"]),
        max_size=4,
    ).map(lambda query: "&".join(f"{name}={value}" for name, value in query.items())),
    RAW,
)
KNOWN_HEADERS = [
    "Content-Type", "Accept", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
    "Range", "Cookie", "Origin", "X-Forwarded-For", "X-Forwarded-Proto", "Authorization",
]  # fmt: skip
HEADER_NAMES = st.sampled_from(KNOWN_HEADERS) | st.text(
    alphabet=string.ascii_letters + "-", min_size=1, max_size=20
)
HEADER_VALUES = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=40,
) | st.sampled_from(["application/json", "text/plain; charset=latin-1", "bytes=0-1", "*/*"])
HEADERS = st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4)

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
FIELD_VALUES = SCALARS | st.sampled_from(["", " ", "x" * 101, "7", "a/b", "Apple", "mobile"])
PRODUCTS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(min_value=-5, max_value=2**70) | FIELD_VALUES,
        "product_name": FIELD_VALUES,
        "brand": FIELD_VALUES,
        "category": FIELD_VALUES,
        "extra": FIELD_VALUES,
    },
)
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=200),
    DOCUMENTS.map(lambda document: json.dumps(document).encode()),
    PRODUCTS.map(lambda product: json.dumps(product).encode()),
)


def check(response, method: str = "GET") -> None:
    """A status from HTTP's range, no 5xx, and a JSON message with every 4xx (but HEAD's)."""
    assert 100 <= response.status_code <= 599
    assert response.status_code < 500, (response.status, response.content[:500])
    if 400 <= response.status_code < 500:
        assert response.headers["Content-Type"] in JSON_TYPES
        if method.upper() == "HEAD":
            assert response.content == b""
            return
        document = response.json()
        assert isinstance(document["message"], str)


@FUZZ
@given(method=METHODS, path=PATHS, query=QUERIES, headers=HEADERS, body=BODIES)
def test_random_requests(client: TestClient, method, path, query, headers, body):
    environ = {"PATH_INFO": path, "QUERY_STRING": query}
    check(client.request(method, "/", headers=headers, data=body, environ=environ), method)


@FUZZ
@given(
    method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET"]),
    target=st.sampled_from(["/api/products", "/api/products/1", "/api/products/4"])
    | IDS.map(lambda id: f"/api/products/{id}"),
    product=PRODUCTS,
)
def test_random_products(client: TestClient, method, target, product):
    check(client.request(method, target, json=product))


@FUZZ
@given(brand=RAW, limit=IDS | RAW, offset=IDS | RAW)
def test_random_listing_filters(client: TestClient, brand, limit, offset):
    query = {"brand": brand, "limit": limit, "offset": offset}
    response = client.request(
        "GET",
        "/",
        environ={
            "PATH_INFO": "/api/products",
            "QUERY_STRING": "&".join(f"{name}={value}" for name, value in query.items()),
        },
    )
    check(response)
