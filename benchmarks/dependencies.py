"""A view with two cached dependencies (one a generator): Roob against FastAPI and
Litestar, in process.

    python -m benchmarks.dependencies [--repeat 15] [--number 2000]

Each framework serves ``GET /me`` in its own idiom: a ``database`` provider that
yields a session and closes it afterwards (a generator dependency), a
``current_user`` provider that takes the session, and a view that asks for both
the user and the session, so ``database`` is asked for twice and must run once
(the cache). The answer is ``{"user": "ann", "same_session": true}``. Two
references: ``roob-plain``, the same answer from a Roob view that opens and
closes the session itself (the difference is what ``Depends`` costs), and
``raw-asgi``, a hand-written ASGI callable (what calling an ASGI app this way
costs at the least).

Roob is called through its WSGI callable with a prepared environ, as
benchmarks/inprocess.py does. FastAPI (``def`` and ``async def``) and Litestar
(``async def``, and ``def`` with ``sync_to_thread=False``) are called through
their ASGI callables with a prepared scope, a ``receive`` that gives the empty
body and a ``send`` that keeps the status and the body: one coroutine awaits the
app ``--number`` times and one :class:`asyncio.Runner`, reused, runs it, so a
timing includes the app's coroutine and whatever it awaits (FastAPI's ``def``
idiom runs the providers and the view in anyio's worker threads: that is
included, as it is what the idiom costs) and not the event loop's start. The
environs and scopes are built before the clock starts.

Every app is checked first: the status, the body, and that each request opened
one session and closed it (the generator's cleanup ran); after each timing, that
it did so for every timed request. Frameworks are interleaved in a new shuffled
order each repetition; medians with min-max are reported.
"""

# No ``from __future__ import annotations``: the providers are defined inside functions
# (one tracker per app), and the frameworks read their annotations as objects.

import argparse
import asyncio
import gc
import json
import random
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Scenario, call

NAME = "two cached dependencies (one a generator)"
PATH = "/me"
EXPECTED = {"user": "ann", "same_session": True}
SCENARIO = Scenario("dependencies", "GET", PATH, 200, EXPECTED)
#: The distributions whose versions the results record.
VERSIONED = ("roob-web", "fastapi", "starlette", "litestar", "msgspec", "pydantic", "anyio")


class Tracker:
    """Counts the sessions each app opened and closed."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0


class Session:
    def __init__(self, tracker: Tracker) -> None:
        tracker.opened += 1
        self.tracker = tracker
        self.open = True

    def close(self) -> None:
        self.open = False
        self.tracker.closed += 1


@dataclass(frozen=True)
class User:
    name: str
    session: Session


# The apps, each in its framework's idiom. -------------------------------------------


def roob_app(tracker: Tracker) -> Any:
    from roob import Depends, Roob

    def database() -> Iterator[Session]:
        session = Session(tracker)
        try:
            yield session
        finally:
            session.close()

    def current_user(db: Annotated[Session, Depends(database)]) -> User:
        return User("ann", db)

    app = Roob(static_dir=None)

    @app.get(PATH)
    def me(
        request: Any,
        user: Annotated[User, Depends(current_user)],
        db: Annotated[Session, Depends(database)],
    ) -> dict[str, Any]:
        return {"user": user.name, "same_session": user.session is db}

    return app


def roob_plain_app(tracker: Tracker) -> Any:
    """The same answer without ``Depends``: the view opens and closes the session itself
    (what the dependencies cost Roob is the difference)."""
    from roob import Roob

    app = Roob(static_dir=None)

    @app.get(PATH)
    def me(request: Any) -> dict[str, Any]:
        session = Session(tracker)
        try:
            user = User("ann", session)
            return {"user": user.name, "same_session": user.session is session}
        finally:
            session.close()

    return app


def raw_asgi_app(tracker: Tracker) -> Any:
    """A hand-written ASGI callable giving the same answer: what the calling costs."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        session = Session(tracker)
        try:
            user = User("ann", session)
            body = json.dumps({"user": user.name, "same_session": user.session is session})
            encoded = body.encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(encoded)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": encoded})
        finally:
            session.close()

    return app


