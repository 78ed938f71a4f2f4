"""Roob's exceptions.

The hierarchy::

    Exception
    ├── HTTPError                  an HTTP error response, raised from anywhere
    │   ├── BadRequest             400
    │   ├── NotFound               404: no route for the path
    │   ├── MethodNotAllowed       405: the path exists, the method does not
    │   ├── RequestEntityTooLarge  413: the body is over ``max_body_size``
    │   └── UnprocessableEntity    422: well-formed input that fails validation
    └── RuntimeError
        └── ConfigurationError     a programming error, raised at start-up
            ├── InvalidRoute       a bad pattern or an unknown convertor
            └── RouteConflict      a route that an earlier one already serves

Every :class:`HTTPError` becomes a JSON response ``{"message": ...}`` with its
status, unless an exception handler of the application says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "HTTPError",
    "InvalidRoute",
    "MethodNotAllowed",
    "NotFound",
    "RequestEntityTooLarge",
    "RouteConflict",
    "UnprocessableEntity",
]

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]


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
        headers: HeadersLike | None = None,
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


class BadRequest(HTTPError):
    status = 400

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(None, message, **kwargs)


class NotFound(HTTPError):
    status = 404

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(None, message, **kwargs)


class MethodNotAllowed(HTTPError):
    """405, with the ``Allow`` header listing ``allowed``."""

    status = 405

    def __init__(self, message: str | None = None, *, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(allowed)
        super().__init__(None, message, headers=[("Allow", ", ".join(self.allowed))])


class RequestEntityTooLarge(HTTPError):
    status = 413

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(None, message, **kwargs)


class UnprocessableEntity(HTTPError):
    status = 422

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(None, message, **kwargs)


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
