"""The TechEmpower test types in Roob's idiom: decorator routes, dicts and lists
returned for JSON, a typed ``queries`` parameter, a Jinja2 template for fortunes.

    gunicorn benchmarks.tfb.roob_app:app
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from benchmarks.tfb import db
from roob import Request, Response, Roob

#: TFB's ``queries``: anything that is not an integer in 1..500 is clamped, never a 422.
Queries = Annotated[int, BeforeValidator(db.clamp_queries)]

HTML = "text/html; charset=utf-8"

app = Roob(template_dir="templates", static_dir=None)


@app.get("/json")
def json(request: Request) -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/plaintext")
def plaintext(request: Request) -> Response:
    return Response(body=b"Hello, World!", content_type="text/plain")


@app.get("/db")
def single_query(request: Request) -> db.World:
    return db.random_world()


@app.get("/queries")
def queries(request: Request, queries: Queries = 1) -> list[db.World]:
    return db.random_worlds(queries)


@app.get("/updates")
def updates(request: Request, queries: Queries = 1) -> list[db.World]:
    return db.update_worlds(queries)


@app.get("/fortunes")
def fortunes(request: Request) -> Response:
    context = {"fortunes": db.with_added_fortune(db.fortunes())}
    return app.render("fortunes.html", context, content_type=HTML)
