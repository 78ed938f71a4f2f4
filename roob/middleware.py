"""WSGI middleware that ships with Roob.

Any WSGI middleware works with :meth:`roob.Roob.add_middleware` (it is built
as ``cls(app, **options)``). This module holds Roob's own:

* :class:`ErrorHandlerMiddleware` - the last line of defence: whatever escapes
  the application it wraps becomes a JSON 500 instead of a dropped connection.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob.responses import dump_json

__all__ = ["ErrorHandlerMiddleware"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
logger = logging.getLogger("roob")


class ErrorHandlerMiddleware:
    """Turn an exception escaping ``app`` into a 500 ``{"message": ...}``.

    It covers exceptions raised when ``app`` is called and while its body is
    iterated, up to the first chunk of body handed to the server; then the
    status line is gone and the response can only be cut short, which it
    does (the error is logged either way). The exception's text reaches the
    client only with ``debug=True``.
    """

    def __init__(self, app: WSGIApp, *, debug: bool = False) -> None:
        self.app = app
        self.debug = debug

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            body = self.app(environ, start_response)
        except Exception:
            return self._error(environ, start_response)
        if isinstance(body, list | tuple):
            return body  # nothing left to fail
        return self._guard(body, environ, start_response)

    def _guard(
        self, body: Iterable[bytes], environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        sent = False
        try:
            iterator = iter(body)
            while True:
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                except Exception:
                    if sent:
                        logger.exception(
                            "Error after the response started; it was cut short: %s %s",
                            environ.get("REQUEST_METHOD"),
                            environ.get("PATH_INFO"),
                        )
                        return
                    yield from self._error(environ, start_response)
                    return
                if chunk:
                    sent = True
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _error(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        exc_info = sys.exc_info()
        logger.error(
            "Unhandled exception: %s %s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            exc_info=exc_info,
        )
        message = "Internal Server Error"
        if self.debug and exc_info[1] is not None:
            message = f"{type(exc_info[1]).__name__}: {exc_info[1]}"
        payload = dump_json({"message": message})
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            exc_info,
        )
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return [payload]
