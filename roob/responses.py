"""Responses, and how a view's return value becomes one.

A view may return:

=============================  ==============================================
``dict`` or ``list``           JSON, status 200
``str``                        ``text/html; charset=UTF-8``
``bytes``                      ``application/octet-stream``
``None``                       204 No Content
``(body, status)``             any body above with that status
``(body, status, headers)``    ... and headers (a dict or a list of pairs)
a ``Response``                 sent as it is (any WebOb response, or any
                               WSGI application object)
=============================  ==============================================

:class:`Response` is a :class:`webob.Response` whose constructor takes a fast
path for the common arguments (``body``, ``text``, ``json``, ``status``,
``content_type``, ``headers``) and behaves like WebOb's for everything else.
For speed it sets WebOb's private fields itself and imports two of its private
names: that is safe only with the WebOb release pyproject.toml pins (<1.9),
and tests/test_responses.py compares the result with ``webob.Response``'s.
"""

from __future__ import annotations

import email.utils
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import webob
from webob.response import EmptyResponse, _content_type_has_charset
from webob.util import status_generic_reasons, status_reasons

from roob._types import Headers, StartResponse, WSGIApp
from roob.exceptions import UnsafeHeader
from roob.httpdate import parse_http_date
from roob.jsoncodec import dump_json
from roob.logs import logger

__all__ = [
    "Response",
    "add_vary",
    "dump_json",
    "held_until_body",
    "internal_error_message",
    "prefers_html",
    "send_json",
    "status_line",
    "to_response",
]


_MARKER: Any = object()
_NO_BODY_CODES = frozenset({"204", "205", "304"})


