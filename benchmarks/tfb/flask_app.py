"""The TechEmpower test types in Flask's idiom: dicts and lists returned for JSON,
``render_template`` for fortunes.

    gunicorn benchmarks.tfb.flask_app:app
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request

from benchmarks.tfb import db
from benchmarks.tfb.db import World

app = Flask(__name__)  # templates from benchmarks/tfb/templates


@app.get("/json")
def json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/plaintext")
def plaintext() -> Response:
    return Response(b"Hello, World!", mimetype="text/plain")


@app.get("/db")
def single_query() -> World:
    return db.random_world()


@app.get("/queries")
def queries() -> list[World]:
    return db.random_worlds(db.clamp_queries(request.args.get("queries")))


@app.get("/updates")
def updates() -> list[World]:
    return db.update_worlds(db.clamp_queries(request.args.get("queries")))


@app.get("/fortunes")
def fortunes() -> str:
    return render_template("fortunes.html", fortunes=db.with_added_fortune(db.fortunes()))
