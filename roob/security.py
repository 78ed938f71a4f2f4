"""Security schemes: read a request's credentials, answer a 401 without them.

::

    from roob.security import APIKeyHeader, HTTPBearer

    bearer = HTTPBearer()                    # Authorization: Bearer <token>
    token = APIKeyHeader(name="Authorization", prefix="Token", scheme_name="Token")

    @app.get("/user")
    def me(request, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
        ...                                  # or credentials = bearer(request)

A scheme is a callable, ``scheme(request) -> credentials``: a dependency
(``Depends(scheme)``, roob/dependencies.py) that gives the view what the
client sent, or answers the request with a 401 (:class:`~roob.Unauthorized`)
whose ``WWW-Authenticate`` header names the scheme the client should use.
``auto_error=False`` makes authentication optional: no credentials give
None. The scheme also describes itself to OpenAPI (:meth:`SecurityScheme.openapi`),
so an operation that depends on it says so in the document.

What a scheme checks, and what it leaves to the application:

* **absent** credentials (no header, cookie or query parameter; an
  ``Authorization`` header of another scheme, which RFC 9110 lets a
  server ignore) are a 401, or None with ``auto_error=False``;
* **malformed** ones of this scheme (``Bearer`` without a token, a token
  with a space or a non-ASCII byte in it, Basic credentials that are not
  base64 or have no colon, anything longer than ``max_length``) are a 401
  whatever ``auto_error`` says: the client tried and failed, and reading it
  as anonymous would hide the mistake;
* whether the credentials are **valid** (a known token, a right password)
  is the application's to say, in a dependency of its own; a bad one is
  ``raise scheme.unauthorized("...")``, a 401 with the scheme's challenge,
  and a user who may not do something is a :class:`~roob.Forbidden` (403).

No scheme answers 403: RFC 9110 (15.5.2, 15.5.4) keeps 401 for a request
without usable credentials and 403 for a client known and refused, which
only the application can tell. FastAPI answered 403 for a missing API key or
a wrong ``Authorization`` scheme until 0.116 and 401 since (its pull request
13786); Roob answers 401 from the start.

Scheme names are compared case-insensitively, in ASCII (``bearer``,
``BEARER``: RFC 9110, 11.1); the credentials after them must be one
token68 (RFC 9110, 11.2; RFC 6750, 2.1: ``[A-Za-z0-9-._~+/]+=*``), after one
or more spaces.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from webob.cookies import parse_cookie

from roob.exceptions import ConfigurationError, Unauthorized
from roob.requests import Request

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "SecurityScheme",
]

#: The longest credentials a scheme reads, in characters: longer is a 401. Servers
#: refuse longer header lines (gunicorn 8190 bytes, nginx 8 KiB), but a WSGI server
#: may not, and a query string or a cookie has no such limit.
DEFAULT_MAX_LENGTH = 8192

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 5.6.2: a scheme's name
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 9110 11.2
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # RFC 5234 CTL: refused in Basic (RFC 7617 2)
_NOT_AUTHENTICATED = "Not authenticated"


class _Malformed(Exception):
    """Credentials of the scheme that cannot be used; the message says why."""


@dataclass(frozen=True)
class HTTPAuthorizationCredentials:
    """What ``Authorization: <scheme> <credentials>`` holds (:class:`HTTPBearer`):
    ``scheme`` as the server spells it (``"Bearer"``, whatever case the client
    used) and the ``credentials`` after it (the token)."""

    scheme: str
    credentials: str = field(repr=False)


@dataclass(frozen=True)
class HTTPBasicCredentials:
    """The user name and password of ``Authorization: Basic ...`` (:class:`HTTPBasic`).

    Compare the password with :func:`hmac.compare_digest` (or a password
    hasher's ``verify``), never ``==``, which tells an attacker by its timing
    how much of a guess was right. It is left out of ``repr()``.
    """

    username: str
    password: str = field(repr=False)


class SecurityScheme:
    """A way for a client to prove who it is; subclass it for a scheme of your own.

    A subclass gives :meth:`openapi`, the OpenAPI Security Scheme Object, and
    :meth:`__call__`, which reads the credentials from the request: it
    returns them; when the client sent none it calls :meth:`missing` (a 401,
    unless ``auto_error=False``) and returns None; for credentials it cannot
    use it raises :meth:`unauthorized`. ``challenge`` is the ``WWW-Authenticate``
    value of its 401s.

    :param scheme_name: its key in the document's
        ``components.securitySchemes`` (default: the class's name).
    :param description: its description in the document.
    :param auto_error: ``False`` for optional authentication: a request
        without credentials gives None instead of a 401.
    """

    #: The ``WWW-Authenticate`` value of the scheme's 401s (RFC 9110, 11.6.1).
    challenge: str = "APIKey"

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.scheme_name = scheme_name if scheme_name is not None else type(self).__name__
        if not self.scheme_name or not re.fullmatch(r"[A-Za-z0-9._-]+", self.scheme_name):
            raise ConfigurationError(
                f"{type(self).__name__}(scheme_name={self.scheme_name!r}): a name in the "
                "OpenAPI document's components is made of letters, digits, '.', '_' and '-'"
            )
        self.description = description
        self.auto_error = auto_error

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI Security Scheme Object (``{"type": "http", "scheme": "bearer"}``)."""
        raise NotImplementedError(f"{type(self).__name__} must define openapi()")

    def __call__(self, request: Request) -> Any:
        """The request's credentials; None or a 401 without them."""
        raise NotImplementedError(f"{type(self).__name__} must define __call__(request)")

    def unauthorized(self, message: str = _NOT_AUTHENTICATED) -> Unauthorized:
        """A 401 with this scheme's challenge, to raise: ``raise bearer.unauthorized("Token
        expired")`` where the application finds the credentials wrong."""
        return Unauthorized(message, headers=[("WWW-Authenticate", self.challenge)])

    def missing(self) -> None:
        """For a request without credentials: raise a 401 saying ``Not authenticated``,
        unless ``auto_error=False`` (then return, and ``__call__`` returns None)."""
        if self.auto_error:
            raise self.unauthorized()

    def _described(self, scheme: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            scheme["description"] = self.description
        return scheme

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(scheme_name={self.scheme_name!r}, "
            f"auto_error={self.auto_error!r})"
        )


def _checked_token(what: str, value: str) -> str:
    if not (isinstance(value, str) and _TOKEN.fullmatch(value)):
        raise ConfigurationError(
            f"{what}={value!r}): give a name made of letters, digits and !#$%&'*+.^_`|~- "
            "(an HTTP token, RFC 9110 5.6.2)"
        )
    return value


def _is_scheme(sent: str, expected: str) -> bool:
    """Whether ``sent`` names the scheme ``expected``, compared as ASCII without case
    (``str.lower`` alone would take the Kelvin sign ``K`` for a ``k``)."""
    return sent.isascii() and sent.lower() == expected.lower()


_FIRST_WORD = re.compile(r"[^ \t]*")


def _token68_of(value: str | None, scheme: str, header: str, max_length: int) -> str | None:
    """The token68 of a header ``<scheme> <token68>`` (``Authorization: Bearer abc``).

    None when the header is absent, empty, or names another scheme; raises
    ``_Malformed`` when it names ``scheme`` without one token68 after one or
    more spaces, or is longer than ``max_length``.
    """
    if value is None:
        return None
    value = value.strip(" \t")
    sent = _FIRST_WORD.match(value)[0]  # type: ignore[index]  # it matches every string
    if not sent or not _is_scheme(sent, scheme):
        return None
    if len(value) > max_length:
        raise _Malformed(f"The {header} header is longer than {max_length} characters")
    token = value[len(sent) :].lstrip(" ")
    if not token:
        raise _Malformed(f"The {header} header has no credentials after {sent!r}")
    if not _TOKEN68.fullmatch(token):
        raise _Malformed(
            f"The {header} header's credentials after {sent!r} are not one token "
            "(letters, digits, -._~+/ and a trailing =)"
        )
    return token


class _AuthorizationScheme(SecurityScheme):
    """A scheme of the ``Authorization`` header: ``<name> <token68>``."""

    #: The scheme's name in the header, as the server spells it.
    http_scheme: ClassVar[str]
    #: The longest ``Authorization`` header read (a longer one is a 401).
    max_length: int = DEFAULT_MAX_LENGTH

    def _token(self, request: Request) -> str | None:
        value = request.environ.get("HTTP_AUTHORIZATION")
        try:
            return _token68_of(value, self.http_scheme, "Authorization", self.max_length)
        except _Malformed as exc:
            raise self.unauthorized(str(exc)) from None


class HTTPBearer(_AuthorizationScheme):
    """``Authorization: Bearer <token>`` (RFC 6750), read as
    :class:`HTTPAuthorizationCredentials`; ``credentials.credentials`` is the token.

    :param bearer_format: how the token is made, for the document (``"JWT"``).
    """

    http_scheme = "Bearer"
    challenge = "Bearer"

    def __init__(
        self,
        *,
        bearer_format: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.bearer_format = bearer_format

    def openapi(self) -> dict[str, Any]:
        scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
        if self.bearer_format:
            scheme["bearerFormat"] = self.bearer_format
        return self._described(scheme)

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        token = self._token(request)
        if token is None:
            self.missing()
            return None
        return HTTPAuthorizationCredentials(self.http_scheme, token)


class HTTPBasic(_AuthorizationScheme):
    """``Authorization: Basic <base64 of user:password>`` (RFC 7617), read as
    :class:`HTTPBasicCredentials`.

    The base64 must be exact (its alphabet and its ``=`` padding). The text it
    holds is read as UTF-8, which the challenge asks for (``charset="UTF-8"``),
    or as ISO-8859-1 when it is not UTF-8 (what older browsers send); it is
    split at its first colon (the user name has none; the password may), and a
    control character in it is refused (RFC 7617, 2).

    :param realm: the protection space named in the challenge (RFC 7617 makes
        it required): ``WWW-Authenticate: Basic realm="<realm>", charset="UTF-8"``.
    """

    http_scheme = "Basic"

    def __init__(
        self,
        *,
        realm: str = "Restricted",
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        if not isinstance(realm, str) or _CONTROL.search(realm) or not realm.isascii():
            raise ConfigurationError(
                f"HTTPBasic(realm={realm!r}): a realm is ASCII text without control "
                "characters (it is sent in the WWW-Authenticate header)"
            )
        self.realm = realm
        quoted = realm.replace("\\", "\\\\").replace('"', '\\"')
        self.challenge = f'Basic realm="{quoted}", charset="UTF-8"'

    def openapi(self) -> dict[str, Any]:
        return self._described({"type": "http", "scheme": "basic"})

    def __call__(self, request: Request) -> HTTPBasicCredentials | None:
        token = self._token(request)
        if token is None:
            self.missing()
            return None
        try:
            decoded = base64.b64decode(token, validate=True)
        except binascii.Error:
            raise self.unauthorized("The Basic credentials are not valid base64") from None
        try:
            text = decoded.decode("utf-8")
        except UnicodeDecodeError:
            text = decoded.decode("iso-8859-1")  # every byte is a character
        username, colon, password = text.partition(":")
        if not colon:
            raise self.unauthorized("The Basic credentials have no ':' between user and password")
        if _CONTROL.search(text):
            raise self.unauthorized("The Basic credentials hold a control character")
        return HTTPBasicCredentials(username, password)


class _APIKey(SecurityScheme):
    """A key sent as it is in a header, a cookie or the query string."""

    #: Where the key is: OpenAPI's ``in``.
    location: ClassVar[str]
    #: The longest key read (a longer one is a 401).
    max_length: int = DEFAULT_MAX_LENGTH

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.name = self._checked_name(name)

    def openapi(self) -> dict[str, Any]:
        return self._described({"type": "apiKey", "in": self.location, "name": self.name})

    def _checked_name(self, name: str) -> str:
        return _checked_token(f"{type(self).__name__}(name", name)

    #: The key as the request holds it, None without one (each subclass reads its place).
    _read: Callable[[Request], str | None]

    def __call__(self, request: Request) -> str | None:
        key = self._read(request)
        if key is not None:
            key = key.strip(" \t")
        if not key:
            self.missing()
            return None
        if len(key) > self.max_length:
            raise self.unauthorized(f"The API key is longer than {self.max_length} characters")
        if _CONTROL.search(key):
            raise self.unauthorized("The API key holds a control character")
        return key

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, scheme_name={self.scheme_name!r}, "
            f"auto_error={self.auto_error!r})"
        )


class APIKeyHeader(_APIKey):
    """A key in the request header ``name`` (``X-API-Key: <key>``), given to the view as a str.

    With ``prefix``, the header holds an authorization scheme of that name
    and a token, ``<prefix> <token>``, and the view gets the token: RealWorld's
    ``Authorization: Token <jwt>`` is ::

        APIKeyHeader(name="Authorization", prefix="Token", scheme_name="Token")

    and is documented as OpenAPI's ``{"type": "apiKey", "in": "header", "name":
    "Authorization"}`` under ``Token``. The prefix is compared without case,
    a header of another scheme counts as no credentials, and the token must be
    one token68 (what a JWT is); the 401's challenge is the prefix
    (``WWW-Authenticate: Token``), without one ``APIKey``.
    """

    location = "header"

    def __init__(
        self,
        *,
        name: str,
        prefix: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            name=name, scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.prefix = None if prefix is None else _checked_token("APIKeyHeader(prefix", prefix)
        if self.prefix is not None:
            self.challenge = self.prefix

    def _read(self, request: Request) -> str | None:
        value: str | None = request.headers.get(self.name)
        return value

    def __call__(self, request: Request) -> str | None:
        if self.prefix is None:
            return super().__call__(request)
        try:
            token = _token68_of(self._read(request), self.prefix, self.name, self.max_length)
        except _Malformed as exc:
            raise self.unauthorized(str(exc)) from None
        if token is None:
            self.missing()
        return token


class APIKeyCookie(_APIKey):
    """A key in the cookie ``name``, given to the view as a str. Two cookies of that name
    are a 401, as a query key sent twice: which is the client's own is unknown. (A
    sibling subdomain can set a second one, "cookie tossing", and browsers send the one
    with the longer path first, so neither the first nor the last can be trusted.)"""

    location = "cookie"

    def _read(self, request: Request) -> str | None:
        name = self.name.encode("latin-1", "replace")
        found = sum(key == name for key, _ in parse_cookie(request.environ.get("HTTP_COOKIE", "")))
        if found > 1:
            raise self.unauthorized(
                f"The request has {found} cookies {self.name!r}: which is the client's is unknown"
            )
        value: str | None = request.cookies.get(self.name)
        return value


class APIKeyQuery(_APIKey):
    """A key in the query string parameter ``name`` (``?api_key=...``), given to the view
    as a str. A key sent twice is a 401: which of the two the client meant is unknown.

    A key in a URL ends up in server logs, browser history and ``Referer``
    headers: prefer a header where the client can send one.
    """

    location = "query"

    def _checked_name(self, name: str) -> str:
        if not (isinstance(name, str) and name) or _CONTROL.search(name):
            raise ConfigurationError(
                f"APIKeyQuery(name={name!r}): give the query parameter's name, a string "
                "without control characters"
            )
        return name

    def _read(self, request: Request) -> str | None:
        values: list[str] = request.GET.getall(self.name)
        if len(values) > 1:
            raise self.unauthorized(f"The query string has {len(values)} parameters {self.name!r}")
        return values[0] if values else None
