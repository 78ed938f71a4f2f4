"""The request: a :class:`webob.Request` with a bounded body and strict JSON.

Everything WebOb offers is there (``request.GET``, ``request.headers``,
``request.cookies``, ...). Roob adds ``request.form`` and ``request.files``
(roob/forms.py), ``request.session`` (roob/sessions.py) and
``request.url_for`` (roob/urls.py), and these guarantees:

* a value the client did not send, read as a required one
  (``request.GET["page"]``, ``request.form["title"]``,
  ``request.headers["Authorization"]``, ``request.cookies["theme"]``), is a
  400 naming it (:class:`~roob.MissingField`, roob/multidicts.py), not a 500;

* the body is never read past ``max_body_size`` bytes: a longer
  ``Content-Length`` is refused before anything is read, and a chunked body
  is read only up to the limit; either way the client gets a 413;
* a body is never taken for an empty one: a chunked body on a server that
  cannot say where it ends (no ``Content-Length``, no
  ``wsgi.input_terminated``: uWSGI, a2wsgi) is a 411 when the view reads it;
  a ``Content-Length`` that is not a number, or one beside a
  ``Transfer-Encoding`` the server did not decode (uWSGI passes both on), is
  a 400, never a body read from the chunk framing; so is a body still in a
  transfer coding other than chunked (gunicorn passes ``gzip, chunked`` on);
* ``request.json`` parses the body as JSON whatever the Content-Type, and a
  body that is empty, not UTF-8, not JSON, or nested too deeply is a 400 with
  a message that says which; so is a query string that is not UTF-8;
* the client's dates (``request.if_modified_since``, ``if_unmodified_since``,
  ``if_range``, ``date``) are read strictly: a value that is not an HTTP date
  reads as absent, as RFC 9110 says to ignore it (WebOb's parser raises on a
  year past 9999, a 500, and reads 32 January as 1 February).

The files of a multipart body (``request.files``) are closed, and their
temporary files deleted, when the request ends (:meth:`Request.close`).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import webob
from webob.compat import parse_qsl_text
from webob.etag import IfRange, IfRangeDate, NoETag

from roob.exceptions import (
    BadRequest,
    ConfigurationError,
    LengthRequired,
    RequestEntityTooLarge,
)
from roob.httpdate import parse_http_date
from roob.jsoncodec import NotJSONConstant, load_json
from roob.logs import logger
from roob.multidicts import ClientCookies, ClientHeaders, QueryParams

if TYPE_CHECKING:
    import datetime

    from webob.multidict import MultiDict

    from roob.forms import UploadedFile
    from roob.routing import Route
    from roob.sessions import Session

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "ENDS_KEY",
    "REQUEST_ID_KEY",
    "ROUTE_KEY",
    "TRUSTED_HOST_KEY",
    "UPLOADS_KEY",
    "BoundedInput",
    "Request",
    "external_origin",
]


DEFAULT_MAX_BODY_SIZE = 1024 * 1024
_QUERY_CACHE = "webob._parsed_query_vars"
#: The environ key of the files of a parsed multipart body, until :meth:`Request.close`:
#: absent for every request that parsed none, so the end of those costs one key test.
UPLOADS_KEY = "roob.uploads"
#: In the environ when the request's end has work besides the teardown functions (uploaded
#: files to close, generator dependencies to finish: roob/lifecycle.py): dispatch tests
#: this one key, so the end of a request with neither costs one key test.
ENDS_KEY = "roob.ends"
#: The environ key of the request's id, set by :class:`~roob.RequestIDMiddleware`.
REQUEST_ID_KEY = "roob.request_id"
#: The environ key of the matched :class:`~roob.Route` (``request.route``), for WSGI
#: middleware: None for a 404 (roob/lifecycle.py).
ROUTE_KEY = "roob.route"
#: Set in the WSGI environ by TrustedHostMiddleware once it has checked the Host header.
TRUSTED_HOST_KEY = "roob.trusted_host"
_CHUNK = 64 * 1024
_UNSET: Any = object()


class BoundedInput:
    """``wsgi.input`` read through ``request``: a body the server cannot deframe is a 400,
    and one longer than ``limit`` a 413 as soon as a read passes it."""

    def __init__(self, request: Request, stream: Any, limit: int) -> None:
        self.request = request
        self.stream = stream
        self.left = limit

    def read(self, size: int) -> bytes:
        data = self.request._read(self.stream, min(size, self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise self.request._too_large()
        return data


def _date_header(key: str, inherited: Any) -> Any:
    """The request's date header ``key`` as WebOb's ``inherited`` property, read strictly."""

    def get(request: Request) -> datetime.datetime | None:
        return parse_http_date(request.environ.get(key))

    return property(get, inherited.fset, inherited.fdel, doc=inherited.__doc__)


class Request(webob.Request):  # type: ignore[misc]
    """An HTTP request. Views receive one as their first argument."""

    #: The most bytes of body this request will read; set per application
    #: with ``Roob(max_body_size=...)``.
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    #: The :class:`~roob.Roob` application serving the request (each application has
    #: its own subclass, which sets it): None for a request made by hand. Typed Any:
    #: roob/app.py imports this module, and no module of Roob imports back.
    app: ClassVar[Any] = None

    _json_cache: Any = _UNSET
    _form_cache: tuple[MultiDict, MultiDict] | None = None
    _session_cache: Session | None = None
    _headers: ClientHeaders | None = None  # WebOb's cache of request.headers

    def __init__(self, environ: dict[str, Any], charset: Any = None, **kw: Any) -> None:
        if charset is None and not kw and type(environ) is dict:
            # For speed: what WebOb's __init__ keeps of a bare environ, without its checks
            # of the arguments it deprecated in 1.2 (about 560 machine instructions of
            # the 17,000 a plain JSON request costs in process).
            self.__dict__["environ"] = environ
        else:
            super().__init__(environ, charset, **kw)

    def _get_content_length(self) -> int | None:
        environ = self.environ
        value = environ.get("CONTENT_LENGTH")
        if not value:
            return None
        if environ.get("HTTP_TRANSFER_ENCODING") and not environ.get("wsgi.input_terminated"):
            # The server passed the client's framing on without decoding it (uWSGI): the
            # body is still chunked, and Content-Length bytes of it would be chunk sizes
            # and data mixed, or nothing at all (RFC 9112, 6.1: request smuggling).
            raise BadRequest(
                "Request has both a Transfer-Encoding and a Content-Length: send only one"
            )
        return self._strict_length(value)

    def _strict_length(self, value: str) -> int:
        """A Content-Length as RFC 9110 (8.6) spells it, 1*DIGIT: else a 400."""
        digits = value.strip(" \t")
        if not (digits.isascii() and digits.isdigit()):  # '²'.isdigit(), int('+3'): no
            raise BadRequest(f"Request has a Content-Length that is not a number: {value!r}")
        if len(digits) > 20:  # longer than any body, and past what int() reads (4300)
            raise self._too_large()
        return int(digits)

    content_length = property(
        _get_content_length,
        webob.Request.content_length.fset,
        webob.Request.content_length.fdel,
        doc="The body's length (``Content-Length``), None without one. Read strictly "
        "(RFC 9112, 6.3): one that is not a number, or one beside a Transfer-Encoding "
        "the server did not decode, is a 400.",
    )

    def _is_body_readable(self) -> bool:
        coding = self.environ.get("HTTP_TRANSFER_ENCODING")
        if coding and coding.strip(" \t").lower() != "chunked":
            # gunicorn accepts "gzip, chunked", removes the chunking and passes the body
            # on still gzipped: its bytes are not the client's data (RFC 9112, 6.1).
            raise BadRequest(
                f"Request has a Transfer-Encoding this server does not decode: {coding!r}; "
                "send the body chunked or with a Content-Length"
            )
        readable: bool = webob.Request.is_body_readable.fget(self)
        if (
            not readable
            and self.environ.get("HTTP_TRANSFER_ENCODING")
            and self.content_length is None
        ):
            # A chunked body the server neither deframed nor ends (uWSGI, a2wsgi): its
            # length cannot be known, and reading it as empty would hide it from the
            # view and from max_body_size.
            raise LengthRequired(
                "Request body is chunked and this server cannot tell where it ends: "
                "send it with a Content-Length"
            )
        return readable

    is_body_readable = property(
        _is_body_readable,
        webob.Request.is_body_readable.fset,
        doc="Whether there is a body to read: one with a Content-Length, or one the server "
        "ends (``wsgi.input_terminated``). A chunked body that the server cannot end "
        "raises :class:`~roob.LengthRequired` (411).",
    )

    # The client's dates, read strictly: a value that is not an HTTP date is None.
    date = _date_header("HTTP_DATE", webob.Request.date)
    if_modified_since = _date_header("HTTP_IF_MODIFIED_SINCE", webob.Request.if_modified_since)
    if_unmodified_since = _date_header(
        "HTTP_IF_UNMODIFIED_SINCE", webob.Request.if_unmodified_since
    )

    def _get_if_range(self) -> Any:
        value = self.environ.get("HTTP_IF_RANGE")
        if value and value.endswith(" GMT"):  # a date, as WebOb tells dates from tags
            date = parse_http_date(value)
            return IfRange(NoETag) if date is None else IfRangeDate(date)  # None: no match
        return IfRange.parse(value)

    if_range = property(
        _get_if_range,
        webob.Request.if_range.fset,
        webob.Request.if_range.fdel,
        doc="The If-Range header: a date that is not an HTTP date matches nothing.",
    )

    def _buffer_body(self) -> None:
        """Read the body (at most ``max_body_size`` bytes) into a seekable buffer."""
        environ = self.environ
        length = self.content_length
        if length is not None and length > self.max_body_size:
            raise self._too_large()
        if length is not None or environ.get("webob.is_body_seekable"):
            return  # WebOb reads exactly Content-Length bytes, or the buffer
        if not self.is_body_readable:
            return  # no body at all (a chunked one this server cannot end is a 411)
        read = self._bounded_read()
        data = b"".join(iter(lambda: read(_CHUNK), b""))
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ["webob.is_body_seekable"] = True

    def _bounded_read(self) -> Callable[[int], bytes]:
        """``read(size)`` of the body, which refuses to go past ``max_body_size`` (413)."""
        return BoundedInput(self, self.environ["wsgi.input"], self.max_body_size).read

    def _read(self, stream: Any, size: int) -> bytes:
        """``stream.read(size)``; a body the server cannot deframe is the client's 400."""
        try:
            data: bytes = stream.read(size)
        except Exception as exc:  # the server's own error: gunicorn's InvalidChunkSize, ...
            environ = self.environ
            logger.warning(
                "unreadable request body: %s %s (%s)",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                type(exc).__name__,
            )
            raise BadRequest(
                "Request body could not be read: its chunked encoding is malformed "
                "or it was cut short"
            ) from None
        return data

    def _too_large(self) -> RequestEntityTooLarge:
        return RequestEntityTooLarge(
            f"Request body is larger than the limit of {self.max_body_size} bytes"
        )

    def _get_body(self) -> bytes:
        environ = self.environ
        length = environ.get("CONTENT_LENGTH")
        if (
            length
            and length.isdigit()
            and "HTTP_TRANSFER_ENCODING" not in environ  # else checked as content_length
            and not environ.get("webob.is_body_seekable")
        ):
            # The common case, read directly: a body of known length, read once.
            try:
                size = int(length)
            except ValueError:  # '²' is a digit to str.isdigit, not to int; 5,000 digits
                size = self._strict_length(length)  # the client's 400 or 413
            if size > self.max_body_size:
                raise self._too_large()
            data = self._read(environ["wsgi.input"], size)
            if len(data) < size:
                raise BadRequest("Request body is shorter than its Content-Length")
            environ["wsgi.input"] = io.BytesIO(data)
            environ["webob.is_body_seekable"] = True
            return data
        self._buffer_body()
        return webob.Request.body.fget(self)  # type: ignore[no-any-return]

    body = property(_get_body, webob.Request.body.fset, webob.Request.body.fdel)

    def _get_post(self) -> Any:
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            from roob.forms import FORM_CONTENT_TYPES, media_type

            if media_type(self) in FORM_CONTENT_TYPES:
                # request.form and request.files together, as WebOb's POST holds both,
                # by Roob's parser (files are UploadedFile, not cgi.FieldStorage).
                form, files = self._parsed_form()
                both = form.copy()
                both.extend(files)
                return both
            self._get_body()  # read here, bounded and checked, before WebOb parses it
        return webob.Request.POST.fget(self)

    POST = property(
        _get_post,
        doc="The form fields and files of the body (``request.form`` and ``request.files``).",
    )

    def _get_get(self) -> QueryParams:
        environ = self.environ
        source = environ.get("QUERY_STRING", "")
        cached = environ.get(_QUERY_CACHE)  # WebOb's key: its GET and ours share it
        if cached is not None and cached[1] == source and type(cached[0]) is QueryParams:
            return cached[0]
        try:
            params = QueryParams(parse_qsl_text(source) if source else (), environ)
        except UnicodeDecodeError:
            raise BadRequest("Query string is not valid UTF-8") from None
        environ[_QUERY_CACHE] = (params, source)
        return params

    GET = property(
        _get_get,
        doc="The query string's parameters (a multidict; a missing one read with "
        "``[]`` is a 400, roob/multidicts.py).",
    )

    def _get_headers(self) -> ClientHeaders:
        headers = self._headers
        if headers is None:
            headers = self._headers = ClientHeaders(self.environ)
        return headers

    headers = property(
        _get_headers,
        webob.Request.headers.fset,
        doc="The request's headers, case-insensitive (a missing one read with ``[]`` is a 400).",
    )

    def _get_cookies(self) -> ClientCookies:
        return ClientCookies(self.environ)

    cookies = property(
        _get_cookies,
        webob.Request.cookies.fset,
        doc="The request's cookies (a missing one read with ``[]`` is a 400).",
    )

    def _get_json(self) -> Any:
        cached = self._json_cache
        if cached is not _UNSET:
            return cached
        raw = self.body
        if not raw.strip():
            raise BadRequest("Request body is empty; a JSON document was expected")
        try:
            value = load_json(raw)
        except UnicodeDecodeError:
            raise BadRequest("Request body is not valid UTF-8") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(
                f"Request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            raise BadRequest("Request body is JSON nested too deeply") from None
        except NotJSONConstant as exc:  # NaN, Infinity
            raise BadRequest(f"Request body is not valid JSON: {exc}") from None
        except ValueError:  # int() refuses a number that long
            raise BadRequest(
                f"Request body holds a number longer than {sys.get_int_max_str_digits()} digits"
            ) from None
        self._json_cache = value
        return value

    def _set_json(self, value: Any) -> None:
        self._json_cache = _UNSET
        webob.Request.json_body.fset(self, value)

    json = property(_get_json, _set_json, doc="The body parsed as JSON (400 if it is not).")
    json_body = json

    # --- forms, sessions, URLs (each loaded on first use) ---------------------

    def _parsed_form(self) -> tuple[MultiDict, MultiDict]:
        parsed = self._form_cache
        if parsed is None:
            from roob.forms import parse_form

            parsed = self._form_cache = parse_form(self)
            if parsed[1]:  # kept where the end of the request finds them
                self.environ.setdefault(UPLOADS_KEY, []).extend(parsed[1].values())
                self.environ[ENDS_KEY] = True
        return parsed

    def close(self) -> None:
        """Close the files of the body (``request.files``): their temporary files are
        deleted. Roob calls it when the request ends (after the view, the hooks and
        the error handlers; for a streamed answer, when the server closes its body);
        call it yourself for a request you made and parsed by hand."""
        uploads: list[UploadedFile] = self.environ.pop(UPLOADS_KEY, ())
        for upload in uploads:
            upload.close()

    @property
    def route(self) -> Route | None:
        """The :class:`~roob.Route` serving the request (its ``path`` is the template,
        ``/users/{id:int}``): None for a 404, for the automatic OPTIONS answer and for
        a request made by hand; for a 405, a route of the path (another method's)."""
        route: Route | None = self.environ.get(ROUTE_KEY)
        return route

    @property
    def id(self) -> str | None:
        """The request's id, from :class:`~roob.RequestIDMiddleware` (None without it):
        the one a trusted proxy sent in ``X-Request-ID``, or one made for this request."""
        request_id: str | None = self.environ.get(REQUEST_ID_KEY)
        return request_id

    @property
    def form(self) -> MultiDict:
        """The text fields of a form body (urlencoded or multipart), as ``str``."""
        return self._parsed_form()[0]

    @property
    def files(self) -> MultiDict:
        """The files of a ``multipart/form-data`` body (:class:`~roob.UploadedFile`)."""
        return self._parsed_form()[1]

    @property
    def session(self) -> Session:
        """The session, a dict of JSON values kept in a signed cookie; needs
        ``Roob(secret_key=...)``."""
        session = self._session_cache
        if session is None:
            sessions = self.app.sessions if self.app is not None else None
            if sessions is None:
                raise ConfigurationError(
                    "request.session needs a secret key to sign the session cookie with: "
                    "Roob(secret_key=...) (keep it out of the code, e.g. "
                    "os.environ['SECRET_KEY'])"
                )
            from roob.sessions import SESSION_KEY

            session = self._session_cache = sessions.load(self)
            self.environ[SESSION_KEY] = session  # where the response finds it
        return session

    def url_for(self, name: str, /, *, external: bool = False, **params: Any) -> str:
        """The URL of the route called ``name``, with ``params`` filled in, under the
        request's ``SCRIPT_NAME``; ``external=True`` for an absolute URL (roob/urls.py)."""
        app = self.app
        if app is None:
            raise ConfigurationError("request.url_for() needs a request made by an application")
        path: str = self.script_name + app.route_table.url_for(name, **params)
        if not external:
            return path
        return external_origin(self, app.public_origin) + path


def external_origin(request: Request, public_origin: str | None) -> str:
    """``scheme://host[:port]`` for absolute URLs: ``public_origin``, or else the Host
    that :class:`~roob.TrustedHostMiddleware` checked; see roob/urls.py."""
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
