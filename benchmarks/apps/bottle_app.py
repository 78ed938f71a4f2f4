"""Bottle in its own idiom: dicts returned for JSON, ``<id:int>`` filters."""

from __future__ import annotations

from typing import Any

import bottle

from benchmarks.apps import EXTRA_ROUTES


def create_app(extra_routes: int = EXTRA_ROUTES) -> bottle.Bottle:
    app = bottle.Bottle()
    for number in range(extra_routes):
        app.route(f"/extra{number}/<x>/item{number}", "GET", _filler)

    @app.get("/hello")
    def hello() -> str:
        bottle.response.content_type = "text/plain"
        return "Hello, World!"

    @app.get("/json")
    def json() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/<id:int>")
    def user(id: int) -> dict[str, int]:
        return {"id": id}

    @app.route("/users/<id:int>", "OPTIONS")  # Bottle answers no OPTIONS by itself
    def user_options(id: int) -> None:
        bottle.response.status = 204
        bottle.response.set_header("Allow", "GET, HEAD, OPTIONS")

    @app.get("/api/v1/orgs/<org>/projects/<project:int>/items/<item>")
    def deep(org: str, project: int, item: str) -> dict[str, Any]:
        return {"org": org, "project": project, "item": item}

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return {"received": bottle.request.json}

    class ClassView:  # Bottle has no class views: a bound method is the idiom
        def get(self) -> dict[str, str]:
            return {"view": "class"}

    app.route("/cbv", "GET", ClassView().get)
    return app


def _filler(x: str) -> dict[str, str]:
    return {"x": x}
