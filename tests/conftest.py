"""Shared fixtures: an application with its folders in tmp_path, WSGI helpers, PostgreSQL.

``postgres_url`` is the database ``TEST_DATABASE_URL`` names or, without it, a
throwaway server the session starts on 127.0.0.1 (tests/postgres.py) and
deletes at the end. If no server can be started, the tests that need it skip
locally with the reason, and fail under CI (``CI=true``), where that is a
broken build.
"""

from __future__ import annotations

import io
import os
import pathlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import webob

from roob import Roob
from roob.testing import TestClient
from tests.postgres import ThrowawayPostgres, started_or_skipped

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _write_files(root: pathlib.Path, files: dict[str, str | bytes]) -> pathlib.Path:
    """Create ``files`` (relative path -> content) under ``root``; return ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class StartResponse:
    """A WSGI ``start_response`` that records every call, for calling apps directly."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.calls.append((status, list(headers), exc_info))
        return self.written.append

    @property
    def status(self) -> str:
        return self.calls[-1][0]

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.calls[-1][1])

    @property
    def exc_info(self) -> Any:
        return self.calls[-1][2]


def _call_wsgi(app: WSGIApp, path: str = "/", method: str = "GET") -> tuple[StartResponse, bytes]:
    """Call ``app`` the way a server does: read the whole body, then close it."""
    environ = webob.Request.blank(path, method=method).environ
    start_response = StartResponse()
    body = app(environ, start_response)
    try:
        content = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return start_response, content


class UnreadableInput(io.RawIOBase):
    """A ``wsgi.input`` that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the request body was read")

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the request body was read")

    def readline(self, size: int | None = -1) -> bytes:
        raise AssertionError("the request body was read")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    server = started_or_skipped(
        lambda: ThrowawayPostgres(database="roob_test"), "the inventory's tests"
    )
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def template_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    """An empty templates folder; write templates into it before rendering."""
    path = tmp_path / "templates"
    path.mkdir()
    return path


@pytest.fixture
def app(tmp_path: pathlib.Path, template_dir: pathlib.Path) -> Roob:
    """A Roob application with its templates in tmp_path and no static folder."""
    return Roob(template_dir=template_dir, static_dir=None)


@pytest.fixture
def client(app: Roob) -> TestClient:
    return TestClient(app)


@pytest.fixture
def write_files() -> Callable[[pathlib.Path, dict[str, str | bytes]], pathlib.Path]:
    """``write_files(root, {"css/main.css": "..."})`` creates the files under root."""
    return _write_files


@pytest.fixture
def call_wsgi() -> Callable[..., tuple[StartResponse, bytes]]:
    """``call_wsgi(app, path, method)`` -> (recorded start_response, whole body)."""
    return _call_wsgi


@pytest.fixture
def start_response() -> StartResponse:
    return StartResponse()


@pytest.fixture
def unreadable_input() -> UnreadableInput:
    return UnreadableInput()


@pytest.fixture
def labelled_view() -> Callable[[str], Callable[..., dict[str, Any]]]:
    """``labelled_view("by_id")``: a view answering ``{"view": "by_id", **params}``.

    Its ``__name__`` is the label, so several of them get distinct route names.
    """

    def make(label: str) -> Callable[..., dict[str, Any]]:
        def view(request: Any, **params: Any) -> dict[str, Any]:
            return {"view": label, **params}

        view.__name__ = view.__qualname__ = label
        return view

    return make
