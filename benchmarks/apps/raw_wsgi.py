"""A hand-written WSGI callable: the floor any framework is measured against."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.apps import EXTRA_ROUTES

_USER = re.compile(r"/users/([0-9]+)")
_DEEP = re.compile(r"/api/v1/orgs/([^/]+)/projects/([0-9]+)/items/([^/]+)")
_JSON = [("Content-Type", "application/json")]


def create_app(extra_routes: int = EXTRA_ROUTES) -> Callable[..., Iterable[bytes]]:
    extra = re.compile(r"/extra([0-9]+)/([^/]+)/item\1")

    def send(start_response: Callable[..., Any], status: str, value: Any) -> list[bytes]:
        body = json.dumps(value, separators=(",", ":")).encode()
        start_response(status, [*_JSON, ("Content-Length", str(len(body)))])
        return [body]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        if path == "/hello" and method == "GET":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
            return [b"Hello, World!"]
        if path == "/json" and method == "GET":
            return send(start_response, "200 OK", {"message": "Hello, World!"})
        if path == "/cbv" and method == "GET":
            return send(start_response, "200 OK", {"view": "class"})
        if path == "/echo" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            received = json.loads(environ["wsgi.input"].read(length))
            return send(start_response, "200 OK", {"received": received})
        if match := _USER.fullmatch(path):
            if method == "OPTIONS":
                start_response("204 No Content", [("Allow", "GET, HEAD, OPTIONS")])
                return []
            return send(start_response, "200 OK", {"id": int(match[1])})
        if match := _DEEP.fullmatch(path):
            org, project, item = match.groups()
            return send(
                start_response, "200 OK", {"org": org, "project": int(project), "item": item}
            )
        if (match := extra.fullmatch(path)) and int(match[1]) < extra_routes:
            return send(start_response, "200 OK", {"x": match[2]})
        return send(start_response, "404 Not Found", {"message": f"{path} not found"})

    return app
