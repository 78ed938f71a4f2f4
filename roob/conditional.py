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
validators. Before that, a request whose ``If-Match`` does not hold the
answer's ETag, or whose ``If-Unmodified-Since`` is older than its
``Last-Modified``, gets a 412 (RFC 9110, 13.2.2). A streamed body is not
hashed. Routes without the option pay nothing. The ETag is of what the view
and its router's hooks answered; an application ``after_request`` hook that
changes the body should drop it.

Unsafe methods cannot be checked after the fact: a view that wants lost
updates refused says what its resource's validators are *before* it
changes anything::

    @app.put("/notes/{id:d}")
    def update(request, id):
        check_precondition(request, etag=etag_of(notes[id]))   # 412 if If-Match fails
        ...

The client's headers are read as RFC 9110 (13.1) spells them: a date that is
not an HTTP date is ignored (roob/httpdate.py), an ``If-Match`` or
``If-None-Match`` that is not ``*`` or a list of quoted entity tags (empty,
say) matches nothing, and ``If-Match`` compares strongly (``W/"x"`` never
matches). Static files (roob/staticfiles.py) are answered by the same rules.

A 304 stands for the 200 it replaces: it keeps that answer's caching headers,
and leaves the 200's headers in the WSGI environ under
:data:`REPLACED_HEADERS_KEY`, so that a middleware that would have changed the
200 can change the 304 alike (:class:`~roob.GZipMiddleware` adds
``Vary: Accept-Encoding`` and makes the ETag weak, as it does for the 200).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from typing import Any

import webob

from roob._types import View
from roob.exceptions import PreconditionFailed
from roob.httpdate import parse_http_date
from roob.responses import Response, to_response

__all__ = [
    "REPLACED_HEADERS_KEY",
    "check_precondition",
    "check_precondition_of",
    "conditional_view",
    "etag_of",
    "if_range_holds",
    "is_not_modified",
    "not_modified",
    "not_modified_response",
]

#: The WSGI environ key under which a 304 made by Roob leaves the headers of the
#: 200 it replaces (a list of ``(name, value)``), for the middleware outside it.
REPLACED_HEADERS_KEY = "roob.replaced_headers"

# The headers a 304 keeps (RFC 9110, 15.4.5).
_KEPT_BY_304 = frozenset(
    {"etag", "last-modified", "cache-control", "expires", "vary", "content-location", "date"}
)
# One element of an entity-tag list (RFC 9110, 8.8.3 and 5.6.1): OWS, an optional tag
# (W/ is case-sensitive; etagc is %x21 / %x23-7E / obs-text), OWS, then a comma or the end.
_LIST_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|\Z)')
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*')

EntityTag = tuple[bool, str]  # (weak, opaque-tag)

_IF_MATCH_FAILS = "If-Match does not hold: the resource changed since the client read it"
_IF_UNMODIFIED_SINCE_FAILS = "If-Unmodified-Since does not hold: the resource changed since then"


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
    environ = request.environ
    check_precondition_of(environ, response.headerlist)
    if not is_not_modified(environ, response.headerlist):
        return response
    return not_modified_response(environ, response.headerlist)


def check_precondition_of(environ: dict[str, Any], headers: list[tuple[str, str]]) -> None:
    """Raise :class:`~roob.PreconditionFailed` (412) if the request's ``If-Match`` does
    not hold the ``ETag`` of a 200 with ``headers`` (strong comparison), or, without
    ``If-Match``, its ``If-Unmodified-Since`` is older than that 200's
    ``Last-Modified`` (RFC 9110, 13.2.2; ignored when there is none, 13.1.4)."""
    if_match = environ.get("HTTP_IF_MATCH")
    if if_match is not None:
        if not _list_holds(if_match, _entity_tag(_header(headers, "etag")), strong=True):
            raise PreconditionFailed(_IF_MATCH_FAILS)
        return
    since = parse_http_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
    if since is None:
        return
    modified = parse_http_date(_header(headers, "last-modified"))
    if modified is not None and modified > since:
        raise PreconditionFailed(_IF_UNMODIFIED_SINCE_FAILS)


