"""roob/security.py: the security schemes, as a client meets them.

The hostile cases are ported from FastAPI's tests/test_security_*.py (a wrong
scheme, no credentials, ``Basic notabase64token``, base64 without a colon,
spaces around the token: test_security_http_base.py, _http_bearer.py,
_http_basic_realm.py, _http_basic_optional.py, _api_key_*.py) and Starlette's
tests/test_authentication.py (``basic foobar``: a lower-case scheme and
credentials that are not base64), and extended with what RFC 9110 (11), RFC
7617 and RFC 6750 (2.1) allow and refuse.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate

import roob
from roob import ConfigurationError, Depends, HTTPError, Roob, Router, Unauthorized
from roob.openapi import operation
from roob.security import (
    DEFAULT_MAX_LENGTH,
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    SecurityScheme,
)
from roob.testing import TestClient

bearer = HTTPBearer()
optional_bearer = HTTPBearer(auto_error=False)
basic = HTTPBasic(realm="shop")
optional_basic = HTTPBasic(auto_error=False)
token = APIKeyHeader(name="Authorization", prefix="Token", scheme_name="Token")
optional_token = APIKeyHeader(name="Authorization", prefix="Token", auto_error=False)
header_key = APIKeyHeader(name="X-API-Key")
cookie_key = APIKeyCookie(name="session")
query_key = APIKeyQuery(name="api_key")
optional_query_key = APIKeyQuery(name="api_key", auto_error=False)

SCHEMES = {
    "bearer": bearer,
    "optional-bearer": optional_bearer,
    "basic": basic,
    "optional-basic": optional_basic,
    "token": token,
    "optional-token": optional_token,
    "header-key": header_key,
    "cookie-key": cookie_key,
    "query-key": query_key,
    "optional-query-key": optional_query_key,
}


def _shown(credentials: Any) -> Any:
    if isinstance(credentials, HTTPAuthorizationCredentials):
        return {"scheme": credentials.scheme, "credentials": credentials.credentials}
    if isinstance(credentials, HTTPBasicCredentials):
        return {"username": credentials.username, "password": credentials.password}
    return {"credentials": credentials}


def make_app() -> Roob:
    app = Roob()

    @app.get("/{which}")
    def protected(request, which):
        return _shown(SCHEMES[which](request))

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app())


def get(client: TestClient, which: str, authorization: str | None = None, **kwargs: Any) -> Any:
    environ = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return client.get(f"/{which}", environ=environ, **kwargs)


def basic_value(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def assert_401(response: Any, challenge: str, message: str | None = "Not authenticated") -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == challenge
    if message is not None:
        assert response.json() == {"message": message}


# --- HTTPBearer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Bearer foobar",
        "bearer foobar",  # RFC 9110 11.1: scheme names are case-insensitive
        "BEARER foobar",
        "Bearer   foobar",  # 1*SP (FastAPI test_security_http_base_with_whitespaces)
        "  Bearer foobar \t",  # the header's own whitespace
    ],
)
def test_bearer_gives_the_token(client, value):
    response = get(client, "bearer", value)
    assert response.status_code == 200
    assert response.json() == {"scheme": "Bearer", "credentials": "foobar"}


def test_bearer_takes_a_jwt_and_token68_padding(client):
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl-_~+/=="
    assert get(client, "bearer", f"Bearer {jwt}").json()["credentials"] == jwt


@pytest.mark.parametrize(
    "value",
    [
        None,  # FastAPI test_security_http_bearer_no_credentials
        "",
        "   ",
        "Basic notreally",  # another scheme: FastAPI ..._incorrect_scheme_credentials
        "Token foobar",
        "Bearerfoobar",  # no space: a scheme called "Bearerfoobar"
        "foobar",
        "Be\u212arer foobar",  # a Kelvin sign lower-cases to "k": not "Bearer"
        "\u0130Bearer foobar",
    ],
)
def test_bearer_without_a_bearer_token_is_a_401(client, value):
    assert_401(get(client, "bearer", value), "Bearer")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Bearer", "has no credentials after 'Bearer'"),
        ("Bearer    ", "has no credentials"),
        ("bearer", "has no credentials after 'bearer'"),
        ("Bearer foo bar", "are not one token"),  # a space inside
        ("Bearer foo,bar", "are not one token"),
        ("Bearer a, Bearer b", "are not one token"),  # two headers joined by the server
        ("Bearer\tfoobar", "are not one token"),  # 1*SP: a tab is not a separator
        ("Bearer foo=bar", "are not one token"),  # = only at the end
        ("Bearer =", "are not one token"),
        ("Bearer fo\u00e9", "are not one token"),  # a Latin-1 byte
        ("Bearer fo\x00o", "are not one token"),
        ("Bearer fo\x7fo", "are not one token"),
        ('Bearer realm="x"', "are not one token"),  # auth-params, not a token
        ("Bearer " + "a" * DEFAULT_MAX_LENGTH, "longer than 8192 characters"),
    ],
)
def test_a_malformed_bearer_header_is_a_401_saying_why(client, value, reason):
    response = get(client, "bearer", value)
    assert_401(response, "Bearer", message=None)
    assert reason in response.json()["message"]
    assert response.json()["message"].startswith("The Authorization header")


def test_a_header_of_a_megabyte_is_a_401_not_a_500(client):
    assert get(client, "bearer", "Bearer " + "a" * 1_000_000).status_code == 401
    assert get(client, "bearer", "x" * 1_000_000).status_code == 401  # not a scheme at all


def test_the_longest_token_read_is_max_length():
    value = "Bearer " + "a" * (DEFAULT_MAX_LENGTH - len("Bearer "))
    response = get(TestClient(make_app()), "bearer", value)
    assert response.status_code == 200

    class Short(HTTPBearer):
        max_length = 16

    app = Roob()

    @app.get("/")
    def view(request):
        return {"token": Short()(request).credentials}

    short = TestClient(app)
    assert short.get("/", headers={"Authorization": "Bearer 123456789"}).status_code == 200
    assert short.get("/", headers={"Authorization": "Bearer 1234567890"}).status_code == 401


@pytest.mark.parametrize("value", [None, "", "Basic notreally", "Token abc", "Bearerx"])
def test_optional_bearer_without_a_bearer_token_is_none(client, value):
    response = get(client, "optional-bearer", value)
    assert response.status_code == 200
    assert response.json() == {"credentials": None}


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", "Bearer " + "a" * 9000])
def test_optional_bearer_with_a_malformed_token_is_still_a_401(client, value):
    # The client tried: answering as if anonymous would hide its mistake.
    assert_401(get(client, "optional-bearer", value), "Bearer", message=None)


def test_optional_bearer_with_a_token_gives_it(client):
    assert get(client, "optional-bearer", "bearer abc").json() == {
        "scheme": "Bearer",
        "credentials": "abc",
    }


# --- HTTPBasic -------------------------------------------------------------------------

REALM = 'Basic realm="shop", charset="UTF-8"'


@pytest.mark.parametrize(
    ("raw", "username", "password"),
    [
        (b"john:secret", "john", "secret"),  # FastAPI test_security_http_basic
        (b"john:se:cr:et", "john", "se:cr:et"),  # the first colon splits (RFC 7617 2)
        (b"john:", "john", ""),
        (b":secret", "", "secret"),
        ("jos\u00e9:p\u00e4ss \u263a".encode(), "jos\u00e9", "p\u00e4ss \u263a"),  # UTF-8
        ("jos\u00e9:p\u00e4ss".encode("iso-8859-1"), "jos\u00e9", "p\u00e4ss"),  # old browsers
    ],
)
def test_basic_gives_the_user_and_password(client, raw, username, password):
    response = get(client, "basic", basic_value(raw))
    assert response.status_code == 200
    assert response.json() == {"username": username, "password": password}


def test_basic_scheme_name_is_case_insensitive(client):
    value = "bAsIc " + base64.b64encode(b"john:secret").decode()
    assert get(client, "basic", value).json() == {"username": "john", "password": "secret"}


@pytest.mark.parametrize("value", [None, "", "Bearer abc", "Digest x", "Basicam9objpzZWNyZXQ="])
def test_basic_without_basic_credentials_is_a_401_with_the_realm(client, value):
    assert_401(get(client, "basic", value), REALM)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Basic notabase64token", "not valid base64"),  # FastAPI ..._invalid_credentials
        ("basic foobar", "not valid base64"),  # Starlette test_authentication_required
        ("Basic am9objpzZWNyZXQ", "not valid base64"),  # padding missing
        ("Basic am9objpzZWNyZXQ===", "not valid base64"),  # too much
        ("Basic =am9objpzZWNyZXQ=", "not one token"),
        ("Basic am9o bjpzZWNyZXQ=", "not one token"),
        ("Basic am9o%bjpzZWNyZXQ=", "not one token"),
        ("Basic", "no credentials"),
        ("Basic -_-_", "not valid base64"),  # base64url is not Basic's alphabet
        (basic_value(b"johnsecret"), "no ':'"),  # FastAPI ..._non_basic_credentials
        (basic_value(b""), "no credentials"),  # nothing at all
        (basic_value(b"john\x00:secret"), "control character"),
        (basic_value(b"john:sec\nret"), "control character"),
        (basic_value(b"john:secret\x7f"), "control character"),
        (basic_value(b"\xe9:\x01"), "control character"),  # read as ISO-8859-1
        ("Basic " + "QUFB" * 3000, "longer than 8192"),
    ],
)
def test_malformed_basic_credentials_are_a_401_saying_why(client, value, reason):
    response = get(client, "basic", value)
    assert_401(response, REALM, message=None)
    assert reason in response.json()["message"]


def test_basic_credentials_that_are_not_utf8_are_read_as_iso_8859_1(client):
    response = get(client, "basic", basic_value(b"\xff\xfe:\xe9t\xe9"))
    assert response.json() == {"username": "\xff\xfe", "password": "\xe9t\xe9"}


def test_optional_basic(client):
    response = get(client, "optional-basic")
    assert response.json() == {"credentials": None}  # FastAPI ..._no_credentials
    assert get(client, "optional-basic", "Bearer x").json() == {"credentials": None}
    assert_401(  # FastAPI ..._basic_optional invalid_credentials: still a 401
        get(client, "optional-basic", "Basic notabase64token"),
        'Basic realm="Restricted", charset="UTF-8"',
        message="The Basic credentials are not valid base64",
    )
    assert get(client, "optional-basic", basic_value(b"a:b")).json() == {
        "username": "a",
        "password": "b",
    }


def test_the_realm_is_quoted_and_checked():
    assert HTTPBasic(realm='say "hi" \\ bye').challenge == (
        'Basic realm="say \\"hi\\" \\\\ bye", charset="UTF-8"'
    )
    for realm in ["a\r\nSet-Cookie: x=1", "caf\u00e9", "tab\there", 7]:
        with pytest.raises(ConfigurationError, match=r"HTTPBasic\(realm="):
            HTTPBasic(realm=realm)  # type: ignore[arg-type]


def test_the_password_stays_out_of_repr():
    credentials = HTTPBasicCredentials("john", "hunter2")
    assert "hunter2" not in repr(credentials)
    assert "john" in repr(credentials)
    assert "tok" not in repr(HTTPAuthorizationCredentials("Bearer", "tok"))


# --- APIKeyHeader with a prefix: RealWorld's "Authorization: Token <jwt>" --------------------


@pytest.mark.parametrize("value", ["Token abc.def.ghi", "token abc.def.ghi", "TOKEN  abc.def.ghi"])
def test_a_prefixed_key_gives_the_token(client, value):
    assert get(client, "token", value).json() == {"credentials": "abc.def.ghi"}


@pytest.mark.parametrize("value", [None, "", "Bearer abc", "abc.def.ghi", "Tokenabc"])
def test_a_prefixed_key_without_the_prefix_is_a_401_with_it_as_the_challenge(client, value):
    assert_401(get(client, "token", value), "Token")


@pytest.mark.parametrize("value", ["Token", "Token a b", "Token a\tb", "Token \u00e9"])
def test_a_malformed_prefixed_key_is_a_401(client, value):
    response = get(client, "token", value)
    assert_401(response, "Token", message=None)
    assert response.json()["message"].startswith("The Authorization header")


def test_an_optional_prefixed_key(client):
    assert get(client, "optional-token").json() == {"credentials": None}
    assert get(client, "optional-token", "Bearer x").json() == {"credentials": None}
    assert get(client, "optional-token", "Token x").json() == {"credentials": "x"}
    assert get(client, "optional-token", "Token").status_code == 401


def test_a_prefix_on_another_header_names_it_in_the_message():
    scheme = APIKeyHeader(name="X-Auth", prefix="Key")
    app = Roob()

    @app.get("/")
    def view(request):
        return {"key": scheme(request)}

    client = TestClient(app)
    assert client.get("/", headers={"X-Auth": "key k1"}).json() == {"key": "k1"}
    response = client.get("/", headers={"X-Auth": "Key a b"})
    assert_401(response, "Key", message=None)
    assert response.json()["message"].startswith("The X-Auth header")


# --- API keys ------------------------------------------------------------------------------


def test_a_header_key(client):
    response = client.get("/header-key", headers={"X-API-Key": "secret"})
    assert response.json() == {"credentials": "secret"}  # FastAPI test_security_api_key
    assert client.get("/header-key", headers={"x-api-key": " s p "}).json() == {
        "credentials": "s p"  # a key is the header's value, whatever it holds
    }


def test_a_cookie_key(client):
    client.cookies["session"] = "c00kie"
    try:
        assert client.get("/cookie-key").json() == {"credentials": "c00kie"}
    finally:
        del client.cookies["session"]


def test_a_query_key(client):
    assert client.get("/query-key?api_key=k%20ey").json() == {"credentials": "k ey"}
    assert APIKeyQuery(name="keys[0]").name == "keys[0]"  # any name a query can hold


@pytest.mark.parametrize(
    ("which", "headers", "query"),
    [
        ("header-key", {}, ""),  # FastAPI test_security_api_key_no_key
        ("header-key", {"X-API-Key": ""}, ""),
        ("header-key", {"X-API-Key": "  "}, ""),
        ("header-key", {"X-Other-Key": "secret"}, ""),
        ("cookie-key", {}, ""),
        ("cookie-key", {"Cookie": "session="}, ""),
        ("cookie-key", {"Cookie": "other=1"}, ""),
        ("query-key", {}, ""),
        ("query-key", {}, "?api_key="),
        ("query-key", {}, "?API_KEY=secret"),  # query names are case-sensitive
    ],
)
def test_a_missing_key_is_a_401_with_the_apikey_challenge(client, which, headers, query):
    assert_401(client.get(f"/{which}{query}", headers=headers), "APIKey")


@pytest.mark.parametrize(
    ("which", "headers", "query", "reason"),
    [
        ("header-key", {"X-API-Key": "a" * 9000}, "", "longer than 8192"),
        ("header-key", {"X-API-Key": "a\x00b"}, "", "control character"),
        ("query-key", {}, "?api_key=a%00b", "control character"),
        ("query-key", {}, "?api_key=a%0Ab", "control character"),
        ("query-key", {}, "?api_key=a&api_key=b", "has 2 parameters 'api_key'"),
        ("query-key", {}, "?api_key=" + "a" * 9000, "longer than 8192"),
    ],
)
def test_an_unusable_key_is_a_401_saying_why(client, which, headers, query, reason):
    response = client.get(f"/{which}{query}", headers=headers)
    assert_401(response, "APIKey", message=None)
    assert reason in response.json()["message"]


def test_a_query_key_that_is_not_utf8_is_a_400_not_a_500(client):
    assert client.get("/query-key?api_key=%FF").status_code == 400


def test_an_optional_key(client):
    assert client.get("/optional-query-key").json() == {"credentials": None}
    assert client.get("/optional-query-key?api_key=").json() == {"credentials": None}
    assert client.get("/optional-query-key?api_key=k").json() == {"credentials": "k"}
    assert client.get("/optional-query-key?api_key=a&api_key=b").status_code == 401


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: APIKeyHeader(name="X API Key"), r"APIKeyHeader\(name='X API Key'\)"),
        (lambda: APIKeyHeader(name=""), r"APIKeyHeader\(name=''\)"),
        (lambda: APIKeyHeader(name="X\r\nY"), r"APIKeyHeader\(name="),
        (lambda: APIKeyCookie(name="a;b"), r"APIKeyCookie\(name='a;b'\)"),
        (lambda: APIKeyQuery(name=None), r"APIKeyQuery\(name=None\)"),
        (lambda: APIKeyQuery(name=""), r"APIKeyQuery\(name=''\)"),
        (lambda: APIKeyQuery(name="a\nb"), r"APIKeyQuery\(name='a\\nb'\)"),
        (lambda: APIKeyHeader(name="Authorization", prefix="To ken"), r"prefix='To ken'"),
        (lambda: HTTPBearer(scheme_name="my scheme"), r"HTTPBearer\(scheme_name='my scheme'\)"),
        (lambda: HTTPBearer(scheme_name=""), r"scheme_name=''"),
        (lambda: HTTPBearer(scheme_name="a/b"), r"scheme_name='a/b'"),
    ],
)
def test_a_bad_name_is_refused_when_the_scheme_is_made(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


# --- what every scheme shares ------------------------------------------------------


def test_the_openapi_security_scheme_objects():
    assert HTTPBearer().openapi() == {"type": "http", "scheme": "bearer"}
    assert HTTPBearer(bearer_format="JWT", description="A JWT").openapi() == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT",
    }
    assert HTTPBasic().openapi() == {"type": "http", "scheme": "basic"}
    assert token.openapi() == {"type": "apiKey", "in": "header", "name": "Authorization"}
    assert cookie_key.openapi() == {"type": "apiKey", "in": "cookie", "name": "session"}
    assert APIKeyQuery(name="k", description="d").openapi() == {
        "type": "apiKey",
        "in": "query",
        "name": "k",
        "description": "d",
    }


def test_scheme_names_default_to_the_class_name():
    assert [s.scheme_name for s in (bearer, basic, header_key, cookie_key, query_key)] == [
        "HTTPBearer",
        "HTTPBasic",
        "APIKeyHeader",
        "APIKeyCookie",
        "APIKeyQuery",
    ]
    assert token.scheme_name == "Token"
    assert repr(bearer) == "HTTPBearer(scheme_name='HTTPBearer', auto_error=True)"
    assert repr(token) == (
        "APIKeyHeader(name='Authorization', scheme_name='Token', auto_error=True)"
    )


def test_unauthorized_carries_the_schemes_challenge_for_the_applications_own_checks():
    app = Roob()

    @app.get("/me")
    def me(request):
        credentials = bearer(request)
        if credentials.credentials != "good":
            raise bearer.unauthorized("Token expired")
        return {"ok": True}

    client = TestClient(app)
    assert_401(
        client.get("/me", headers={"Authorization": "Bearer bad"}), "Bearer", "Token expired"
    )
    assert client.get("/me", headers={"Authorization": "Bearer good"}).json() == {"ok": True}
    error = token.unauthorized()
    assert isinstance(error, Unauthorized)
    assert isinstance(error, HTTPError)
    assert (error.status, error.message, error.headers) == (
        401,
        "Not authenticated",
        [("WWW-Authenticate", "Token")],
    )


def test_a_handler_that_reshapes_errors_keeps_the_challenge():
    app = Roob()

    @app.exception_handler(HTTPError)
    def errors(request, exc):
        return {"errors": {"body": [exc.message]}}, exc.status

    @app.get("/user")
    def user(request):
        return {"token": token(request)}

    response = TestClient(app).get("/user")
    assert_401(response, "Token", message=None)
    assert response.json() == {"errors": {"body": ["Not authenticated"]}}


def test_a_custom_scheme_subclasses_security_scheme():
    class SignedCookie(SecurityScheme):
        challenge = "Cookie"

        def openapi(self):
            return {"type": "apiKey", "in": "cookie", "name": "signed"}

        def __call__(self, request):
            value = request.cookies.get("signed")
            if value is None:
                self.missing()
                return None
            if not value.endswith(".sig"):
                raise self.unauthorized("Bad signature")
            return value.removesuffix(".sig")

    scheme = SignedCookie(scheme_name="Signed")
    optional = SignedCookie(auto_error=False)
    app = Roob()

    @app.get("/")
    def view(request):
        return {"who": scheme(request), "maybe": optional(request)}

    client = TestClient(app)
    assert_401(client.get("/"), "Cookie")
    assert_401(client.get("/", headers={"Cookie": "signed=x"}), "Cookie", "Bad signature")
    assert client.get("/", headers={"Cookie": "signed=ada.sig"}).json() == {
        "who": "ada",
        "maybe": "ada",
    }
    assert scheme.scheme_name == "Signed"
    assert optional.scheme_name == "SignedCookie"
    assert optional(_blank()) is None


def _blank() -> roob.Request:
    return roob.Request.blank("/")


def test_the_base_class_says_what_a_subclass_must_define():
    class Incomplete(SecurityScheme):
        pass

    scheme = Incomplete()
    with pytest.raises(NotImplementedError, match=r"Incomplete must define openapi\(\)"):
        scheme.openapi()
    with pytest.raises(NotImplementedError, match=r"Incomplete must define __call__\(request\)"):
        scheme(_blank())


def test_the_public_names_are_exported_from_roob():
    for name in [
        "APIKeyCookie",
        "APIKeyHeader",
        "APIKeyQuery",
        "HTTPAuthorizationCredentials",
        "HTTPBasic",
        "HTTPBasicCredentials",
        "HTTPBearer",
        "SecurityScheme",
        "Unauthorized",
    ]:
        assert name in roob.__all__
        assert getattr(roob, name) is not None


# --- through Depends, and in the OpenAPI document -----------------------------------------

required_token = APIKeyHeader(name="Authorization", prefix="Token", scheme_name="Token")
maybe_token = APIKeyHeader(
    name="Authorization", prefix="Token", scheme_name="Token", auto_error=False
)
key_in_header = APIKeyHeader(name="X-Key", scheme_name="Key")
key_in_query = APIKeyQuery(name="key", scheme_name="Key")


def current_user(token: Annotated[str, Depends(required_token)]) -> str:
    return f"user-{token}"


def make_depends_app() -> Roob:
    app = Roob()

    @app.get("/user")
    def user(request, who: Annotated[str, Depends(current_user)]):
        """The current user (the scheme two providers down)."""
        return {"user": who}

    @app.get("/articles")
    def articles(request, token: Annotated[str | None, Depends(maybe_token)]):
        return {"for": token}

    @app.get("/basic-and-key", dependencies=[Depends(basic)])
    def both(request, key: Annotated[str, Depends(header_key)]):
        return {"key": key}

    @app.get("/either")
    def either(
        request,
        bearer_credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(optional_bearer)
        ],
        basic_credentials: Annotated[HTTPBasicCredentials | None, Depends(optional_basic)],
    ):
        return {"bearer": bool(bearer_credentials), "basic": bool(basic_credentials)}

    @app.get("/required-and-optional")
    def mixed(
        request,
        required: Annotated[str, Depends(required_token)],
        maybe: Annotated[str | None, Depends(maybe_token)],
        key: Annotated[str | None, Depends(optional_query_key)],
    ):
        return {"token": required}

    @app.get("/tags")
    def tags(request):
        return {"tags": []}

    admin = Router("/admin", dependencies=[Depends(bearer)])

    @admin.get("/stats")
    def stats(request):
        return {"users": 2}

    app.include_router(admin)
    return app


@pytest.fixture(scope="module")
def depends_client() -> TestClient:
    return TestClient(make_depends_app())


def test_schemes_through_depends(depends_client):
    client = depends_client
    assert client.get("/user", headers={"Authorization": "Token abc"}).json() == {
        "user": "user-abc"
    }
    assert_401(client.get("/user"), "Token")
    assert_401(client.get("/user", headers={"Authorization": "Token a b"}), "Token", message=None)
    assert client.get("/articles").json() == {"for": None}
    assert client.get("/articles", headers={"Authorization": "Token abc"}).json() == {"for": "abc"}
    assert_401(client.get("/admin/stats"), "Bearer")
    assert client.get("/admin/stats", headers={"Authorization": "Bearer x"}).json() == {"users": 2}
    assert_401(client.get("/basic-and-key", headers={"X-API-Key": "k"}), REALM)
    assert client.get("/either", headers={"Authorization": basic_value(b"a:b")}).json() == {
        "bearer": False,
        "basic": True,
    }


def test_the_document_carries_each_scheme_and_requirement():
    document = make_depends_app().openapi()
    validate(document)
    assert document["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "APIKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        "HTTPBasic": {"type": "http", "scheme": "basic"},
        "HTTPBearer": {"type": "http", "scheme": "bearer"},
        "Token": {"type": "apiKey", "in": "header", "name": "Authorization"},
    }
    paths = document["paths"]
    security = {path: operations["get"].get("security") for path, operations in paths.items()}
    assert security == {
        "/user": [{"Token": []}],  # found two providers down
        "/articles": [{}, {"Token": []}],  # optional
        "/basic-and-key": [{"HTTPBasic": [], "APIKeyHeader": []}],  # both needed
        "/either": [{}, {"HTTPBearer": []}, {"HTTPBasic": []}],  # either, or none
        "/required-and-optional": [{"Token": []}, {"Token": [], "APIKeyQuery": []}],
        "/tags": None,
        "/admin/stats": [{"HTTPBearer": []}],  # the router's dependencies=
    }
    for path, operations in paths.items():
        responses = operations["get"]["responses"]
        if security[path] is None:
            assert "401" not in responses
        else:
            assert responses["401"]["description"] == "Not authenticated"
            assert "WWW-Authenticate" in responses["401"]["headers"]


def test_a_401_the_view_documents_itself_is_kept():
    app = Roob()

    @app.get("/me")
    @operation(responses={401: "Bad or expired token"})
    def me(request, token: Annotated[str, Depends(header_key)]):
        return {}

    responses = app.openapi()["paths"]["/me"]["get"]["responses"]
    assert responses["401"]["description"] == "Bad or expired token"
    assert app.openapi()["paths"]["/me"]["get"]["security"] == [{"APIKeyHeader": []}]


def test_two_different_schemes_under_one_name_are_refused_when_the_document_is_built():
    app = Roob()

    @app.get("/a")
    def a(request, key: Annotated[str, Depends(key_in_header)]):
        return {}

    @app.get("/b")
    def b(request, key: Annotated[str, Depends(key_in_query)]):
        return {}

    with pytest.raises(
        ConfigurationError,
        match=r"two security schemes are named 'Key'.*the view .*a\).*the view .*b\)",
    ):
        app.openapi()
