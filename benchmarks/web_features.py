"""Website features side by side with Flask: a session read, a form POST, a 304.

python -m benchmarks.web_features [--repeat 9] [--number 2000]

Each framework in its own idiom: Roob's ``request.session`` (a signed cookie)
against Flask's ``session``, ``request.form`` against ``request.form``, and
Roob's ``conditional=True`` route against Flask's ``make_conditional``. The
session cookie and the ETag each framework sends are read from a first
request, then the same request is timed, interleaved, as in the main table.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Recorder, Scenario, WSGIApp, call, check

SECRET = "benchmark secret key, not for production"
NOTE = {"id": 1, "title": "A note", "tags": ["a", "b"]}
FORM = b"title=A+note&body=Some+text+for+the+note&csrf=none"


def create_roob() -> WSGIApp:
    from roob import Request, Roob

    app = Roob(static_dir=None, secret_key=SECRET)

    @app.get("/login")
    def login(request: Request) -> dict[str, str]:
        request.session["user"] = "ann"
        return {"user": "ann"}

    @app.get("/session")
    def session(request: Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    @app.post("/form")
    def form(request: Request) -> dict[str, Any]:
        return {"title": request.form["title"], "body": request.form["body"]}

    @app.get("/note", conditional=True)
    def note(request: Request) -> dict[str, Any]:
        return NOTE

    return app


def create_flask() -> WSGIApp:
    from flask import Flask, jsonify, request, session

    app = Flask("bench")
    app.secret_key = SECRET

    @app.get("/login")
    def login() -> dict[str, str]:
        session["user"] = "ann"
        return {"user": "ann"}

    @app.get("/session")
    def read_session() -> dict[str, Any]:
        return {"user": session.get("user")}

    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"title": request.form["title"], "body": request.form["body"]}

    @app.get("/note")
    def note() -> Any:
        response = jsonify(NOTE)
        response.add_etag()
        return response.make_conditional(request)

    return app


APPS = {"roob": create_roob, "flask": create_flask}


def _header(app: WSGIApp, path: str, name: str) -> str:
    """The value of header ``name`` in the answer to ``GET path``."""
    got: dict[str, str] = {}

    class Keep(Recorder):
        def __call__(
            self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            got.update((key.lower(), value) for key, value in headers)

    result = app(Scenario("probe", "GET", path, 200, None).environ(), Keep())
    b"".join(result)
    return got[name.lower()]


def scenarios_for(app: WSGIApp) -> list[Scenario]:
    """The three requests, with the cookie and the ETag this framework gave."""
    cookie = _header(app, "/login", "Set-Cookie").split(";", 1)[0]
    etag = _header(app, "/note", "ETag")
    return [
        Scenario("session read", "GET", "/session", 200, {"user": "ann"},
                 headers=(("HTTP_COOKIE", cookie),)),
        Scenario("form POST", "POST", "/form", 200,
                 {"title": "A note", "body": "Some text for the note"}, body=FORM,
                 content_type="application/x-www-form-urlencoded"),
        Scenario("304", "GET", "/note", 304, None, headers=(("HTTP_IF_NONE_MATCH", etag),)),
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args(argv)
    apps = {name: create() for name, create in APPS.items()}
    scenarios = {name: scenarios_for(app) for name, app in apps.items()}
    for name, app in apps.items():
        for scenario in scenarios[name]:
            check(name, app, scenario)
            if scenario.status == 304 and call(app, scenario)[1]:
                raise AssertionError(f"{name} sent a body with its 304")
    samples: dict[str, dict[str, list[float]]] = {
        scenario.name: {name: [] for name in apps} for scenario in scenarios["roob"]
    }
    for _ in range(args.repeat):
        for index in range(len(scenarios["roob"])):
            for name, app in apps.items():
                scenario = scenarios[name][index]
                samples[scenario.name][name].append(time_per_call(app, scenario, args.number))
    results = {
        label: {name: statistics.median(values) for name, values in by_name.items()}
        for label, by_name in samples.items()
    }
    print("Website features: median µs per request")
    print(f"  {'scenario':<14}{'roob':>8}{'flask':>8}{'x flask':>9}")
    for label, by_name in results.items():
        ratio = by_name["roob"] / by_name["flask"]
        print(f"  {label:<14}{by_name['roob']:8.2f}{by_name['flask']:8.2f}{ratio:9.2f}")
    return results


if __name__ == "__main__":
    main()
