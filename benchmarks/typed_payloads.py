"""Real payloads, typed: Roob against FastAPI, Litestar, Falcon and Flask, in process.

    python -m benchmarks.typed_payloads [--repeat 15] [--budget 40] [--number N]

Five scenarios (issue 21), each framework in its own idiom:

``typed-query``
    ``GET /search?q=pen&page=2&size=50``: three typed query parameters, echoed.
``typed-body``
    ``POST /items`` with a three-field model as JSON, answered 201 with the item.
``response-model``
    ``GET /items``: 100 rows (dicts with one field more than the model, ``cost``)
    sent through a response model ``list[Item]``, which drops ``cost``.
``big-json``
    ``GET /rows``: 1,000 plain dicts as JSON (about 70 kB).
``typed-422``
    ``POST /items`` whose ``price`` is not a number: the validation errors.

The columns: ``roob`` (typed parameters, ``item: Item``, ``-> list[Item]``);
``fastapi-def`` and ``fastapi-async`` (the same views as ``def`` and ``async def``;
the ``def`` ones run in anyio's worker threads, as that idiom does);
``litestar`` (``async def`` handlers, msgspec ``Struct`` models: Litestar's
fastest idiom; the response model is ``msgspec.convert(rows, list[Item])``, as
Litestar does not validate what a handler returns; a validation failure is
Litestar's 400, its documented status, not 422); ``falcon`` and ``flask``
validating with pydantic by hand (``model_validate`` of the query's dict,
``model_validate_json`` of the body, ``Item.model_validate(row).model_dump()``
for each row); and, on the response-model scenario only, ``falcon-typeadapter``:
Falcon with a hand-written ``TypeAdapter(list[Item]).dump_json(validate_python(rows))``.

The WSGI apps are called with prepared environs (as benchmarks/inprocess.py
does); the ASGI apps through their callables with prepared scopes, a ``receive``
that gives the body and a ``send`` that counts the messages, one coroutine
awaiting the app ``number`` times in one reused :class:`asyncio.Runner` (as
benchmarks/dependencies.py does). Every app's answer to every scenario is
checked first (status, content type, body); a wrong answer stops the run. Each
(scenario, framework) timing runs for about ``--budget`` ms (the count of
requests is found in the warm-up: FastAPI takes milliseconds where Roob takes
microseconds), or ``--number`` requests; the frameworks are interleaved in a new
shuffled order each repetition. Reported: medians with min-max, and the ratios
issue 21's goals name.
"""

# No ``from __future__ import annotations``: FastAPI and Litestar read the views'
# annotations as objects.

import argparse
import asyncio
import gc
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from pydantic import BaseModel, TypeAdapter, ValidationError

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Scenario, WrongAnswer

#: The distributions whose versions the results record.
VERSIONED = ("roob-web", "fastapi", "starlette", "litestar", "msgspec", "pydantic",
             "pydantic-core", "falcon", "flask", "anyio")  # fmt: skip


# The data. --------------------------------------------------------------------------


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


class Row(BaseModel):
    """The response model: a row without its ``cost``."""

    id: int
    name: str
    price: float
    tags: list[str]


class SearchParams(BaseModel):
    """The query, for the frameworks that validate it by hand."""

    q: str
    page: int = 1
    size: int = 20


