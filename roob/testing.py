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

import json as jsonlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode
from wsgiref.validate import validator

import webob
from webob.headers import ResponseHeaders

from roob._types import Headers, WSGIApp

__all__ = ["TestClient", "TestResponse"]


class TestResponse:
    """What the application sent back."""

    __test__ = False  # not a pytest test class

    def __init__(self, response: webob.Response) -> None:
        self._response = response
        self.status_code: int = response.status_code
        self.status: str = response.status
        self.headers: ResponseHeaders = response.headers
        self.content: bytes = response.body

    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (UTF-8 by default)."""
        return self.content.decode(self._response.charset or "utf-8")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return jsonlib.loads(self.content)

    def __repr__(self) -> str:
        return f"<TestResponse {self.status}>"


class TestClient:
    """Send requests to a WSGI application in-process.

    ``base_url`` sets the scheme, host and port the application sees.
    ``headers`` are sent with every request.
    """

    __test__ = False

    def __init__(
        self,
        app: WSGIApp,
        *,
        base_url: str = "http://testserver",
        headers: Headers | None = None,
        validate: bool = True,
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.default_headers = _header_list(headers)
        self._wsgi = validator(app) if validate else app

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | str | Mapping[str, Any] | None = None,
        headers: Headers | None = None,
        query: Mapping[str, Any] | None = None,
        environ: Mapping[str, Any] | None = None,
    ) -> TestResponse:
        """Send one request and read the whole response.

        ``json`` sends a JSON body (with its Content-Type); ``data`` sends
        bytes or text as they are, or a mapping form-encoded.
        """
        if query:
            path += ("&" if "?" in path else "?") + urlencode(query, doseq=True)
        request = webob.Request.blank(path, base_url=self.base_url, method=method.upper())
        request.environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
        for name, value in self.default_headers + _header_list(headers):
            request.headers[name] = value
        if json is not None and data is not None:
            raise TypeError("pass json= or data=, not both")
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            request.headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urlencode(data, doseq=True).encode("ascii")
            request.headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode("utf-8")
        elif data is not None:
            body = bytes(data)
        if body is not None:
            request.body = body
            # A server's wsgi.input can be read once; do not let WebOb assume otherwise.
            request.environ.pop("webob.is_body_seekable", None)
        if environ:
            request.environ.update(environ)
        return TestResponse(_serve(self._wsgi, request.environ))

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