def fastapi_app(tracker: Tracker, *, asynchronous: bool) -> Any:
    from fastapi import Depends, FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if asynchronous:

        async def adatabase() -> AsyncIterator[Session]:
            session = Session(tracker)
            try:
                yield session
            finally:
                session.close()

        async def acurrent_user(db: Annotated[Session, Depends(adatabase)]) -> User:
            return User("ann", db)

        @app.get(PATH)
        async def ame(
            user: Annotated[User, Depends(acurrent_user)],
            db: Annotated[Session, Depends(adatabase)],
        ) -> dict[str, Any]:
            return {"user": user.name, "same_session": user.session is db}

        return app

    def database() -> Iterator[Session]:
        session = Session(tracker)
        try:
            yield session
        finally:
            session.close()

    def current_user(db: Annotated[Session, Depends(database)]) -> User:
        return User("ann", db)

    @app.get(PATH)
    def me(
        user: Annotated[User, Depends(current_user)],
        db: Annotated[Session, Depends(database)],
    ) -> dict[str, Any]:
        return {"user": user.name, "same_session": user.session is db}

    return app


def litestar_app(tracker: Tracker, *, asynchronous: bool) -> Any:
    from litestar import Litestar, get
    from litestar.di import NamedDependency, Provide

    if asynchronous:

        async def adatabase() -> AsyncIterator[Session]:
            session = Session(tracker)
            try:
                yield session
            finally:
                session.close()

        async def acurrent_user(db: NamedDependency[Session]) -> User:
            return User("ann", db)

        @get(PATH)
        async def ame(user: NamedDependency[User], db: NamedDependency[Session]) -> dict[str, Any]:
            return {"user": user.name, "same_session": user.session is db}

        return Litestar(
            [ame],
            dependencies={"db": Provide(adatabase), "user": Provide(acurrent_user)},
            openapi_config=None,
        )

    def database() -> Iterator[Session]:
        session = Session(tracker)
        try:
            yield session
        finally:
            session.close()

    def current_user(db: NamedDependency[Session]) -> User:
        return User("ann", db)

    @get(PATH, sync_to_thread=False)
    def me(user: NamedDependency[User], db: NamedDependency[Session]) -> dict[str, Any]:
        return {"user": user.name, "same_session": user.session is db}

    return Litestar(
        [me],
        dependencies={
            "db": Provide(database),
            "user": Provide(current_user, sync_to_thread=False),
        },
        openapi_config=None,
    )


# Calling them. ----------------------------------------------------------------------


