"""The TechEmpower test types in Falcon's idiom: a resource per route, ``resp.media``
for JSON, a Jinja2 template for fortunes.

    gunicorn benchmarks.tfb.falcon_app:app
"""

from __future__ import annotations

from pathlib import Path

import falcon
import jinja2

from benchmarks.tfb import db

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True
)


class Json:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": "Hello, World!"}


class Plaintext:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = b"Hello, World!"


class SingleQuery:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = db.random_world()


class Queries:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = db.random_worlds(db.clamp_queries(req.get_param("queries")))


class Updates:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = db.update_worlds(db.clamp_queries(req.get_param("queries")))


class Fortunes:
    template = templates.get_template("fortunes.html")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(fortunes=db.with_added_fortune(db.fortunes()))


app = falcon.App()
app.add_route("/json", Json())
app.add_route("/plaintext", Plaintext())
app.add_route("/db", SingleQuery())
app.add_route("/queries", Queries())
app.add_route("/updates", Updates())
app.add_route("/fortunes", Fortunes())
