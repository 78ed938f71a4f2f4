"""WSGI middleware that ships with Roob.

Any WSGI middleware works with :meth:`roob.Roob.add_middleware` (it is built
as ``cls(app, **options)``). This module holds Roob's own:

* :class:`ErrorHandlerMiddleware` - the last line of defence: whatever escapes
  the application it wraps becomes a JSON 500 instead of a dropped connection.
* :class:`SecurityHeadersMiddleware` - ``nosniff``, a referrer policy, and for
  HTML a content security policy and frame protection.
* :class:`CORSMiddleware` - cross-origin requests and their preflights.
* :class:`TrustedHostMiddleware` - a 400 for a request to a host the
  application is not served as.
* :class:`RequestIDMiddleware` - an id for each request, sent back in
  ``X-Request-ID``, read as ``request.id`` and put on Roob's log records.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob._types import StartResponse, WSGIApp
from roob.exceptions import ConfigurationError
from roob.logs import REQUEST_ID, logger
from roob.requests import REQUEST_ID_KEY
from roob.responses import add_vary, held_until_body, internal_error_message, send_json
from roob.urls import TRUSTED_HOST_KEY

__all__ = [
    "CORSMiddleware",
    "ErrorHandlerMiddleware",
    "RequestIDMiddleware",
    "SecurityHeadersMiddleware",
    "TrustedHostMiddleware",
]


class ErrorHandlerMiddleware:
    """Turn an exception escaping ``app`` into a 500 ``{"message": ...}``.

    It covers exceptions raised when ``app`` is called and while its body is
    iterated, until the first byte of body is out: ``app``'s status and
    headers are held until then, so the 500 goes out with its own headers
    only. After that the response can only be cut short: the error is logged
    and the connection aborted. The exception's text reaches the client only
    with ``debug=True``.
    """

    def __init__(self, app: WSGIApp, *, debug: bool = False) -> None:
        self.app = app
        self.debug = debug

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def fail(exc: Exception) -> list[bytes]:
            document = {"message": internal_error_message(environ, exc, self.debug)}
            return send_json(start_response, "500 Internal Server Error", document, environ)

        return held_until_body(self.app, environ, start_response, fail)


_HTML_TYPES = ("text/html", "application/xhtml+xml")
_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


class SecurityHeadersMiddleware:
    """Add protective response headers the application did not set itself.

    Every response gets ``X-Content-Type-Options: nosniff`` and a
    ``Referrer-Policy``; HTML responses also get a ``Content-Security-Policy``
    and ``X-Frame-Options`` (frame protection). ``strict_transport_security``
    adds HSTS - only for sites served over HTTPS. Pass ``None`` to leave a
    header out. A header the application set is never replaced.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        content_security_policy: str | None = (
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
        ),
        frame_options: str | None = "DENY",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        content_type_options: bool = True,
        strict_transport_security: str | None = None,
    ) -> None:
        self.app = app
        always = [("Referrer-Policy", referrer_policy)]
        if content_type_options:
            always.append(("X-Content-Type-Options", "nosniff"))
        if strict_transport_security:
            always.append(("Strict-Transport-Security", strict_transport_security))
        html = [
            ("Content-Security-Policy", content_security_policy),
            ("X-Frame-Options", frame_options),
        ]
        self._always = [(name, value) for name, value in always if value]
        self._html = [(name, value) for name, value in html if value]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def add_headers(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            present = {name.lower() for name, _ in headers}
            extra = self._always
            if "content-type" in present:
                content_type = next(v for k, v in headers if k.lower() == "content-type")
                if content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES:
                    extra = extra + self._html
            headers = headers + [(k, v) for k, v in extra if k.lower() not in present]
            return start_response(status, headers, exc_info)  # type: ignore[no-any-return]

        return self.app(environ, add_headers)


class CORSMiddleware:
    """Cross-Origin Resource Sharing: let pages of other origins call the API.

    ``allow_origins`` lists the origins allowed (``["*"]`` for any); requests
    from other origins get no CORS headers, so browsers keep their answers
    from the page. Preflight requests (OPTIONS with
    ``Access-Control-Request-Method``) from an allowed origin are answered here
    with 204; from anywhere else with a 400 JSON error saying why.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        allow_origins: Iterable[str] = (),
        allow_methods: Iterable[str] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"),
        allow_headers: Iterable[str] = ("Accept", "Accept-Language", "Content-Language",
                                        "Content-Type", "Authorization"),
        expose_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        max_age: int = 600,
    ) -> None:  # fmt: skip
        self.app = app
        self.allow_origins = frozenset(allow_origins)
        self.allow_any_origin = "*" in self.allow_origins
        self.allow_methods = [m.upper() for m in allow_methods]
        self.allow_headers = {h.lower() for h in allow_headers}
        self.allow_any_header = "*" in self.allow_headers
        self.expose_headers = ", ".join(expose_headers)
        self.allow_credentials = allow_credentials
        self.max_age = str(max_age)

    def _origin_allowed(self, origin: str) -> bool:
        return self.allow_any_origin or origin in self.allow_origins

    def _allow_origin_value(self, origin: str) -> str:
        # With credentials the spec forbids "*": echo the origin instead.
        if self.allow_any_origin and not self.allow_credentials:
            return "*"
        return origin

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return self.app(environ, start_response)
        if (
            environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            return self._preflight(environ, start_response, origin)
        if not self._origin_allowed(origin):
            return self.app(environ, start_response)

        cors = [("Access-Control-Allow-Origin", self._allow_origin_value(origin))]
        if self.allow_credentials:
            cors.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            cors.append(("Access-Control-Expose-Headers", self.expose_headers))
        vary = not (self.allow_any_origin and not self.allow_credentials)

        def add_cors(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            headers = headers + cors
            if vary:
                headers = add_vary(headers, "Origin")
            return start_response(status, headers, exc_info)  # type: ignore[no-any-return]

        return self.app(environ, add_cors)

    def _preflight(
        self, environ: dict[str, Any], start_response: Callable[..., Any], origin: str
    ) -> Iterable[bytes]:
        method = environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].upper()
        requested = [
            h.strip().lower()
            for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
            if h.strip()
        ]
        problem = None
        if not self._origin_allowed(origin):
            problem = f"CORS request from origin {origin!r} is not allowed"
        elif method not in self.allow_methods:
            problem = f"CORS method {method} is not allowed"
        elif not self.allow_any_header and any(h not in self.allow_headers for h in requested):
            problem = "CORS request headers are not allowed: " + ", ".join(
                h for h in requested if h not in self.allow_headers
            )
        headers = [("Vary", _PREFLIGHT_VARY)]
        if problem is not None:
            document = {"message": problem}
            return send_json(start_response, "400 Bad Request", document, environ, headers)
        allowed_headers = ", ".join(requested) if self.allow_any_header else ", ".join(
            sorted(self.allow_headers)
        )  # fmt: skip
        headers += [
            ("Access-Control-Allow-Origin", self._allow_origin_value(origin)),
            ("Access-Control-Allow-Methods", ", ".join(self.allow_methods)),
            ("Access-Control-Max-Age", self.max_age),
        ]
        if allowed_headers:
            headers.append(("Access-Control-Allow-Headers", allowed_headers))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        start_response("204 No Content", headers)
        return []


class TrustedHostMiddleware:
    """Answer 400 to a request whose ``Host`` is not one of ``allowed_hosts``.

    An entry is a host name (``shop.example``, an IP address), ``.example.com``
    for that domain and every subdomain, or ``*`` for any. The port is not
    compared. Put it outermost, so that nothing else sees a forged host.
    """

    def __init__(self, app: WSGIApp, *, allowed_hosts: Iterable[str]) -> None:
        hosts = [_bare_host(host.strip().lower()) for host in allowed_hosts]
        if not hosts or not all(hosts):
            raise ConfigurationError("allowed_hosts must name at least one host, or '*'")
        self.app = app
        self.any_host = "*" in hosts
        self.names = frozenset(host for host in hosts if not host.startswith("."))
        self.domains = tuple(host for host in hosts if host.startswith("."))

    def allows(self, host: str) -> bool:
        """Whether ``host`` (a Host header: a name or address, maybe a port) is allowed.

        Anything but a name or an address and a port (``evil.com/.example.com``,
        ``shop.example:@evil.com``) is refused, whatever the list says.
        """
        found = _HOST.match(host.lower())
        if found is None:
            return False
        name = _bare_host(found.group(1))
        return self.any_host or name in self.names or ("." + name).endswith(self.domains)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if self.allows(host):
            if not self.any_host:  # absolute URLs may be built with it (roob/urls.py)
                environ[TRUSTED_HOST_KEY] = host
            return self.app(environ, start_response)
        logger.warning("refused a request for the host %r", host)
        document = {"message": f"Requests for the host {host!r} are not served here"}
        return send_json(start_response, "400 Bad Request", document, environ)


# A Host header: a DNS name or IPv4 address, or an IPv6 address in brackets; then a port.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.?)(?::[0-9]{1,5})?\Z")


def _bare_host(host: str) -> str:
    """``[::1]`` and ``::1`` alike, without a trailing dot: how hosts are compared."""
    return host.removeprefix("[").removesuffix("]").rstrip(".")


# An id taken from a proxy: 1 to 200 of the characters of ids in use (hex, UUIDs,
# base64, Heroku's "alphanumerics, +, /, =, -", Rails' "\w, -, @"), nothing that needs
# quoting in a log line or a header (no space, quote, comma, CR or LF).
_INCOMING_ID = re.compile(r"[A-Za-z0-9._~:/+=@-]{1,200}\Z")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z")  # an HTTP token, RFC 9110 5.6.2


class RequestIDMiddleware:
    """Give each request an id, send it back, and put it on Roob's log records.

    The id is a new one (32 hex digits, a random UUID), or, with
    ``trust_incoming=True``, the one a proxy in front sent in ``header`` when
    it is 1 to 200 characters among letters, digits and ``. _ ~ : / + = @ -``
    (anything else gets a new id). Trust it only behind a proxy that sets or
    strips the header: otherwise a client chooses its own id.

    The id is ``request.id`` in views and hooks, it goes back in ``header`` on
    every answer that passes through this middleware (errors, 404s, streamed
    answers) unless the answer sets that header itself, and every record of
    the ``roob`` logger written while the request is served (its body
    streamed included) carries it as ``record.request_id``
    (:class:`roob.logs.RequestIDFilter`). Add it last, so that it is the
    outermost middleware and every answer gets the header.
    """

    def __init__(
        self, app: WSGIApp, *, header: str = "X-Request-ID", trust_incoming: bool = False
    ) -> None:
        if not _HEADER_NAME.match(header):
            raise ConfigurationError(
                f"RequestIDMiddleware(header={header!r}): a header name is letters, digits "
                "and '-' (such as 'X-Request-ID')"
            )
        self.app = app
        self.header = header
        self.trust_incoming = trust_incoming
        self._environ_key = "HTTP_" + header.upper().replace("-", "_")

    def request_id(self, environ: dict[str, Any]) -> str:
        """The id of the request ``environ`` describes: the proxy's, if trusted and
        well formed, else a new one."""
        if self.trust_incoming:
            incoming = environ.get(self._environ_key)
            if incoming is not None and _INCOMING_ID.match(incoming):
                return str(incoming)
        return uuid.uuid4().hex

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ[REQUEST_ID_KEY] = self.request_id(environ)
        name = self.header.lower()
        sent = (self.header, request_id)

        def start_with_id(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            if not any(key.lower() == name for key, _ in headers):
                headers = [*headers, sent]
            return start_response(status, headers, exc_info)  # type: ignore[no-any-return]

        token = REQUEST_ID.set(request_id)
        try:
            body = self.app(environ, start_with_id)
        finally:
            REQUEST_ID.reset(token)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(body, list | tuple) or (
            isinstance(file_wrapper, type) and isinstance(body, file_wrapper)
        ):  # nothing runs while it is sent (and the server's sendfile stays possible)
            return body
        return _WithRequestID(body, request_id)


class _WithRequestID:
    """A streamed body produced, and closed, with ``REQUEST_ID`` set to its request's id:
    what the body and ``close()`` (teardown) log carries the id."""

    __slots__ = ("body", "iterator", "request_id")

    def __init__(self, body: Iterable[bytes], request_id: str) -> None:
        self.body = body
        self.request_id = request_id
        self.iterator: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        token = REQUEST_ID.set(self.request_id)
        try:
            if self.iterator is None:
                self.iterator = iter(self.body)
            return next(self.iterator)
        finally:
            REQUEST_ID.reset(token)

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            token = REQUEST_ID.set(self.request_id)
            try:
                close()
            finally:
                REQUEST_ID.reset(token)
