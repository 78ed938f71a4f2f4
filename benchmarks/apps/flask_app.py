"""Flask in its own idiom: dicts returned for JSON, a ``MethodView`` class view."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.views import MethodView

from benchmarks.apps import EXTRA_ROUTES


class ClassView(MethodView):
    def get(self) -> dict[str, str]:
        return {"view": "class"}


def create_app(extra_routes: int = EXTRA_ROUTES) -> Flask:
    app = Flask("bench")
    for number in range(extra_routes):
        app.add_url_rule(
            f"/extra{number}/<x>/item{number}", f"extra{number}", _filler, methods=["GET"]
        )

    @app.get("/hello")
    def hello() -> tuple[str, int, dict[str, str]]:
        return "Hello, World!", 200, {"Content-Type": "text/plain"}

    @app.get("/json")
    def json() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/<int:id>")
    def user(id: int) -> dict[str, int]:
        return {"id": id}

    @app.get("/api/v1/orgs/<org>/projects/<int:project>/items/<item>")
    def deep(org: str, project: int, item: str) -> dict[str, Any]:
        return {"org": org, "project": project, "item": item}

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return {"received": request.get_json(force=True)}

    app.add_url_rule("/cbv", view_func=ClassView.as_view("cbv"))
    return app


def _filler(x: str) -> dict[str, str]:
    return {"x": x}