class ItemStruct(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


class RowStruct(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]


#: What the response model is given: rows with a field it does not send.
ROWS = [
    {"id": n, "name": f"item {n}", "price": n + 0.5, "tags": ["a", "b"], "cost": n / 4}
    for n in range(100)
]
FILTERED = [{key: value for key, value in row.items() if key != "cost"} for row in ROWS]
#: 1,000 plain dicts, about 70 kB of JSON.
BIG = [
    {"id": n, "name": f"record {n}", "price": n * 1.25, "in_stock": n % 3 != 0, "tags": ["x"]}
    for n in range(1000)
]
ITEM = {"name": "pen", "price": 1.5, "tags": ["a", "b"]}
SEARCH = {"q": "pen", "page": 2, "size": 50}

SCENARIOS = (
    Scenario("typed-query", "GET", "/search", 200, SEARCH, query="q=pen&page=2&size=50"),
    Scenario("typed-body", "POST", "/items", 201, ITEM, body=json.dumps(ITEM).encode()),
    Scenario("response-model", "GET", "/items", 200, FILTERED),
    Scenario("big-json", "GET", "/rows", 200, BIG),
    # expected None: the body is each framework's own error document, checked to be JSON
    # naming the field (see check()).
    Scenario("typed-422", "POST", "/items", 422, None, body=b'{"name": "pen", "price": "cheap"}'),
)
SCENARIOS_BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
#: The statuses that differ from the scenario's: Litestar's validation failure is a 400.
STATUS = {("litestar", "typed-422"): 400}
#: The frameworks that serve only some scenarios.
ONLY = {"falcon-typeadapter": ("response-model",)}
LABELS = {
    "typed-query": "three typed query parameters",
    "typed-body": "a pydantic model body, 201",
    "response-model": "100 items through a response model list[Item]",
    "big-json": "1,000 plain dicts as JSON (~70 kB)",
    "typed-422": "a 422 with the errors",
}


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return exc.errors(include_url=False, include_context=False, include_input=False)  # type: ignore[return-value]


# The apps, each in its framework's idiom. -------------------------------------------


def roob_app() -> Any:
    from roob import Request, Roob

    app = Roob(static_dir=None)

    @app.get("/search")
    def search(request: Request, q: str, page: int = 1, size: int = 20) -> dict[str, Any]:
        return {"q": q, "page": page, "size": size}

    @app.post("/items", status=201)
    def create(request: Request, item: Item) -> Item:
        return item

    @app.get("/items")
    def items(request: Request) -> list[Row]:
        return ROWS  # type: ignore[return-value]  # dicts: the response model filters them

    @app.get("/rows")
    def rows(request: Request) -> list[dict[str, Any]]:
        return BIG

    return app


def fastapi_app(*, asynchronous: bool) -> Any:
    from fastapi import FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if asynchronous:

        @app.get("/search")
        async def asearch(q: str, page: int = 1, size: int = 20) -> dict[str, Any]:
            return {"q": q, "page": page, "size": size}

        @app.post("/items", status_code=201)
        async def acreate(item: Item) -> Item:
            return item

        @app.get("/items", response_model=list[Row])
        async def aitems() -> Any:
            return ROWS

        @app.get("/rows")
        async def arows():  # type: ignore[no-untyped-def]  # no response model: jsonable_encoder
            return BIG

        return app

    @app.get("/search")
    def search(q: str, page: int = 1, size: int = 20) -> dict[str, Any]:
        return {"q": q, "page": page, "size": size}

    @app.post("/items", status_code=201)
    def create(item: Item) -> Item:
        return item

    @app.get("/items", response_model=list[Row])
    def items() -> Any:
        return ROWS

    @app.get("/rows")
    def rows():  # type: ignore[no-untyped-def]
        return BIG

    return app


def litestar_app() -> Any:
    from litestar import Litestar, get, post
    from litestar.params import FromQuery, JSONBody

    # The markers Litestar 2.25 asks for (the inferred style is deprecated).
    @get("/search")
    async def search(
        q: FromQuery[str], page: FromQuery[int] = 1, size: FromQuery[int] = 20
    ) -> dict[str, Any]:
        return {"q": q, "page": page, "size": size}

    @post("/items")  # 201 by default
    async def create(data: JSONBody[ItemStruct]) -> ItemStruct:
        return data

    @get("/items")
    async def items() -> list[RowStruct]:
        return msgspec.convert(ROWS, list[RowStruct])  # unknown fields (cost) dropped

    @get("/rows")
    async def rows() -> list[dict[str, Any]]:
        return BIG

    return Litestar([search, create, items, rows], openapi_config=None)


def falcon_app(*, type_adapter: bool = False) -> Any:
    import falcon

    rows_adapter = TypeAdapter(list[Row])

    class Search:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            try:
                params = SearchParams.model_validate(req.params)
            except ValidationError as exc:
                resp.status = 422
                resp.media = {"errors": _errors(exc)}
                return
            resp.media = params.model_dump()

    class Items:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            try:
                item = Item.model_validate_json(req.bounded_stream.read())
            except ValidationError as exc:
                resp.status = 422
                resp.media = {"errors": _errors(exc)}
                return
            resp.status = 201
            resp.content_type = falcon.MEDIA_JSON
            resp.data = item.model_dump_json().encode()

        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            if type_adapter:  # by hand, in one pass
                resp.content_type = falcon.MEDIA_JSON
                resp.data = rows_adapter.dump_json(rows_adapter.validate_python(ROWS))
            else:
                resp.media = [Row.model_validate(row).model_dump() for row in ROWS]

    class Rows:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = BIG

    app = falcon.App()
    app.add_route("/search", Search())
    app.add_route("/items", Items())
    app.add_route("/rows", Rows())
    return app


def flask_app() -> Any:
    from flask import Flask, request

    app = Flask(__name__)

    @app.get("/search")
    def search() -> Any:
        try:
            params = SearchParams.model_validate(request.args.to_dict())
        except ValidationError as exc:
            return {"errors": _errors(exc)}, 422
        return params.model_dump()

    @app.post("/items")
    def create() -> Any:
        try:
            item = Item.model_validate_json(request.get_data())
        except ValidationError as exc:
            return {"errors": _errors(exc)}, 422
        return item.model_dump(), 201

    @app.get("/items")
    def items() -> Any:
        return [Row.model_validate(row).model_dump() for row in ROWS]

    @app.get("/rows")
    def rows() -> Any:
        return BIG

    return app


# Calling them. ----------------------------------------------------------------------


def scope(scenario: Scenario) -> dict[str, Any]:
    """A fresh ASGI HTTP scope for ``scenario`` (the apps write into it)."""
    headers = [(b"host", b"127.0.0.1:8000")]
    if scenario.body:
        headers += [
            (b"content-type", scenario.content_type.encode()),
            (b"content-length", str(len(scenario.body)).encode()),
        ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": scenario.method,
        "scheme": "http",
        "path": scenario.path,
        "raw_path": scenario.path.encode(),
        "root_path": "",
        "query_string": scenario.query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


Answer = tuple[int, str, bytes]  # status, content type, body


class Framework:
    """One app and how to call it: ``answer(scenario)`` for the check, ``time`` for µs."""

    def __init__(self, name: str, app: Any) -> None:
        self.name = name
        self.app = app

    def answer(self, scenario: Scenario) -> Answer:
        raise NotImplementedError

    def time(self, scenario: Scenario, number: int) -> float:
        raise NotImplementedError

    def close(self) -> None:
        pass


class WSGIFramework(Framework):
    def answer(self, scenario: Scenario) -> Answer:
        kept: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> None:
            kept["status"], kept["headers"] = status, headers

        result = self.app(scenario.environ(), start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        content_type = next(
            (value for key, value in kept["headers"] if key.lower() == "content-type"), ""
        )
        return int(kept["status"].split(" ", 1)[0]), content_type, body

    def time(self, scenario: Scenario, number: int) -> float:
        return time_per_call(self.app, scenario, number)


def _receiver(scenario: Scenario) -> Callable[[], Any]:
    message = {"type": "http.request", "body": scenario.body, "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    return receive


class ASGIFramework(Framework):
    def __init__(self, name: str, app: Any) -> None:
        super().__init__(name, app)
        self.runner = asyncio.Runner()

    def close(self) -> None:
        self.runner.close()

    def answer(self, scenario: Scenario) -> Answer:
        kept: dict[str, Any] = {"status": 0, "headers": [], "body": []}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept["status"], kept["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                kept["body"].append(message.get("body", b""))

        self.runner.run(self.app(scope(scenario), _receiver(scenario), send))
        content_type = next(
            (v.decode() for k, v in kept["headers"] if k.lower() == b"content-type"), ""
        )
        return kept["status"], content_type, b"".join(kept["body"])

    def time(self, scenario: Scenario, number: int) -> float:
        app = self.app
        scopes = [scope(scenario) for _ in range(number)]  # built outside the timing
        receive = _receiver(scenario)
        sent = 0

        async def send(message: dict[str, Any]) -> None:
            nonlocal sent
            sent += 1

        async def serve() -> int:
            begin = time.perf_counter_ns()
            for each in scopes:
                await app(each, receive, send)
            return time.perf_counter_ns() - begin

        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            elapsed = self.runner.run(serve())
        finally:
            if gc_was_enabled:
                gc.enable()
        assert sent == 2 * number, (self.name, scenario.name, sent)  # start and body
        return elapsed / number / 1000


#: The columns of the table, in order, and how each app is made.
FRAMEWORKS: dict[str, Callable[[], Framework]] = {
    "roob": lambda: WSGIFramework("roob", roob_app()),
    "fastapi-def": lambda: ASGIFramework("fastapi-def", fastapi_app(asynchronous=False)),
    "fastapi-async": lambda: ASGIFramework("fastapi-async", fastapi_app(asynchronous=True)),
    "litestar": lambda: ASGIFramework("litestar", litestar_app()),
    "falcon": lambda: WSGIFramework("falcon", falcon_app()),
    "flask": lambda: WSGIFramework("flask", flask_app()),
    "falcon-typeadapter": lambda: WSGIFramework(
        "falcon-typeadapter", falcon_app(type_adapter=True)
    ),
}


def serves(framework: str, scenario: Scenario) -> bool:
    return scenario.name in ONLY.get(framework, (scenario.name,))


def check(framework: Framework, scenario: Scenario) -> None:
    """The status, a JSON content type, and the body: the scenario's document, or for the
    error, a JSON document that names the field that failed."""
    where = f"{framework.name} {scenario.name}"
    status, content_type, body = framework.answer(scenario)
    expected_status = STATUS.get((framework.name, scenario.name), scenario.status)
    if status != expected_status:
        raise WrongAnswer(f"{where}: status {status}, not {expected_status}: {body[:200]!r}")
    if not content_type.startswith("application/json"):
        raise WrongAnswer(f"{where}: content type {content_type!r}, not application/json")
    try:
        got = json.loads(body)
    except ValueError:
        raise WrongAnswer(f"{where}: body is not JSON: {body[:80]!r}") from None
    if scenario.expected is None:
        if "price" not in json.dumps(got):
            raise WrongAnswer(f"{where}: the errors do not name the field price: {got!r}")
    elif got != scenario.expected:
        raise WrongAnswer(f"{where}: body {str(got)[:200]}, not {str(scenario.expected)[:200]}")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--budget", type=float, default=40.0, help="ms per timing (default 40)")
    parser.add_argument("--number", type=int, help="requests per timing (instead of --budget)")
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    parser.add_argument("--scenarios", nargs="+", default=[s.name for s in SCENARIOS],
                        choices=[s.name for s in SCENARIOS])  # fmt: skip
    args = parser.parse_args(argv)
    scenarios = [s for s in SCENARIOS if s.name in args.scenarios]
    frameworks = [FRAMEWORKS[name]() for name in args.frameworks]
    try:
        pairs = [(s, f) for s in scenarios for f in frameworks if serves(f.name, s)]
        for scenario, framework in pairs:
            check(framework, scenario)
        numbers: dict[tuple[str, str], int] = {}
        for scenario, framework in pairs:  # warm-up, and the count for the budget
            estimate = framework.time(scenario, 5)
            budgeted = round(args.budget * 1000 / estimate)
            numbers[scenario.name, framework.name] = args.number or max(5, min(2000, budgeted))
        samples: dict[str, dict[str, list[float]]] = {s.name: {} for s in scenarios}
        shuffler = random.Random(2026)
        order = list(pairs)
        for _ in range(args.repeat):
            shuffler.shuffle(order)
            for scenario, framework in order:
                number = numbers[scenario.name, framework.name]
                elapsed = framework.time(scenario, number)
                samples[scenario.name].setdefault(framework.name, []).append(elapsed)
    finally:
        for framework in frameworks:
            framework.close()
    results = {
        scenario: {
            name: {
                "median": statistics.median(v),
                "min": min(v),
                "max": max(v),
                "number": numbers[scenario, name],
            }
            for name, v in sorted(by.items(), key=lambda kv: args.frameworks.index(kv[0]))
        }
        for scenario, by in samples.items()
    }
    measured = ratios(results)
    print(table(results, measured, args.repeat))
    return {
        "versions": versions(),
        "repeat": args.repeat,
        "budget_ms": args.budget,
        "results": results,
        "ratios": measured,
    }


#: The ratios reported: (scenario, the framework Roob is divided by, the most issue 21's
#: goals let the ratio be, or None: no goal, reported for comparison).
GOALS = (
    *((s, "litestar", 0.5) for s in ("typed-query", "typed-body", "typed-422")),
    ("big-json", "litestar", 1.5),
    ("response-model", "litestar", None),
    ("response-model", "falcon-typeadapter", 1.0),
    *((s.name, "fastapi-async", 0.5) for s in SCENARIOS),
)


def ratios(results: dict[str, dict[str, dict[str, float]]]) -> list[dict[str, Any]]:
    """Roob's median over the other's, for each of :data:`GOALS` whose two medians were
    measured; ``met`` is None where there is no goal."""
    found = []
    for scenario, other, goal in GOALS:
        by = results.get(scenario, {})
        if "roob" in by and other in by:
            ratio = by["roob"]["median"] / by[other]["median"]
            found.append({"scenario": scenario, "over": other, "ratio": ratio, "goal": goal,
                          "met": None if goal is None else ratio <= goal})  # fmt: skip
    return found


def table(
    results: dict[str, dict[str, dict[str, float]]], measured: list[dict[str, Any]], repeat: int
) -> str:
    names = list(FRAMEWORKS)
    present = [n for n in names if any(n in by for by in results.values())]
    lines = [
        f"Typed payloads: median µs per request (min-max over {repeat} repetitions)",
        "",
        f"{'scenario':<16}" + "".join(f"{name:>26}" for name in present),
    ]
    lines.append("-" * len(lines[-1]))
    for scenario, by in results.items():
        cells = ""
        for name in present:
            if name not in by:
                cells += f"{'':>26}"
                continue
            r = by[name]
            cells += f"{r['median']:.1f} ({r['min']:.1f}-{r['max']:.1f})".rjust(26)
        lines.append(f"{scenario:<16}{cells}")
    lines += ["", "Issue 21's goals: Roob's median / the other's", ""]
    for r in measured:
        if r["goal"] is None:
            verdict = "no goal"
        else:
            verdict = f"goal <= {r['goal']:.1f}: {'met' if r['met'] else 'not met'}"
        lines.append(f"  {r['scenario']:<16} roob / {r['over']:<20}{r['ratio']:8.2f}   {verdict}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in VERSIONED}


if __name__ == "__main__":
    main()
