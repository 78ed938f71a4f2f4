"""Conditional requests: ETags, 304 Not Modified and 412 Precondition Failed.

``Roob(conditional=True)``, or ``conditional=True`` on a route, makes the
GET (and HEAD) answers of views conditional::

    @app.get("/notes/{id:d}", conditional=True)
    def note(request, id):
        return notes[id]          # sent with ETag: "<hash of the body>"

A 200 answer whose body is known gets a strong ``ETag`` (a hash of the body)
unless the view set one; a request whose ``If-None-Match`` holds it (weak
comparison, ``*`` included), or else whose ``If-Modified-Since`` is not older
than the ``Last-Modified`` the view set, gets a 304 with no body and the
validators. A streamed body is not hashed. Routes without the option pay
nothing. The ETag is of what the view and its router's hooks answered; an
application ``after_request`` hook that changes the body should drop it.

Unsafe methods cannot be checked after the fact: a view that wants lost
updates refused says what its resource's validators are *before* it
changes anything::

    @app.put("/notes/{id:d}")
    def update(request, id):
        check_precondition(request, etag=etag_of(notes[id]))   # 412 if If-Match fails
        ...
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from typing import Any

import webob

from roob._types import View
from roob.exceptions import PreconditionFailed
from roob.responses import Response, to_response

__all__ = ["check_precondition", "conditional_view", "etag_of", "not_modified"]

# The headers a 304 keeps (RFC 9110, 15.4.5).
_KEPT_BY_304 = frozenset(
    {"etag", "last-modified", "cache-control", "expires", "vary", "content-location", "date"}
)


def etag_of(data: bytes | str) -> str:
    """A strong entity tag for ``data`` (unquoted, as ``response.etag`` takes it)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def not_modified(request: Any, response: Any) -> Any:
    """``response`` with an ETag, or a 304 in its place when the client's copy is current."""
    if not isinstance(response, webob.Response) or response.status_code != 200:
        return response
    if response.etag is None:
        app_iter = response._app_iter
        if type(app_iter) is not list:
            return response  # a stream: its body is not known yet
        response.etag = etag_of(b"".join(app_iter))
    if "HTTP_IF_NONE_MATCH" in request.environ:  # (WebOb's matcher for * is falsy)
        fresh = response.etag in request.if_none_match
    else:
        since = request.if_modified_since
        modified = response.last_modified
        fresh = since is not None and modified is not None and modified <= since
    if not fresh:
        return response
    kept = [(name, value) for name, value in response.headerlist if name.lower() in _KEPT_BY_304]
    return Response(status=304, headerlist=kept)


def conditional_view(view: View) -> View:
    """``view`` whose answers go through :func:`not_modified`."""

    @functools.wraps(view)
    def conditional(request: Any, **params: Any) -> Any:
        return not_modified(request, to_response(view(request, **params)))

    return conditional


def check_precondition(
    request: Any, *, etag: str | None = None, last_modified: datetime.datetime | None = None
) -> None:
    """Raise :class:`~roob.PreconditionFailed` (412) if the request's ``If-Match`` or
    ``If-Unmodified-Since`` does not hold for a resource with these validators.

    ``etag`` is the resource's current entity tag (None: it does not exist);
    ``If-Match`` compares strongly, and ``*`` matches any existing resource.
    ``If-Unmodified-Since`` is checked only without ``If-Match``.
    """
    if request.headers.get("If-Match") is not None:
        if etag is None or etag not in request.if_match:
            raise PreconditionFailed(
                "If-Match does not hold: the resource changed since the client read it"
            )
        return
    since = request.if_unmodified_since
    if since is not None and last_modified is not None:
        if last_modified.tzinfo is None:  # naive: taken as UTC
            last_modified = last_modified.replace(tzinfo=datetime.UTC)
        last_modified = last_modified.replace(microsecond=0)  # HTTP dates have seconds
    if since is not None and (last_modified is None or last_modified > since):
        raise PreconditionFailed(
            "If-Unmodified-Since does not hold: the resource changed since then"
        )