def scope() -> dict[str, Any]:
    """A fresh ASGI HTTP scope for ``GET /me`` (the apps write into it)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


REQUEST_MESSAGE = {"type": "http.request", "body": b"", "more_body": False}


async def receive() -> dict[str, Any]:
    return REQUEST_MESSAGE


class Framework:
    """One app and how to call it: ``answer()`` for the check, ``time(number)`` for µs."""

    def __init__(self, name: str, app: Any, tracker: Tracker) -> None:
        self.name = name
        self.app = app
        self.tracker = tracker

    def answer(self) -> tuple[int, bytes]:
        raise NotImplementedError

    def time(self, number: int) -> float:
        raise NotImplementedError

    def close(self) -> None:
        pass


class WSGIFramework(Framework):
    def answer(self) -> tuple[int, bytes]:
        return call(self.app, SCENARIO)

    def time(self, number: int) -> float:
        return time_per_call(self.app, SCENARIO, number)


class ASGIFramework(Framework):
    def __init__(self, name: str, app: Any, tracker: Tracker) -> None:
        super().__init__(name, app, tracker)
        self.runner = asyncio.Runner()

    def close(self) -> None:
        self.runner.close()

    def answer(self) -> tuple[int, bytes]:
        status = 0
        body: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        self.runner.run(self.app(scope(), receive, send))
        return status, b"".join(body)

    def time(self, number: int) -> float:
        app = self.app
        scopes = [scope() for _ in range(number)]  # built outside the timing
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
        assert sent == 2 * number, sent  # the start and the body of each answer
        return elapsed / number / 1000


#: The columns of the table, in order, and how each app is made.
FRAMEWORKS: dict[str, Callable[[Tracker], Framework]] = {
    "roob": lambda t: WSGIFramework("roob", roob_app(t), t),
    "roob-plain": lambda t: WSGIFramework("roob-plain", roob_plain_app(t), t),
    "fastapi-def": lambda t: ASGIFramework("fastapi-def", fastapi_app(t, asynchronous=False), t),
    "fastapi-async": lambda t: ASGIFramework("fastapi-async", fastapi_app(t, asynchronous=True), t),
    "litestar-async": lambda t: ASGIFramework(
        "litestar-async", litestar_app(t, asynchronous=True), t
    ),
    "litestar-def": lambda t: ASGIFramework("litestar-def", litestar_app(t, asynchronous=False), t),
    "raw-asgi": lambda t: ASGIFramework("raw-asgi", raw_asgi_app(t), t),
}


class WrongAnswer(AssertionError):
    """A framework answered wrongly: it is not timed."""


def check(framework: Framework) -> None:
    """The status, the body, and one session opened and closed by the request."""
    opened, closed = framework.tracker.opened, framework.tracker.closed
    status, body = framework.answer()
    if status != 200:
        raise WrongAnswer(f"{framework.name}: status {status}, not 200: {body[:200]!r}")
    if json.loads(body) != EXPECTED:
        raise WrongAnswer(f"{framework.name}: body {body!r}, not {EXPECTED!r}")
    if (framework.tracker.opened - opened, framework.tracker.closed - closed) != (1, 1):
        raise WrongAnswer(
            f"{framework.name}: {framework.tracker.opened - opened} sessions opened and "
            f"{framework.tracker.closed - closed} closed by one request, not 1 and 1"
        )


def timed(framework: Framework, number: int) -> float:
    """``framework.time(number)``, checked: every request opened and closed its session."""
    opened, closed = framework.tracker.opened, framework.tracker.closed
    elapsed = framework.time(number)
    done = (framework.tracker.opened - opened, framework.tracker.closed - closed)
    if done != (number, number):
        raise WrongAnswer(f"{framework.name}: {done} sessions opened/closed, not {number}")
    return elapsed


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    args = parser.parse_args(argv)
    frameworks = [FRAMEWORKS[name](Tracker()) for name in args.frameworks]
    try:
        for framework in frameworks:
            check(framework)
            timed(framework, 20)  # warm-up
        samples: dict[str, list[float]] = {f.name: [] for f in frameworks}
        order = list(frameworks)
        shuffler = random.Random(2026)
        for _ in range(args.repeat):
            shuffler.shuffle(order)
            for framework in order:
                samples[framework.name].append(timed(framework, args.number))
    finally:
        for framework in frameworks:
            framework.close()
    results: dict[str, Any] = {
        name: {"median": statistics.median(v), "min": min(v), "max": max(v)}
        for name, v in samples.items()
    }
    print(table(results, args.repeat, args.number))
    return {
        "scenario": NAME,
        "versions": versions(),
        "repeat": args.repeat,
        "number": args.number,
        "results": results,
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in VERSIONED}


def table(results: dict[str, dict[str, float]], repeat: int, number: int) -> str:
    """The medians (min-max), and each median against Roob's."""
    lines = [
        f"Dependencies, {NAME}: median µs per request (min-max over {repeat} x {number})",
        "",
        f"  {'framework':<15}{'median':>9}  {'min-max':<15}{'roob / it':>10}",
    ]
    roob = results.get("roob", {}).get("median")
    for name, r in results.items():
        ratio = f"{roob / r['median']:10.2f}" if roob is not None else ""
        spread = f"{r['min']:.2f}-{r['max']:.2f}"
        lines.append(f"  {name:<15}{r['median']:9.2f}  {spread:<15}{ratio}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
