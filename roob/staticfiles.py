"""Static files, served by WhiteNoise from the application's ``static_dir``.

With the default ``static_url="/"`` a file ``static/css/main.css`` is served at
``/css/main.css``. WhiteNoise sets the caching headers (``Cache-Control:
max-age=60`` by default, an ``ETag`` and ``Last-Modified``) and answers range
requests; files are indexed once at start-up (and looked up on disk on every
request when ``debug=True``, so edits show at once). A ``static_dir`` that
does not exist simply serves nothing.

Conditional requests are answered by Roob's rules (roob/conditional.py), the
ones of conditional views: ``If-Match`` and ``If-Unmodified-Since`` that do
not hold are a 412, ``If-None-Match`` compares weakly and takes lists
and ``*`` (so the weak ETag of a file compressed by
:class:`~roob.GZipMiddleware` still revalidates), a date that is not an HTTP
date is ignored, an ``If-Range`` that does not name the file makes a range
request get the whole file, and a 304 keeps the headers of the 200 it
replaces. A file stored compressed beside the original (``main.css.gz``,
``main.css.br``) is sent to the clients whose ``Accept-Encoding`` accepts
that coding (``q=0`` refuses it), with the original's ETag made weak: its
bytes are not the original's, and a range of one must never be joined to the
other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.util import FileWrapper

from roob._types import WSGIApp
from roob.compression import accepted_codings
from roob.conditional import (
    check_precondition_of,
    if_range_holds,
    is_not_modified,
    not_modified_response,
)
from roob.exceptions import PreconditionFailed
from roob.responses import send_json

__all__ = ["static_files"]

# What WhiteNoise must not read itself: it compares If-None-Match as a string (a
# list, *, or the weak tag of a compressed file never match) and reads a year past
# 9999 in If-Modified-Since as a date.
_DECIDED_BY_ROOB = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_STORED_CODINGS = ("br", "gzip")  # the files WhiteNoise looks for beside each file


def static_files(
    app: WSGIApp,
    directory: str | os.PathLike[str] | None,
    *,
    url_prefix: str = "/",
    autorefresh: bool = False,
    max_age: int | None = 60,
) -> WSGIApp:
    """``app`` with the files of ``directory`` served in front of it.

    Returns ``app`` itself when there is no such directory, so an application
    without static files pays nothing for the feature.
    """
    if directory is None or not os.path.isdir(directory):
        return app
    from whitenoise import WhiteNoise  # loaded only by applications that serve files

    def cache_control(headers: Any, path: str, url: str) -> None:
        # WhiteNoise adds "public", which only matters for an answer to a request
        # with credentials (Authorization): there it would let a shared cache keep
        # the file and give it to anyone. Other answers are stored without it.
        if max_age is not None:
            headers["Cache-Control"] = f"max-age={max_age}"
        headers["Accept-Ranges"] = "bytes"  # WhiteNoise serves them, and does not say so

    prefix = "/" + url_prefix.strip("/")
    static = WhiteNoise(
        app,
        root=os.fspath(directory),
        prefix=prefix if prefix != "/" else None,
        autorefresh=autorefresh,
        max_age=max_age,
        add_headers_function=cache_control,
    )
    static.serve = _serve
    return static  # type: ignore[no-any-return]


def _serve(
    static_file: Any, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """WhiteNoise's ``serve``, with Roob's conditional requests and its errors sent like
    Roob's: JSON ``{"message": ...}``.

    WhiteNoise answers a method other than GET and HEAD with a 405, and a range
    past the end of the file with a 416, both without a body.
    """
    method = environ["REQUEST_METHOD"]
    request_headers = _for_whitenoise(environ)
    if method in ("GET", "HEAD"):
        _, headers = static_file.get_path_and_headers(request_headers)
        headers = _own_tag(list(headers))  # those of the 200 this request would get
        try:
            check_precondition_of(environ, headers)
        except PreconditionFailed as exc:
            return send_json(start_response, "412 Precondition Failed", exc.body(), environ, [])
        if is_not_modified(environ, headers):
            return not_modified_response(environ, headers)(environ, start_response)
        if "HTTP_RANGE" in request_headers and not if_range_holds(environ, headers):
            del request_headers["HTTP_RANGE"]  # the whole file: the client's part is stale
    response = static_file.get_response(method, request_headers)
    status = response.status
    headers = _own_tag(list(response.headers))
    if status >= 400:
        if status == 405:
            message = f"{method} request is not allowed for {environ.get('PATH_INFO', '')}"
        else:
            message = status.phrase
        return send_json(start_response, f"{status} {status.phrase}", {"message": message},
                         environ, headers)  # fmt: skip
    start_response(f"{status} {status.phrase}", headers)
    if response.file is None:
        return []
    return environ.get("wsgi.file_wrapper", FileWrapper)(response.file)  # type: ignore[no-any-return]


def _own_tag(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with the ETag of a file stored compressed made weak: WhiteNoise gives
    ``main.css.gz`` the strong tag of ``main.css``, and a strong tag names one set of
    bytes (RFC 9110, 8.8.3): an ``If-Range`` resumed under another ``Accept-Encoding``
    would join bytes of both. Weak, as :class:`~roob.GZipMiddleware` makes its own."""
    if not any(name.lower() == "content-encoding" for name, _ in headers):
        return headers
    return [
        (name, "W/" + value)
        if name.lower() == "etag" and not value.startswith("W/")
        else (name, value)
        for name, value in headers
    ]


def _for_whitenoise(environ: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``environ`` without the conditions Roob decides, and with an
    ``Accept-Encoding`` that names only the stored codings the client accepts
    (WhiteNoise looks for the coding's name and would ignore ``q=0``)."""
    request_headers = {k: v for k, v in environ.items() if k not in _DECIDED_BY_ROOB}
    accept = environ.get("HTTP_ACCEPT_ENCODING")
    if accept is not None:
        request_headers["HTTP_ACCEPT_ENCODING"] = ", ".join(
            accepted_codings(accept, _STORED_CODINGS)
        )
    return request_headers
