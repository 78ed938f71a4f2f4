"""Test a Roob application (or any WSGI application) without a server.

::

    from roob.testing import TestClient

    client = TestClient(app)
    response = client.post("/api/products", json={"product_name": "Tab"})
    assert response.status_code == 201
    assert response.json()["product_name"] == "Tab"

Requests are built by WebOb (``Request.blank``) and run through
:func:`wsgiref.validate.validator`, so an application that breaks the WSGI
specification fails the test. The body is presented the way a real server
presents it - a stream that can be read once - and the application is called
the way a PEP 3333 server calls it: every response is read to the end and
closed, and an error response started with ``start_response(..., exc_info)``
before any body was sent replaces the first one.
"""

from __future__ import annotations

import http.cookiejar
import json as jsonlib
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any
from urllib.parse import urlencode, urljoin
from wsgiref.validate import validator

import webob
from webob.headers import ResponseHeaders

from roob._types import Headers, WSGIApp
from roob.lifespan import lifespan_of

__all__ = ["Cookies", "TestClient", "TestResponse", "TooManyRedirects"]


class TestResponse:
    """What the application sent back."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, response: webob.Response, url: str = "", history: list[TestResponse] | None = None
    ) -> None:
        self._response = response
        self.status_code: int = response.status_code
        self.status: str = response.status
        self.headers: ResponseHeaders = response.headers
        self.content: bytes = response.body
        #: The URL the response answered.
        self.url = url
        #: The redirects followed on the way here, first first (``follow_redirects``).
        self.history: list[TestResponse] = history or []

    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (UTF-8 by default)."""
        return self.content.decode(self._response.charset or "utf-8")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return jsonlib.loads(self.content)

    def __repr__(self) -> str:
        return f"<TestResponse {self.status}>"


class TooManyRedirects(AssertionError):
    """A redirect chain that loops, or goes on longer than ``max_redirects``."""


class Cookies(MutableMapping[str, str]):
    """The cookies a :class:`TestClient` keeps, by name: as a browser keeps them.

    Cookies the application sets are stored (and removed when it deletes them
    or they expire) and sent with the requests they apply to (path, ``Secure``).
    ``client.cookies["name"] = "value"`` sets one for the whole site.
    """

    def __init__(self, jar: http.cookiejar.CookieJar, domain: str) -> None:
        self.jar = jar
        self.domain = domain

    def __getitem__(self, name: str) -> str:
        for cookie in self.jar:
            if cookie.name == name and cookie.value is not None:
                return cookie.value
        raise KeyError(name)

    def __setitem__(self, name: str, value: str) -> None:
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, self.domain, False, False, "/", True, False, None,
            False, None, None, {},
        ))  # fmt: skip

    def __delitem__(self, name: str) -> None:
        found = [cookie for cookie in self.jar if cookie.name == name]
        if not found:
            raise KeyError(name)
        for cookie in found:
            self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(cookie.name for cookie in self.jar))

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __repr__(self) -> str:
        return f"Cookies({dict(self)!r})"


class _SetCookieHeaders:
    """The response side of :mod:`http.cookiejar`'s protocol: ``info().get_all()``."""

    def __init__(self, headers: ResponseHeaders) -> None:
        self.headers = headers

    def info(self) -> _SetCookieHeaders:
        return self

    def get_all(self, name: str, default: Any = None) -> list[str]:
        return self.headers.getall(name) or default or []


