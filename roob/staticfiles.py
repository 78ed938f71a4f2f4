"""Static files, served by WhiteNoise from the application's ``static_dir``.

With the default ``static_url="/"`` a file ``static/css/main.css`` is served at
``/css/main.css``. WhiteNoise sets caching headers and answers conditional
and range requests; files are indexed once at start-up (and looked up on
disk on every request when ``debug=True``, so edits show at once). A
``static_dir`` that does not exist simply serves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.util import FileWrapper

from roob._types import WSGIApp
from roob.responses import send_json

__all__ = ["static_files"]


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

    prefix = "/" + url_prefix.strip("/")
    static = WhiteNoise(
        app,
        root=os.fspath(directory),
        prefix=prefix if prefix != "/" else None,
        autorefresh=autorefresh,
        max_age=max_age,
    )
    static.serve = _serve
    return static  # type: ignore[no-any-return]


def _serve(
    static_file: Any, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """WhiteNoise's ``serve``, its errors sent like Roob's: JSON ``{"message": ...}``.

    WhiteNoise answers a method other than GET and HEAD with a 405, and a range
    past the end of the file with a 416, both without a body.
    """
    method = environ["REQUEST_METHOD"]
    response = static_file.get_response(method, environ)
    status = response.status
    headers = list(response.headers)
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
