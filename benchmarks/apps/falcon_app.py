"""Falcon in its own idiom: resources with responders, ``resp.media`` for JSON."""

from __future__ import annotations

import falcon

from benchmarks.apps import EXTRA_ROUTES


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Json:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": "Hello, World!"}


class User:
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        resp.media = {"id": id}


class Deep:
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, org: str, project: int, item: str
    ) -> None:
        resp.media = {"org": org, "project": project, "item": item}


class Echo:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"received": req.get_media()}


class ClassView:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"view": "class"}


class Filler:
    def on_get(self, req: falcon.Request, resp: falcon.Response, x: str) -> None:
        resp.media = {"x": x}


def create_app(extra_routes: int = EXTRA_ROUTES) -> falcon.App[falcon.Request, falcon.Response]:
    app = falcon.App()
    filler = Filler()
    for number in range(extra_routes):
        app.add_route(f"/extra{number}/{{x}}/item{number}", filler)
    app.add_route("/hello", Hello())
    app.add_route("/json", Json())
    app.add_route("/users/{id:int}", User())
    app.add_route("/api/v1/orgs/{org}/projects/{project:int}/items/{item}", Deep())
    app.add_route("/echo", Echo())
    app.add_route("/cbv", ClassView())
    return app
