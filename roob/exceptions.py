"""Roob's exceptions.

The hierarchy::

    Exception
    ├── HTTPError                  an HTTP error response, raised from anywhere
    │   ├── BadRequest             400
    │   │   ├── UnsafeHeader       a response header a view gave that HTTP forbids
    │   │   └── UnsafeRedirect     a redirect() target that is another host in disguise
    │   ├── Forbidden              403 (a missing CSRF token: CSRFError)
    │   ├── NotFound               404: no route for the path
    │   ├── MethodNotAllowed       405: the path exists, the method does not
    │   ├── PreconditionFailed     412: If-Match / If-Unmodified-Since failed
    │   ├── RequestEntityTooLarge  413: the body is over ``max_body_size``
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
    "InvalidRoute",
    "MethodNotAllowed",
    "NotFound",
    "PreconditionFailed",
    "RequestEntityTooLarge",
    "RouteConflict",
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
    status = 400


class Forbidden(_StatusError):
    status = 403


class NotFound(_StatusError):
    status = 404


class MethodNotAllowed(HTTPError):
    """405, with the ``Allow`` header listing ``allowed``."""

    status = 405

    def __init__(self, message: str | None = None, *, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(allowed)
        super().__init__(None, message, headers=[("Allow", ", ".join(self.allowed))])


class PreconditionFailed(_StatusError):
    status = 412


class RequestEntityTooLarge(_StatusError):
    status = 413


class UnprocessableEntity(_StatusError):
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
