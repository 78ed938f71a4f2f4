"""Roob written as the seed's README writes views: each returns a ``webob.Response``."""

from __future__ import annotations

from webob import Request, Response

from benchmarks.apps import EXTRA_ROUTES
from roob import Roob


def create_app(extra_routes: int = EXTRA_ROUTES) -> Roob:
    app = Roob(static_dir=None)
    for number in range(extra_routes):
        app.add_route(f"/extra{number}/{{x}}/item{number}", _filler, name=f"extra{number}")

    @app.route("/hello")
    def hello(request: Request) -> Response:
        return Response(text="Hello, World!", content_type="text/plain")

    @app.route("/json")
    def json(request: Request) -> Response:
        return Response(json_body={"message": "Hello, World!"})

    @app.route("/users/{id:d}")
    def user(request: Request, id: int) -> Response:
        return Response(json_body={"id": id})

    @app.route("/api/v1/orgs/{org}/projects/{project:d}/items/{item}")
    def deep(request: Request, org: str, project: int, item: str) -> Response:
        return Response(json_body={"org": org, "project": project, "item": item})

    @app.route("/echo", methods=["POST"])
    def echo(request: Request) -> Response:
        return Response(json_body={"received": request.json})

    @app.route("/cbv")
    class ClassView:
        def get(self, request: Request) -> Response:
            return Response(json_body={"view": "class"})

    return app


def _filler(request: Request, x: str) -> Response:
    return Response(json_body={"x": x})