@functools.lru_cache(maxsize=512)
def status_line(status: int | str) -> str:
    """``201`` -> ``'201 Created'``; a string status is checked and kept."""
    if isinstance(status, str):
        code, _, reason = status.strip().partition(" ")
        if not code.isdigit() or len(code) != 3:
            raise ValueError(f"invalid HTTP status {status!r}")
        return f"{code} {reason}" if reason else status_line(int(code))
    number = int(status)
    if not 100 <= number <= 999:
        raise ValueError(f"invalid HTTP status {status!r}")
    reason = status_reasons.get(number) or status_generic_reasons.get(number // 100, "Unknown")
    return f"{number} {reason}"


@functools.lru_cache(maxsize=128)
def _utf8_or_none(content_type: str) -> bool:
    """Whether ``content_type`` names no charset, or UTF-8 (text is then encoded here)."""
    _, _, charset = content_type.lower().partition("charset=")
    return charset.split(";", 1)[0].strip().strip('"') in ("", "utf-8", "utf8")


@functools.lru_cache(maxsize=128)
def _content_type_header(content_type: str) -> str:
    if "charset=" not in content_type and (
        content_type == "text/html" or _content_type_has_charset(content_type)
    ):
        return content_type + "; charset=UTF-8"
    return content_type


# RFC 9110: a name is a token; a value is visible ASCII, spaces and obs-text (Latin-1,
# as PEP 3333 requires). Tabs and other control characters are refused, as wsgiref does.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_NOT_IN_HEADER_VALUE = re.compile(r"[^\x20-\x7e\x80-\xff]")


def _header_items(headers: Headers) -> list[tuple[str, str]]:
    """The headers a view gives, checked: a line break in one would split the response."""
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    for name, value in items:
        if not isinstance(value, str):
            raise TypeError(f"header {name!r} must be a str, not {type(value).__name__}")
        if not _HEADER_NAME.fullmatch(name) or _NOT_IN_HEADER_VALUE.search(value):
            logger.warning("refused the response header %r: %r", name, value)
            raise UnsafeHeader(name)
    return items


class Response(webob.Response):  # type: ignore[misc]
    """A :class:`webob.Response`, quicker to build for the usual arguments.

    ``Response(json={...})``, ``Response(text="...")``, ``Response(body=b"...")``
    with ``status=`` (an ``int`` or ``"201 Created"``), ``content_type=`` and
    ``headers=`` (a dict or a list of pairs, *added* to the ones the response
    sets itself). Anything else is passed on to WebOb unchanged.
    """

    # Class-level defaults the fast constructor relies on instead of setting them.
    conditional_response = False
    _headers = None

    def __init__(
        self,
        body: bytes | None = None,
        status: int | str | None = None,
        headerlist: list[tuple[str, str]] | None = None,
        app_iter: Iterable[bytes] | None = None,
        content_type: str | None = None,
        conditional_response: bool | None = None,
        charset: Any = _MARKER,
        *,
        text: str | None = None,
        json: Any = _MARKER,
        json_body: Any = _MARKER,
        headers: Headers | None = None,
        **kw: Any,
    ) -> None:
        if (
            kw
            or headerlist is not None
            or app_iter is not None
            or conditional_response is not None
            or charset is not _MARKER
            or not (body is None or type(body) is bytes)
            or (text is not None and (body is not None or json is not _MARKER))
            or (text is not None and content_type is not None and not _utf8_or_none(content_type))
        ):
            # Anything unusual: WebOb's own constructor, exactly.
            if text is not None:
                kw["text"] = text
            if json is not _MARKER:
                kw["json"] = json
            if json_body is not _MARKER:
                kw["json_body"] = json_body
            if charset is not _MARKER:  # WebOb has its own marker for "not given"
                kw["charset"] = charset
            super().__init__(
                body, status, headerlist, app_iter, content_type, conditional_response, **kw
            )
            if headers:
                self.headerlist.extend(_header_items(headers))
            return

        if text is not None:
            body = text.encode("utf-8")
        elif json is not _MARKER or json_body is not _MARKER:
            body = dump_json(json if json is not _MARKER else json_body)
            if content_type is None:
                content_type = "application/json"
        line = "200 OK" if status is None else status_line(status)
        self._status = line
        if line[0] == "1" or line[:3] in _NO_BODY_CODES:
            self._headerlist = []
            self._app_iter = [b""]
        else:
            if body is None:
                body = b""
            self._headerlist = [
                ("Content-Type", _content_type_header(content_type or "text/html")),
                ("Content-Length", str(len(body))),
            ]
            self._app_iter = [body]
        if headers:
            self._headerlist.extend(_header_items(headers))

    def _abs_headerlist(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """The headers as they are: WebOb would make a relative ``Location`` absolute with
        the request's ``Host`` header, which any client can set to anything."""
        return list(self._headerlist)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Send the response (WebOb's ``__call__`` without its per-call copying)."""
        if self.conditional_response:
            environ = _valid_dates_only(environ)
            return super().__call__(environ, start_response)  # type: ignore[no-any-return]
        start_response(self._status, self._headerlist)
        if environ["REQUEST_METHOD"] == "HEAD":
            return EmptyResponse(self._app_iter)  # type: ignore[no-any-return]
        return self._app_iter


def _valid_dates_only(environ: dict[str, Any]) -> dict[str, Any]:
    """``environ`` for WebOb's conditional answer (``conditional_response=True``): the
    dates WebOb reads (``If-Modified-Since``, an ``If-Range`` date) are the moments Roob
    reads, written as IMF-fixdates, and one that is not an HTTP date is dropped (an
    ``If-Range`` with its ``Range``: the condition fails, the whole body is sent).
    WebOb's parser raises on some (a year past 9999), and reads a year 0026 as 2026
    and an RFC 850 ``70`` as 1970 (RFC 9110, 5.6.7: 2070 until 2020 is over)."""
    changed: dict[str, str | None] = {}
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None:
        changed["HTTP_IF_MODIFIED_SINCE"] = _date_for_webob(since)
    if_range = environ.get("HTTP_IF_RANGE")
    if if_range and if_range.endswith(" GMT"):  # a date, as WebOb tells dates from tags
        changed["HTTP_IF_RANGE"] = _date_for_webob(if_range)
        if changed["HTTP_IF_RANGE"] is None:
            changed["HTTP_RANGE"] = None
    if not changed:
        return environ
    copy = {key: value for key, value in environ.items() if key not in changed}
    copy.update((key, value) for key, value in changed.items() if value is not None)
    return copy


def _date_for_webob(value: str) -> str | None:
    """``value`` as an IMF-fixdate WebOb reads as Roob does, or None for a value that
    is not an HTTP date or a year WebOb cannot read (below 100: it adds 1900 or 2000)."""
    date = parse_http_date(value)
    if date is None or date.year < 100:
        return None
    return email.utils.format_datetime(date, usegmt=True)


def _from_tuple(value: tuple[Any, ...]) -> webob.Response:
    if len(value) not in (2, 3) or (type(value[0]) is int and type(value[1]) is not int):
        raise TypeError(
            f"a view returned ({', '.join(type(v).__name__ for v in value)}); "
            "return (body, status) or (body, status, headers), the body first"
        )
    body, status, headers = value if len(value) == 3 else (*value, None)
    if isinstance(body, webob.Response):
        body.status = status_line(status)
        if headers:
            body.headerlist.extend(_header_items(headers))
        return body
    response = _from_body(body, status)
    if headers:
        _merge_headers(response, _header_items(headers))
    return response


def _merge_headers(response: webob.Response, items: list[tuple[str, str]]) -> None:
    """Add ``items``; a Content-Type among them replaces the response's own."""
    for name, value in items:
        if name.lower() == "content-type":
            response.headers["Content-Type"] = value
        else:
            response.headerlist.append((name, value))


def _from_body(body: Any, status: int | str | None = None) -> Response:
    if body is None:
        return Response(status=204 if status is None else status)
    if isinstance(body, dict | list):
        return Response(json=body, status=status)
    if isinstance(body, str):
        return Response(text=body, status=status)
    if isinstance(body, bytes | bytearray | memoryview):
        return Response(body=bytes(body), status=status, content_type="application/octet-stream")
    if hasattr(body, "model_dump") and not isinstance(body, type):  # a pydantic model
        return Response(json=body, status=status)
    raise TypeError(
        f"a view returned {type(body).__name__}; return a Response, dict, list, str, "
        "bytes, None, or a (body, status[, headers]) tuple"
    )


def to_response(value: Any) -> WSGIApp:
    """Turn a view's return value into a WSGI response object."""
    if isinstance(value, webob.Response):
        return value  # type: ignore[no-any-return]
    if isinstance(value, tuple):
        return _from_tuple(value)  # type: ignore[no-any-return]
    if callable(value):
        return value  # type: ignore[no-any-return]
    return _from_body(value)


def add_vary(headers: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    """``headers`` with ``value`` in their ``Vary``: added to the first ``Vary`` header, or
    as a new one; ``headers`` as they are when a ``Vary`` names it already or is ``*``."""
    first = None
    for index, (name, current) in enumerate(headers):
        if name.lower() == "vary":
            named = {part.strip().lower() for part in current.split(",")}
            if "*" in named or value.lower() in named:
                return headers
            if first is None:
                first = index
    if first is None:
        return [*headers, ("Vary", value)]
    name, current = headers[first]
    return [*headers[:first], (name, f"{current}, {value}"), *headers[first + 1 :]]


def prefers_html(request: Any) -> bool:
    """Whether the client (a browser) would rather have an HTML page than JSON."""
    offers = request.accept.acceptable_offers(["application/json", "text/html"])
    return bool(offers) and offers[0][0] == "text/html"


def send_json(
    start_response: StartResponse,
    status: str,
    document: Any,
    environ: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
    exc_info: Any = None,
) -> list[bytes]:
    """Start a JSON response straight away (no Response object): for middleware and errors.

    The body is left out for HEAD requests; ``headers`` come before the JSON ones.
    """
    payload = dump_json(document)
    start_response(
        status,
        [*(headers or ()), ("Content-Type", "application/json"),
         ("Content-Length", str(len(payload)))],
        exc_info,
    )  # fmt: skip
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [payload]


def internal_error_message(environ: dict[str, Any], exc: BaseException, debug: bool) -> str:
    """Log ``exc`` as the unhandled exception of a request; the message a 500 carries.

    The exception's text is in the message only when ``debug`` is on.
    """
    logger.error(
        "Unhandled exception: %s %s",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return f"{type(exc).__name__}: {exc}" if debug else "Internal Server Error"


class _Held:
    """A ``start_response`` that keeps the status and headers until :meth:`release`."""

    def __init__(self, start_response: StartResponse) -> None:
        self.start_response = start_response
        self.status_and_headers: tuple[str, list[tuple[str, str]]] = ("", [])
        self.write: Callable[[bytes], Any] | None = None  # the server's, once released

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if self.write is not None and exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])  # PEP 3333: too late to change
        self.status_and_headers = (status, headers)
        return self.legacy_write

    def release(self) -> None:
        if self.write is None:
            self.write = self.start_response(*self.status_and_headers)

    def legacy_write(self, data: bytes) -> None:
        self.release()
        assert self.write is not None
        self.write(data)


def held_until_body(
    app: WSGIApp,
    environ: dict[str, Any],
    start_response: StartResponse,
    fail: Callable[[Exception], list[bytes]],
) -> Iterable[bytes]:
    """Call ``app``; start its response once its first non-empty chunk is made.

    ``app``'s status and headers are held while its body makes that chunk
    (the first block of a file, the first line of an export): an exception
    until then goes to ``fail(exc)``, which starts its own response, so the
    client gets it whole, with none of the failed response's headers. Then
    ``start_response`` is called, before this function returns, and the body
    returned yields that chunk and the rest; a body of empty chunks only is
    started when it ends. Some servers read the status and headers only when
    the application returns (granian, emmett-framework/granian#845): they get
    them. After the start only the connection can carry the news: an error is
    logged and raised again, so that the server aborts it and no client takes
    the body cut short for a complete one. ``close()`` on the body returned
    reaches ``app``'s body, iterated or not (PEP 3333).
    """
    held = _Held(start_response)
    try:
        body = app(environ, held)
    except Exception as exc:
        if held.write is not None:
            raise
        return fail(exc)
    if isinstance(body, list | tuple):  # nothing left that can fail
        held.release()
        return body
    first = b""
    try:
        chunks = iter(body)
        for first in chunks:
            if first:  # a server may send the headers on an empty chunk
                break
        held.release()
    except Exception as exc:
        if held.write is None:
            try:
                return _Answered(fail(exc), body)
            except BaseException:
                _close(body)
                raise
        _close(body)
        _log_after_start(environ, exc)
        raise
    return _Started(first, chunks, body, environ)


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _log_after_start(environ: dict[str, Any], exc: Exception) -> None:
    if not getattr(exc, "_roob_logged", False):  # once, when middleware nests
        logger.error(
            "Error after the response started, connection aborted: %s %s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        exc._roob_logged = True  # type: ignore[attr-defined]


class _Answered:
    """The error answer ``fail`` made for a body that broke before its first byte; its
    ``close()`` closes that body (PEP 3333: whatever happened, the server closes it)."""

    def __init__(self, answer: list[bytes], body: Iterable[bytes]) -> None:
        self.answer, self.body = answer, body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.answer)

    def close(self) -> None:
        _close(self.body)


class _Started:
    """The body of :func:`held_until_body` once started: the first chunk, then the rest;
    ``close()`` closes the inner body even if never iterated (PEP 3333)."""

    def __init__(
        self,
        first: bytes,
        chunks: Iterator[bytes],
        body: Iterable[bytes],
        environ: dict[str, Any],
    ) -> None:
        self.first, self.chunks, self.body, self.environ = first, chunks, body, environ

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        try:
            yield from self.chunks
        except Exception as exc:
            _log_after_start(self.environ, exc)
            raise

    def close(self) -> None:
        _close(self.body)
