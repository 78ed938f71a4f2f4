"""Roob's exceptions.

The hierarchy::

    Exception
    ├── HTTPError                  an HTTP error response, raised from anywhere
    │   ├── BadRequest             400
    │   │   ├── UnsafeHeader       a response header a view gave that HTTP forbids
    │   │   ├── UnsafeRedirect     a redirect() target that is another host in disguise
    │   │   ├── InvalidURLParameter  a url_for() value that cannot be a path segment
    │   │   ├── InvalidEvent       an event name or id with a line break (Server-Sent Events)
    │   │   └── MissingField       request.form["x"], .GET, .headers, .cookies: not sent
    │   ├── Unauthorized           401: no credentials, or unusable ones (roob/security.py)
    │   ├── Forbidden              403 (a missing CSRF token: CSRFError)
    │   ├── NotFound               404: no route for the path
    │   ├── MethodNotAllowed       405: the path exists, the method does not
    │   ├── LengthRequired         411: a chunked body the server cannot end
    │   ├── PreconditionFailed     412: If-Match / If-Unmodified-Since failed
    │   ├── RequestEntityTooLarge  413: the body is over ``max_body_size``
    │   ├── RangeNotSatisfiable    416: a Range that starts past the end of a file
    │   └── UnprocessableEntity    422: well-formed input that fails validation
    └── RuntimeError
        └── ConfigurationError     a programming error, raised at start-up
            ├── InvalidRoute       a bad pattern or an unknown convertor
            └── RouteConflict      a route that an earlier one already serves

Every :class:`HTTPError` becomes a JSON response ``{"message": ...}`` with its
status, unless an exception handler of the application or of the route's
router says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from roob._types import Headers

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Forbidden",
    "HTTPError",
    "InvalidEvent",
    "InvalidRoute",
    "InvalidURLParameter",
    "LengthRequired",
    "MethodNotAllowed",
    "MissingField",
    "NotFound",
    "PreconditionFailed",
    "RangeNotSatisfiable",
    "RequestEntityTooLarge",
    "RouteConflict",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsafeHeader",
    "UnsafeRedirect",
]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class HTTPError(Exception):
    """An error the client should see, as ``status`` with ``{"message": message}``.

    ``extra`` adds members to the JSON body (for example validation ``errors``);
    ``headers`` adds response headers.

    An exception handler reads what to send from its attributes:

    ``status``
        the HTTP status, an ``int`` from 400 to 599.
    ``message``
        the text for the client (the status's phrase when none was given).
    ``headers``
        the response headers, a list of ``(name, value)`` pairs (``Allow`` on
        a 405). They stay on the answer of a handler that reshapes the body,
        except those its response sets itself.
    ``extra``
        the other members of the JSON body, a dict (a 422's ``errors``).

    :meth:`body` is the JSON document the default handler sends.
    """

    status: int = 500

    def __init__(
        self,
        status: int | None = None,
        message: str | None = None,
        *,
        headers: Headers | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if status is not None:
            self.status = int(status)
        if not 400 <= self.status <= 599:
            raise ValueError(f"HTTPError status must be 4xx or 5xx, not {self.status}")
        self.message = message if message is not None else _phrase(self.status)
        self.headers: list[tuple[str, str]] = []
        if headers:
            self.headers = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        self.extra: dict[str, Any] = dict(extra) if extra else {}
        super().__init__(self.status, self.message)

    def body(self) -> dict[str, Any]:
        """The JSON document sent to the client."""
        return {"message": self.message, **self.extra}

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.message!r})"


class _StatusError(HTTPError):
    """An :class:`HTTPError` whose class gives the status: raised with a message alone."""

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(None, message, **kwargs)


class BadRequest(_StatusError):
    """400: a request that is malformed (a body that is not JSON, say)."""

    status = 400


class Unauthorized(_StatusError):
    """401: the request has no credentials, or none the server can use.

    HTTP requires a ``WWW-Authenticate`` header on a 401, naming the scheme
    the client should use; the schemes of roob/security.py raise it with
    theirs (``scheme.unauthorized("Token expired")`` does it for a view).
    A client whose credentials are good but not enough gets a
    :class:`Forbidden` instead.
    """

    status = 401


class Forbidden(_StatusError):
    """403: the client may not do this (a missing CSRF token is one)."""

    status = 403


class NotFound(_StatusError):
    """404: no route for the path, or nothing at it."""

    status = 404


class MethodNotAllowed(HTTPError):
    """405, with the ``Allow`` header listing ``allowed``."""

    status = 405

    def __init__(self, message: str | None = None, *, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(allowed)
        super().__init__(None, message, headers=[("Allow", ", ".join(self.allowed))])


class LengthRequired(_StatusError):
    """411: a request body whose length cannot be known.

    A chunked body (``Transfer-Encoding: chunked``, no ``Content-Length``) on a
    server that neither removes the chunking nor says where the body ends
    (``wsgi.input_terminated``): uWSGI's HTTP router, a2wsgi. Reading it as empty
    would hand the view no data and let it past ``max_body_size``.
    """

    status = 411


class PreconditionFailed(_StatusError):
    """412: an ``If-Match`` or ``If-Unmodified-Since`` precondition failed."""

    status = 412


class RequestEntityTooLarge(_StatusError):
    """413: a body over ``max_body_size``, refused before it is read."""

    status = 413


class RangeNotSatisfiable(_StatusError):
    """416: the one byte range a ``Range`` asks starts past the end of a file
    (:class:`~roob.FileResponse`); its ``Content-Range: bytes */<size>`` header
    tells the client the size."""

    status = 416


class UnprocessableEntity(_StatusError):
    """422: input that is well-formed but invalid.

    Typed view parameters (roob/params.py) raise it with every error at once,
    ``message`` ``"Validation failed"`` and ``extra["errors"]`` a list of
    ``{"loc": [...], "msg": ..., "type": ...}``: ``loc`` says where (``["query",
    "limit"]``, ``["body", "user", "email"]``), ``msg`` what is wrong, for a
    person, and ``type`` the kind, for a program (pydantic's error types:
    ``"missing"``, ``"int_parsing"``, ...). An exception handler for it reshapes
    them (one raised by a view may have no ``errors``)::

        @app.exception_handler(UnprocessableEntity)
        def invalid(request, exc):
            errors = exc.extra.get("errors", [])
            return {"errors": {"body": [error["msg"] for error in errors]}}, 422
    """

    status = 422


class UnsafeHeader(BadRequest, ValueError):
    """A header a view gave with a line break, a control character or a bad name: 400.

    Usually text from the request (a decoded ``%0D%0A``) put in a header: the
    client's input, refused rather than sent, or answered with a 500.
    """

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The response header {name!r} would hold a line break or a character "
            "HTTP does not allow there"
        )
        self.name = name


class UnsafeRedirect(BadRequest, ValueError):
    """A redirect to another host in disguise (``//evil.example``) or to a scheme such
    as ``javascript:``: 400, as the target is usually the client's input (``?next=``)."""


class InvalidURLParameter(BadRequest, ValueError):
    """A value ``url_for`` cannot put in a route's path: 400.

    ``{tag}`` takes one path segment, so ``"a/b"``, ``""``, ``"."`` and ``".."``
    (which a browser drops from a path) cannot be one, nor can ``"abc"`` be an
    ``{id:int}``. The value is usually the client's (``?tag=``), which makes
    it a bad request rather than an error of the application.
    """

    def __init__(self, route: str, parameter: str, reason: str) -> None:
        super().__init__(f"Cannot build a link with {parameter}: {reason}")
        self.route = route
        self.parameter = parameter


class InvalidEvent(BadRequest, ValueError):
    """A Server-Sent Event that cannot be sent as it is: an ``event`` name or ``id``
    with a line break or a NUL (it would start another field, or make a browser
    drop the id), or a ``retry`` that is not a number of milliseconds: 400, as
    the value usually comes from the client (a chat message's room, an id)."""


class MissingField(BadRequest, KeyError):
    """A value the client did not send, read as a required one: ``request.form["name"]``,
    ``request.files``, ``request.GET``, ``request.headers`` or ``request.cookies``
    (roob/multidicts.py). A ``KeyError``, as a dict would raise, that is also a
    400 naming what is missing (Werkzeug's ``BadRequestKeyError``)."""

    def __init__(self, key: Any, message: str | None = None) -> None:
        super().__init__(message or f"The form has no field {key!r}")
        self.key = key


class ConfigurationError(RuntimeError):
    """The application is wired wrongly; raised while it is being set up."""


class InvalidRoute(ConfigurationError, ValueError):
    """A route pattern that cannot be compiled, or names an unknown convertor."""


class RouteConflict(ConfigurationError):
    """A route that would serve URLs and methods an earlier route already serves."""

    def __init__(self, path: str, existing: str, methods: Iterable[str]) -> None:
        self.path = path
        self.existing = existing
        self.methods = tuple(sorted(methods))
        where = "" if existing == path else f" (it matches the same URLs as {existing!r})"
        super().__init__(
            f"Path: {path} is already bound to another handler for {', '.join(self.methods)}{where}"
        )