def is_not_modified(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    """Whether a GET or HEAD may be answered 304 instead of a 200 with ``headers``.

    With ``If-None-Match``: if it is ``*`` or holds the 200's ``ETag`` (weak
    comparison). Without it: if ``If-Modified-Since`` is a valid date not
    older than the 200's ``Last-Modified`` (RFC 9110, 13.1.2, 13.1.3, 13.2.2).
    """
    none_match = environ.get("HTTP_IF_NONE_MATCH")
    if none_match is not None:
        return _list_holds(none_match, _entity_tag(_header(headers, "etag")), strong=False)
    since = parse_http_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    if since is None:
        return False
    modified = parse_http_date(_header(headers, "last-modified"))
    return modified is not None and modified <= since


def not_modified_response(environ: dict[str, Any], headers: list[tuple[str, str]]) -> Response:
    """The 304 that replaces a 200 with ``headers``: it keeps their ``ETag``,
    ``Last-Modified``, ``Cache-Control``, ``Expires``, ``Vary``,
    ``Content-Location`` and ``Date`` (RFC 9110, 15.4.5), and leaves ``headers``
    in ``environ`` under :data:`REPLACED_HEADERS_KEY`."""
    environ[REPLACED_HEADERS_KEY] = headers
    kept = [(name, value) for name, value in headers if name.lower() in _KEPT_BY_304]
    return Response(status=304, headerlist=kept)


def if_range_holds(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    """Whether the ``Range`` of a request may be served from the 200 with ``headers``
    (RFC 9110, 13.1.5): yes without ``If-Range``; with one, only if it names that
    representation: its strong ``ETag``, or exactly its ``Last-Modified``. A weak
    tag, or a value that is neither a tag nor a date, names nothing."""
    value = environ.get("HTTP_IF_RANGE")
    if value is None:
        return True
    if value.lstrip(" \t").startswith(('"', "W/")):
        tag, current = _entity_tag(value), _entity_tag(_header(headers, "etag"))
        return tag is not None and current is not None and _strong_match(tag, current)
    date = parse_http_date(value)
    return date is not None and date == parse_http_date(_header(headers, "last-modified"))


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
    ``If-Match`` compares strongly, ``*`` matches any existing resource, and an
    empty or unreadable ``If-Match`` matches none. ``If-Unmodified-Since`` is
    checked only without ``If-Match``; a value that is not a date is ignored.
    """
    environ = request.environ
    if_match = environ.get("HTTP_IF_MATCH")
    if if_match is not None:
        if etag is None or not _list_holds(if_match, (False, etag), strong=True):
            raise PreconditionFailed(_IF_MATCH_FAILS)
        return
    since = parse_http_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
    if since is None:
        return
    if last_modified is not None:
        if last_modified.tzinfo is None:  # naive: taken as UTC
            last_modified = last_modified.replace(tzinfo=datetime.UTC)
        last_modified = last_modified.replace(microsecond=0)  # HTTP dates have seconds
    if last_modified is None or last_modified > since:
        raise PreconditionFailed(_IF_UNMODIFIED_SINCE_FAILS)


def _list_holds(field: str, current: EntityTag | None, *, strong: bool) -> bool:
    """Whether an ``If-Match`` / ``If-None-Match`` value holds the ``current`` tag of an
    existing representation (``*`` holds for any, even one without a readable tag)."""
    if field.strip(" \t") == "*":
        return True
    return current is not None and any(
        _strong_match(tag, current) if strong else tag[1] == current[1]
        for tag in _entity_tags(field)
    )


def _entity_tags(field: str) -> list[EntityTag]:
    """The tags of a list of entity tags; none for a value that is not such a list."""
    tags = []
    position, end = 0, len(field)
    while position < end:
        element = _LIST_ELEMENT.match(field, position)
        if element is None:
            return []  # not a list of quoted tags: it names nothing
        if element[2] is not None:
            tags.append((element[1] is not None, element[2]))
        position = element.end()
    return tags


def _entity_tag(value: str | None) -> EntityTag | None:
    """The tag of an ``ETag`` or ``If-Range`` value, or None if it holds no single tag."""
    found = None if value is None else _ENTITY_TAG.fullmatch(value)
    return None if found is None else (found[1] is not None, found[2])


def _strong_match(tag: EntityTag, other: EntityTag) -> bool:
    return not tag[0] and not other[0] and tag[1] == other[1]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)
