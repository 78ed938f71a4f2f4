"""The TechEmpower test types as a hand-written WSGI callable: the floor any framework
is measured against (the database work and the template are the same as the others').

    gunicorn benchmarks.tfb.wsgi_app:app
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jinja2

from benchmarks.tfb import db

StartResponse = Callable[..., Any]

_fortunes_template = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True
).get_template("fortunes.html")


def _send(start_response: StartResponse, content_type: str, body: bytes) -> list[bytes]:
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response: StartResponse, value: Any) -> list[bytes]:
    return _send(
        start_response, "application/json", json.dumps(value, separators=(",", ":")).encode()
    )


def _queries(environ: dict[str, Any]) -> int:
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return db.clamp_queries(dict(pairs).get("queries"))


def json_view(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    return _json(start_response, {"message": "Hello, World!"})


def plaintext(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    return _send(start_response, "text/plain", b"Hello, World!")


def single_query(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    return _json(start_response, db.random_world())


def queries(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    return _json(start_response, db.random_worlds(_queries(environ)))


def updates(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    return _json(start_response, db.update_worlds(_queries(environ)))


def fortunes(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    page = _fortunes_template.render(fortunes=db.with_added_fortune(db.fortunes()))
    return _send(start_response, "text/html; charset=utf-8", page.encode())


ROUTES: dict[str, Callable[[dict[str, Any], StartResponse], list[bytes]]] = {
    "/json": json_view,
    "/plaintext": plaintext,
    "/db": single_query,
    "/queries": queries,
    "/updates": updates,
    "/fortunes": fortunes,
}


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    view = ROUTES.get(environ.get("PATH_INFO", ""))
    if view is None or environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not Found"]
    return view(environ, start_response)
