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


__all__ = ["static_files"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


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
    return WhiteNoise(  # type: ignore[no-any-return]
        app,
        root=os.fspath(directory),
        prefix=prefix if prefix != "/" else None,
        autorefresh=autorefresh,
        max_age=max_age,
    )
