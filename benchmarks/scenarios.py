"""The requests every app is timed on, and the answer each must give."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    status: int | tuple[int, ...]  # the status, or the statuses accepted
    expected: Any  # the JSON document, or bytes for a text body, or None: any body
    body: bytes = b""
    query: str = ""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()  # (WSGI key, value): ("HTTP_COOKIE", "...")

    def environ(self) -> dict[str, Any]:
        """A fresh WSGI environ (with a fresh input stream) for one call."""
        environ = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": self.path,
            "QUERY_STRING": self.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(self.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if self.body:
            environ["CONTENT_TYPE"] = self.content_type
            environ["CONTENT_LENGTH"] = str(len(self.body))
        environ.update(self.headers)
        return environ


SCENARIOS = (
    Scenario("hello", "GET", "/hello", 200, b"Hello, World!"),
    Scenario("json", "GET", "/json", 200, {"message": "Hello, World!"}),
    Scenario("param", "GET", "/users/42", 200, {"id": 42}),
    Scenario(
        "deep",
        "GET",
        "/api/v1/orgs/acme/projects/7/items/x1",
        200,
        {"org": "acme", "project": 7, "item": "x1"},
    ),
    Scenario("404", "GET", "/missing/path", 404, None),
    Scenario(
        "post-json",
        "POST",
        "/echo",
        200,
        {"received": {"name": "pen", "tags": ["a", "b"], "price": 1.5}},
        body=b'{"name": "pen", "tags": ["a", "b"], "price": 1.5}',
    ),
    Scenario("class-view", "GET", "/cbv", 200, {"view": "class"}),
    # The automatic answer with the Allow header: 204 from Roob, 200 from Falcon and Flask.
    Scenario("options", "OPTIONS", "/users/42", (200, 204), None),
)


class Recorder:
    """A ``start_response`` that keeps the status line."""

    status = ""

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status = status
        return None


def call(app: WSGIApp, scenario: Scenario) -> tuple[int, bytes]:
    """One request through ``app``: its status and its body, read and closed as a server would."""
    recorder = Recorder()
    result = app(scenario.environ(), recorder)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(recorder.status.split(" ", 1)[0]), body


class WrongAnswer(AssertionError):
    """An app answered a scenario wrongly: it is not timed."""


def check(framework: str, app: WSGIApp, scenario: Scenario) -> None:
    status, body = call(app, scenario)
    accepted = scenario.status if isinstance(scenario.status, tuple) else (scenario.status,)
    if status not in accepted:
        raise WrongAnswer(f"{framework} {scenario.name}: status {status}, not {scenario.status}")
    if scenario.expected is None:
        return
    if isinstance(scenario.expected, bytes):
        got: Any = body
    else:
        try:
            got = json.loads(body)
        except ValueError:
            raise WrongAnswer(
                f"{framework} {scenario.name}: body is not JSON: {body[:80]!r}"
            ) from None
    if got != scenario.expected:
        raise WrongAnswer(f"{framework} {scenario.name}: body {got!r}, not {scenario.expected!r}")
