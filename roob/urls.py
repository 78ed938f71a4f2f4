"""URLs: links to routes and static files, absolute URLs, and redirects.

::

    request.url_for("note", id=3)                 # "/sub/notes/3" when mounted at /sub
    request.url_for("note", id=3, external=True)  # "https://notes.example/sub/notes/3"
    app.url_for_static("site.css")                # "/static/site.css?v=1c9a4e70b3f2"
    return redirect("note", id=3)                 # 303 See Other, Location: /sub/notes/3

Paths are built from the route's pattern and include the ``SCRIPT_NAME`` of
the request being served (the prefix an application mounted below the root
of a site is served under), so a link is right wherever the application is
mounted. ``app.url_for`` does the same during a request, and gives the
path from the root of the application outside one.

An absolute URL needs an origin that a client cannot choose: the
application's ``public_origin``, or else the request's ``Host`` once
:class:`~roob.TrustedHostMiddleware` has checked it against its allowed
hosts. With neither, ``external=True`` is a :class:`~roob.ConfigurationError`:
a ``Host`` header is whatever the client sends, and a link built from it can
point anywhere (password-reset poisoning).
"""

from __future__ import annotations

import hashlib
import os
import sys
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from roob.exceptions import ConfigurationError, UnsafeRedirect
from roob.responses import Response

if TYPE_CHECKING:
    from roob.requests import Request

__all__ = [
    "REDIRECT_STATUSES",
    "TRUSTED_HOST_KEY",
    "current_request",
    "external_origin",
    "redirect",
    "request_frame",
    "static_version",
]

#: The statuses :func:`redirect` sends.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Set in the WSGI environ by TrustedHostMiddleware once it has checked the Host header.
TRUSTED_HOST_KEY = "roob.trusted_host"

_REQUEST_FRAMES: dict[CodeType, str] = {}


def request_frame(code: CodeType, variable: str) -> None:
    """Make calls of ``code`` known as serving a request, held in its local ``variable``."""
    _REQUEST_FRAMES[code] = variable


def current_request() -> Request | None:
    """The request the calling thread is serving, or None outside a request.

    It is found on the stack, in the application's dispatch frame, so that
    serving requests costs nothing for it; a body streamed after the view
    returned runs outside the request.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        variable = _REQUEST_FRAMES.get(frame.f_code)
        if variable is not None:
            return frame.f_locals.get(variable)
        frame = frame.f_back
    return None


def external_origin(request: Request, public_origin: str | None) -> str:
    """``scheme://host[:port]`` for absolute URLs; see the module's documentation."""
    if public_origin:
        return public_origin
    environ = request.environ
    host = environ.get(TRUSTED_HOST_KEY)
    if host is None:
        raise ConfigurationError(
            "an absolute URL (external=True) needs an origin a client cannot forge: "
            "give the application public_origin='https://your.host', or check the "
            "Host header with TrustedHostMiddleware(allowed_hosts=[...])"
        )
    scheme = environ.get("wsgi.url_scheme", "http")
    default_port = ":443" if scheme == "https" else ":80"
    return f"{scheme}://{host.removesuffix(default_port)}"


def check_public_origin(origin: str | None) -> str | None:
    """``origin`` checked: ``scheme://host[:port]`` with nothing after it."""
    if origin is None:
        return None
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path.strip("/")
        or (parts.query or parts.fragment)
    ):
        raise ConfigurationError(
            f"public_origin={origin!r} must be a scheme and a host, such as "
            "'https://shop.example' or 'http://127.0.0.1:8000', with no path"
        )
    return f"{parts.scheme}://{parts.netloc}"


_versions: dict[str, tuple[float, int, str]] = {}


def static_version(path: str) -> str:
    """A short hash of the file's content, recomputed when the file changes."""
    stat = os.stat(path)
    known = _versions.get(path)
    if known is not None and known[:2] == (stat.st_mtime, stat.st_size):
        return known[2]
    digest = hashlib.blake2b(digest_size=6)
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    version = digest.hexdigest()
    _versions[path] = (stat.st_mtime, stat.st_size, version)
    return version


def redirect(location: str, /, status: int = 303, **params: Any) -> Response:
    """A response that sends the client to ``location``.

    ``location`` is a URL (``"/notes"``, ``"https://example.com/"``, ``"?page=2"``,
    ``"./edit"``: anything with ``/``, ``?``, ``#`` or ``:``) or the name of a
    route, whose path is built with ``params`` as
    :meth:`Request.url_for <roob.Request.url_for>` does (``redirect("note", id=3)``).
    ``status`` is 303 by default (See Other: the client GETs the new URL, the
    answer to a form POST), or 301, 302, 307 or 308.
    """
    if status not in REDIRECT_STATUSES:
        raise ConfigurationError(
            f"redirect(status={status!r}): a redirect is 301, 302, 303, 307 or 308 "
            "(303 after a form, 307/308 to repeat the method and body)"
        )
    if not isinstance(location, str) or not location:
        raise ConfigurationError(f"redirect() needs a URL or a route name, not {location!r}")
    if _is_route_name(location):
        request = current_request()
        if request is None or request.app is None:
            raise ConfigurationError(
                f"redirect({location!r}) names a route, which only the application serving "
                "a request can find: call it while serving one, or pass a URL "
                "(app.url_for(...))"
            )
        location = request.url_for(location, **params)
    elif params:
        raise ConfigurationError(
            f"redirect({location!r}, ...) is a URL: parameters are for route names"
        )
    else:
        scheme = urlsplit(location).scheme
        if scheme and scheme not in ("http", "https"):
            raise UnsafeRedirect(f"Redirect to a {scheme}: URL refused")
        if location.startswith(("//", "/\\")):
            raise UnsafeRedirect(
                "Redirect refused: a path starting with two slashes is another host (give "
                "the full URL if another host is meant)"
            )
    return Response(status=status, headers=[("Location", location)])


def _is_route_name(location: str) -> bool:
    """A route name has none of ``/ ? # :`` (a relative URL without them: ``./page``)."""
    return not any(char in location for char in "/?#:")