Files = Mapping[str, tuple[str, bytes] | tuple[str, bytes, str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class TestClient:
    """Send requests to a WSGI application in-process.

    ``base_url`` sets the scheme, host and port the application sees.
    ``headers`` are sent with every request. The client keeps the cookies the
    application sets (``client.cookies``). ``follow_redirects=True`` (here, or
    on one request) follows redirects within the application.

    Used as a context manager, the client runs the application's startup
    functions on entering the block and its shutdown functions on leaving it
    (``with TestClient(app) as client:``), as Starlette's does; a startup that
    fails raises there. Without a ``with``, startup runs before the first
    request, as on a server (and raises in the test if it fails, where a
    server's process would exit), and shutdown when the test process exits.
    """

    __test__ = False

    def __init__(
        self,
        app: WSGIApp,
        *,
        base_url: str = "http://testserver",
        headers: Headers | None = None,
        validate: bool = True,
        follow_redirects: bool = False,
        max_redirects: int = 20,
    ) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.default_headers = _header_list(headers)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self._wsgi = validator(app) if validate else app
        self._jar = http.cookiejar.CookieJar()
        site = urllib.request.Request(self.base_url + "/")
        host = http.cookiejar.eff_request_host(site)[1]  # type: ignore[attr-defined]
        self.cookies = Cookies(self._jar, host)
        self._lifespan = lifespan_of(app)

    def __enter__(self) -> TestClient:
        """Run the application's startup (it raises if a startup function does)."""
        if self._lifespan is not None:
            self._lifespan.startup()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Run the application's shutdown (each failure is logged, as on a server)."""
        if self._lifespan is not None:
            self._lifespan.shutdown()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | str | Mapping[str, Any] | None = None,
        files: Files | None = None,
        headers: Headers | None = None,
        query: Mapping[str, Any] | None = None,
        environ: Mapping[str, Any] | None = None,
        follow_redirects: bool | None = None,
    ) -> TestResponse:
        """Send one request and read the whole response.

        ``json`` sends a JSON body (with its Content-Type); ``data`` sends
        bytes or text as they are, or a mapping form-encoded; ``files``
        (``{"field": ("name.txt", b"content", "text/plain")}``) sends
        ``multipart/form-data`` with the fields of ``data``.
        """
        if query:
            path += ("&" if "?" in path else "?") + urlencode(query, doseq=True)
        if json is not None and (data is not None or files is not None):
            raise TypeError("pass json= or data=/files=, not both")
        content_type = None
        body: bytes | None = None
        if json is not None:
            body, content_type = jsonlib.dumps(json).encode("utf-8"), "application/json"
        elif files is not None:
            if data is not None and not isinstance(data, Mapping):
                raise TypeError("with files=, data= must be a mapping of form fields")
            body, content_type = _multipart(data or {}, files)
        elif isinstance(data, Mapping):
            body = urlencode(data, doseq=True).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        elif isinstance(data, str):
            body = data.encode("utf-8")
        elif data is not None:
            body = bytes(data)
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[TestResponse] = []
        seen: set[tuple[str, str]] = set()
        url = self.base_url + path
        while True:
            response = self._send(method, url, body, content_type, headers, environ)
            location = response.headers.get("Location")
            if not (follow and response.status_code in _REDIRECTS and location):
                response.history = history
                return response
            next_url = urljoin(url, location)
            if not next_url.startswith(self.base_url + "/"):
                response.history = history  # another site: not the application's to answer
                return response
            history.append(response)
            seen.add((method, url))
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method == "POST"
            ):
                method = "GET" if method != "HEAD" else "HEAD"
                body = content_type = None
            if (method, next_url) in seen or len(history) > self.max_redirects:
                chain = " -> ".join(r.url.removeprefix(self.base_url) for r in history)
                raise TooManyRedirects(
                    f"{len(history)} redirects ({chain} -> "
                    f"{next_url.removeprefix(self.base_url)}): a redirect loop?"
                )
            url = next_url

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        content_type: str | None,
        headers: Headers | None,
        environ: Mapping[str, Any] | None,
    ) -> TestResponse:
        request = webob.Request.blank(
            url.removeprefix(self.base_url), base_url=self.base_url, method=method.upper()
        )
        request.environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
        outgoing = urllib.request.Request(url, method=method.upper())
        self._jar.add_cookie_header(outgoing)
        if outgoing.has_header("Cookie"):
            request.headers["Cookie"] = outgoing.get_header("Cookie")
        for name, value in self.default_headers + _header_list(headers):
            request.headers[name] = value
        if body is not None:
            if content_type is not None:
                request.headers.setdefault("Content-Type", content_type)
            request.body = body
            # A server's wsgi.input can be read once; do not let WebOb assume otherwise.
            request.environ.pop("webob.is_body_seekable", None)
        if environ:
            request.environ.update(environ)
        if self._lifespan is not None:  # here, a failing startup raises in the test
            self._lifespan.startup()
        response = TestResponse(_serve(self._wsgi, request.environ), url)
        self._jar.extract_cookies(_SetCookieHeaders(response.headers), outgoing)  # type: ignore[arg-type]
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)


def _multipart(fields: Mapping[str, Any], files: Files) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of ``fields`` and ``files``, and its Content-Type."""
    boundary = f"roob-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + str(item).encode("utf-8") + b"\r\n"
            )  # fmt: skip
    for name, (filename, content, *rest) in files.items():
        media = rest[0] if rest else "application/octet-stream"
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {media}\r\n\r\n'.encode()
            + bytes(content) + b"\r\n"
        )  # fmt: skip
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def _serve(app: WSGIApp, environ: dict[str, Any]) -> webob.Response:
    """Call ``app`` the way a server does (PEP 3333) and collect the whole response.

    The status and headers are taken once the body has been read, so an app may
    replace its response with ``start_response(..., exc_info)`` until the first
    non-empty chunk of body; after that such a call re-raises, as on a server.
    """
    started: list[Any] = []
    chunks: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            if any(chunks):  # the headers are sent: too late to change them
                raise exc_info[1].with_traceback(exc_info[2])
        elif started:
            raise AssertionError("start_response called a second time without exc_info")
        started[:] = [status, list(headers)]
        return chunks.append

    body = app(environ, start_response)
    try:
        for chunk in body:
            chunks.append(chunk)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    if not started:
        raise AssertionError("the application never called start_response")
    status, headerlist = started
    return webob.Response(status=status, headerlist=headerlist, app_iter=[b"".join(chunks)])


def _header_list(headers: Headers | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)
