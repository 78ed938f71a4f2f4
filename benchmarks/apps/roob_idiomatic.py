"""Roob in its own idiom: dicts for JSON, ``roob.Response`` for text, a class view."""

from __future__ import annotations

from typing import Any

from benchmarks.apps import EXTRA_ROUTES
from roob import Request, Response, Roob


def create_app(extra_routes: int = EXTRA_ROUTES) -> Roob:
    app = Roob(static_dir=None)
    for number in range(extra_routes):
        app.add_route(f"/extra{number}/{{x}}/item{number}", _filler, name=f"extra{number}")

    @app.get("/hello")
    def hello(request: Request) -> Response:
        return Response(text="Hello, World!", content_type="text/plain")

    @app.get("/json")
    def json(request: Request) -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{id:int}")
    def user(request: Request, id: int) -> dict[str, int]:
        return {"id": id}

    @app.get("/api/v1/orgs/{org}/projects/{project:int}/items/{item}")
    def deep(request: Request, org: str, project: int, item: str) -> dict[str, Any]:
        return {"org": org, "project": project, "item": item}

    @app.post("/echo")
    def echo(request: Request) -> dict[str, Any]:
        return {"received": request.json}

    @app.route("/cbv")
    class ClassView:
        def get(self, request: Request) -> dict[str, str]:
            return {"view": "class"}

    return app


def _filler(request: Request, x: str) -> dict[str, str]:
    return {"x": x}
