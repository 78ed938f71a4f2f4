"""roob.security attacked by a hostile client, and misused by a careless application.

Hostile cases read in FastAPI's suite (github:fastapi/fastapi at c3f316b,
tests/test_security_http_basic_optional.py, _http_bearer_optional.py,
_api_key_cookie_optional.py: malformed credentials with ``auto_error=False``) and in
Starlette's tests/test_authentication.py (github:encode/starlette: ``Basic`` credentials
that are not base64, a lower-case scheme), extended with header tricks a proxy or a
client library may produce. Read to learn, not copied.

Timing: no scheme compares a key or a password with anything; whether credentials are
right is the application's to say, and docs/authentication.md shows
``hmac.compare_digest`` for it. The tests below hold the schemes to reading only.
"""

import base64
import json
from typing import Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from roob import Depends, HTTPError, Response, Roob
from roob.security import APIKeyCookie, APIKeyHeader, APIKeyQuery, HTTPBasic, HTTPBearer
from roob.testing import TestClient

bearer = HTTPBearer()
optional_bearer = HTTPBearer(auto_error=False)
basic = HTTPBasic(realm="shop", auto_error=False)
cookie_key = APIKeyCookie(name="session")
header_key = APIKeyHeader(name="X-API-Key")


def shown(credentials: Any) -> Any:
    return credentials if credentials is None or isinstance(credentials, str) else vars(credentials)


def make_client(scheme: Any) -> TestClient:
    app = Roob()

    @app.get("/")
    def view(request, credentials=Depends(scheme)):
        return {"credentials": shown(credentials)}

    return TestClient(app)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer a,Bearer b",  # two Authorization headers folded by a proxy
        "Bearer a, Bearer b",
        "Bearer\tabc",  # RFC 9110: one or more SP, not HTAB
        "Bearer abc\x00",
        "Bearer ab=c",  # '=' only as padding
        "Bearer abc\u00e9",
        "Bearer abc\r\nX-Injected: yes",
    ],
)
def test_a_folded_or_smuggled_bearer_header_is_a_401_even_when_optional(value) -> None:
    for scheme in (bearer, optional_bearer):
        response = make_client(scheme).get("/", environ={"HTTP_AUTHORIZATION": value})
        assert response.status == "401 Unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "X-Injected" not in response.headers


@pytest.mark.parametrize(
    "value", ["Bearerabc", "Be\u0430rer abc", "Bearer\u00e9 abc", "\u212aey abc", "Token abc"]
)
def test_lookalike_schemes_are_not_bearer(value) -> None:
    # Cyrillic a, Latin-1 letters, the Kelvin sign: another scheme, so no credentials.
    assert make_client(optional_bearer).get("/", environ={"HTTP_AUTHORIZATION": value}).json() == {
        "credentials": None
    }


@pytest.mark.parametrize(
    ("raw", "username", "password"),
    [
        (b"user:pa:ss:word", "user", "pa:ss:word"),  # the first colon splits
        (b":", "", ""),  # empty user and password are given, to be refused by the app
        (b"user:", "user", ""),
        ("\u00fcser:p\u00e4ss".encode(), "\u00fcser", "p\u00e4ss"),
    ],
)
def test_basic_splits_at_the_first_colon_and_leaves_empty_values_to_the_app(
    raw, username, password
) -> None:
    value = "Basic " + base64.b64encode(raw).decode()
    assert make_client(basic).get("/", environ={"HTTP_AUTHORIZATION": value}).json() == {
        "credentials": {"username": username, "password": password}
    }


@pytest.mark.parametrize("raw", [b"user:pass\r\nX-Injected: 1", b"us\x00er:pass", b"user:\x7f"])
def test_basic_credentials_with_control_characters_are_refused_even_when_optional(raw) -> None:
    value = "Basic " + base64.b64encode(raw).decode()
    response = make_client(basic).get("/", environ={"HTTP_AUTHORIZATION": value})
    assert response.status == "401 Unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="shop", charset="UTF-8"'


def test_the_challenge_survives_an_application_handler_returning_its_own_response() -> None:
    app = Roob()

    @app.exception_handler(HTTPError)
    def reshape(request, exc):
        body = json.dumps({"error": exc.message}).encode()
        return Response(body, status=exc.status, content_type="application/json")

    @app.get("/")
    def view(request, credentials=Depends(bearer)):
        return {}

    response = TestClient(app).get("/")
    assert response.status == "401 Unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"error": "Not authenticated"}


class ErrorBody(BaseModel):
    error: str


def test_an_error_body_that_breaks_its_response_model_is_a_500_that_leaks_nothing(
    caplog,
) -> None:
    app = Roob()

    @app.exception_handler(HTTPError, response=ErrorBody)
    def reshape(request, exc):
        return {"detail": "SECRET-internal-state"}

    @app.get("/")
    def view(request, credentials=Depends(bearer)):
        return {}

    response = TestClient(app).get("/")
    assert response.status == "500 Internal Server Error"
    assert "SECRET" not in response.text
    assert "WWW-Authenticate" not in response.headers
    assert "reshape" in caplog.text


def test_an_error_body_with_extra_fields_sends_only_the_models() -> None:
    class Leaky(ErrorBody):
        password: str

    app = Roob()

    @app.exception_handler(HTTPError, response=ErrorBody)
    def reshape(request, exc):
        return Leaky(error=exc.message, password="hunter2")

    @app.get("/")
    def view(request, credentials=Depends(bearer)):
        return {}

    response = TestClient(app).get("/")
    assert (response.status, response.json()) == (
        "401 Unauthorized",
        {"error": "Not authenticated"},
    )


def test_header_keys_with_controls_are_refused_and_blank_ones_are_missing() -> None:
    client = make_client(header_key)
    assert client.get("/", environ={"HTTP_X_API_KEY": "k\x7f"}).status == "401 Unauthorized"
    assert client.get("/", environ={"HTTP_X_API_KEY": " \t "}).json() == {
        "message": "Not authenticated"
    }


def test_a_query_key_sent_twice_is_refused_even_when_one_is_empty() -> None:
    client = make_client(APIKeyQuery(name="api_key", auto_error=False))
    assert client.get("/?api_key=a&api_key=").status == "401 Unauthorized"
    assert client.get("/?API_KEY=a").json() == {"credentials": None}  # names are exact


def test_a_cookie_key_sent_twice_is_refused_as_a_query_key_is() -> None:
    client = make_client(cookie_key)
    response = client.get("/", environ={"HTTP_COOKIE": "session=victim; session=attacker"})
    assert response.status == "401 Unauthorized"
    assert "2 cookies 'session'" in response.json()["message"]
    # One cookie of that name, among others, is the key.
    response = client.get("/", environ={"HTTP_COOKIE": "other=1; session=victim; sessions=x"})
    assert response.status_code == 200


def test_one_scheme_required_here_and_optional_there_in_the_document() -> None:
    app = Roob()

    @app.get("/required")
    def required(request, credentials=Depends(bearer)):
        return {}

    @app.get("/optional")
    def optional(request, credentials=Depends(optional_bearer)):
        return {}

    @app.get("/both", dependencies=[Depends(optional_bearer)])
    def both(request, credentials=Depends(bearer)):
        return {}

    document = app.openapi()
    validate(document)
    security = {path: item["get"]["security"] for path, item in document["paths"].items()}
    assert security == {
        "/required": [{"HTTPBearer": []}],
        "/optional": [{}, {"HTTPBearer": []}],
        "/both": [{"HTTPBearer": []}],  # required wins: no anonymous alternative
    }
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer"}
    }
    assert "401" in document["paths"]["/optional"]["get"]["responses"]
