"""Responses whose body fails at different moments, for real servers (test_streaming_errors).

``/roob/...`` are Roob views returning streamed responses; ``/raw/...`` are
plain WSGI applications wrapped in ``ErrorHandlerMiddleware``. After the
name: ``before-body`` fails before the first chunk, ``empty-first`` after an
empty first chunk, ``after-data`` once bytes are out, ``after-data-sized``
the same with a Content-Length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob import ErrorHandlerMiddleware, Response, Roob

FAILED_HEADERS = [("Content-Type", "text/plain"), ("Set-Cookie", "session=leaked")]


def _chunks(kind: str) -> Iterator[bytes]:
    if kind == "empty-first":
        yield b""
    elif kind.startswith("after-data"):
        yield b"partial"
    raise RuntimeError(f"the body broke ({kind})")


def _raw(kind: str) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = list(FAILED_HEADERS)
        if kind == "after-data-sized":
            headers.append(("Content-Length", "100"))
        start_response("200 OK", headers)
        return _chunks(kind)

    return ErrorHandlerMiddleware(app)


roob_app = Roob(static_dir=None)


@roob_app.get("/roob/{kind}")
def stream(request: Any, kind: str) -> Response:
    response = Response(app_iter=_chunks(kind), headers=FAILED_HEADERS[1:])
    if kind == "after-data-sized":
        response.content_length = 100
    return response


_RAW = {f"/raw/{kind}": _raw(kind) for kind in
        ("before-body", "empty-first", "after-data", "after-data-sized")}  # fmt: skip


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raw = _RAW.get(environ.get("PATH_INFO", ""))
    return (raw or roob_app)(environ, start_response)
