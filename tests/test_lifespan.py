"""Startup and shutdown (roob/lifespan.py), in process.

What a server does with them is in tests/integration/test_lifespan_servers.py
(gunicorn --preload -w 2 by process id, a failing startup under gunicorn and
waitress, waitress on SIGINT and SIGTERM). Here: registration checks, once per
process (threads, fork, the test client), the order, failures, and that a
started application is called without the gate. The test client's behaviour
follows Starlette's TestClient lifespan tests (tests/test_testclient.py:
startup on entering ``with``, shutdown on leaving it, a failing startup raising
there).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from typing import Any

import pytest

import roob.lifespan
from roob import ConfigurationError, GZipMiddleware, Lifespan, Roob
from roob.lifespan import STARTUP_FAILED, lifespan_of, start_process
from roob.testing import TestClient


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def app(events: list[str]) -> Roob:
    """An application whose functions write what ran into ``events``."""
    app = Roob(static_dir=None)

    @app.on_startup
    def open_pool() -> None:
        events.append("open pool")

    @app.on_startup
    def warm_cache() -> None:
        events.append("warm cache")

    @app.on_shutdown
    def close_pool() -> None:
        events.append("close pool")

    @app.on_shutdown
    def flush_metrics() -> None:
        events.append("flush metrics")

    @app.get("/")
    def index(request: Any) -> list[str]:
        return list(events)

    yield app
    app.shutdown()  # whatever the test did, nothing stays started in pytest's process


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only its own applications in the process-wide lists."""
    monkeypatch.setattr(roob.lifespan, "_STARTED", [])
    monkeypatch.setattr(roob.lifespan, "_LIFESPANS", weakref.WeakSet())


def call(app: Any, path: str = "/") -> tuple[str, bytes]:
    """Call ``app`` as a server does; the status and the body."""
    started: list[str] = []
    body = app(
        {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "test",
         "SERVER_PORT": "80", "wsgi.url_scheme": "http"},
        lambda status, headers, exc_info=None: started.append(status),
    )  # fmt: skip
    return started[0], b"".join(body)


# --- registration -------------------------------------------------------------


async def async_open() -> None:
    pass


def yielding_open():  # type: ignore[no-untyped-def]
    yield


def open_with(app):  # type: ignore[no-untyped-def]
    pass


class AsyncCall:
    async def __call__(self) -> None:
        pass


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (async_open, "the startup function async_open is an async def; Roob calls it "
                     "synchronously as async_open(): define it with def"),
        (yielding_open, "the startup function yielding_open is a generator (it yields); "
                        "Roob calls it once as yielding_open() and would run none of its body: "
                        "register what comes before the yield with @app.on_startup and what "
                        "comes after with @app.on_shutdown"),
        (open_with, "the startup function open_with cannot be called as open_with() "
                    "(missing a required argument: 'app'); define it as def open_with(): "
                    "it takes no argument"),
        (AsyncCall(), "is an async def"),
        (lambda app: None, "cannot be called as startup()"),
        ("open_pool", "@app.on_startup: 'open_pool' is not callable"),
    ],
)  # fmt: skip
def test_a_function_startup_could_not_run_is_refused_when_registered(function, message):
    app = Roob(static_dir=None)
    with pytest.raises(ConfigurationError) as refused:
        app.on_startup(function)
    assert message in str(refused.value)
    assert app.lifespan.startup_functions == []


def test_a_shutdown_function_is_checked_the_same_way():
    app = Roob(static_dir=None)
    with pytest.raises(ConfigurationError, match="the shutdown function open_with cannot be"):
        app.on_shutdown(open_with)
    with pytest.raises(ConfigurationError, match=r"@app.on_shutdown: 3 is not callable"):
        app.on_shutdown(3)


def test_functions_with_defaults_methods_and_builtins_are_accepted():
    app = Roob(static_dir=None)

    def with_default(retries: int = 3) -> None:
        pass

    class Pool:
        def open(self) -> None:
            pass

    assert app.on_startup(with_default) is with_default  # the decorator returns it
    app.on_startup(Pool().open)
    app.on_shutdown(dict)  # a builtin: its signature cannot be read, it is let through
    assert len(app.lifespan.startup_functions) == 2


def test_registering_once_started_is_refused_until_shutdown(app, events):
    app.startup()

    def late() -> None:
        pass

    with pytest.raises(ConfigurationError) as refused:
        app.on_startup(late)
    assert (
        "has run its startup in this process already; register test_registering_once_started"
        "_is_refused_until_shutdown.<locals>.late before it serves a request"
    ) in str(refused.value)
    app.shutdown()
    app.on_startup(late)  # a process that has shut down may start again


# --- once per process, before the first request ---------------------------------


def test_startup_runs_before_the_first_request_in_order_and_once(app, events):
    assert events == []  # nothing at registration
    assert call(app) == ("200 OK", b'["open pool","warm cache"]')
    for _ in range(3):
        call(app)
    assert events == ["open pool", "warm cache"]
    assert app.lifespan.started


def test_a_started_application_is_called_without_the_gate(app):
    # The hot path: once started, __call__ goes straight to the stack, as for an
    # application without startup functions.
    assert app._wsgi == app._first_request
    call(app)
    assert app._wsgi is app._stack
    app.add_middleware(GZipMiddleware)  # a middleware added later is in the stack called
    assert app._wsgi is app._stack
    assert isinstance(app._stack, GZipMiddleware)


def test_an_application_without_functions_never_has_a_gate():
    app = Roob(static_dir=None)
    assert app._wsgi is app._stack
    app.startup()  # nothing to run, and nothing to shut down at exit
    assert not app.lifespan.started
    assert roob.lifespan._STARTED == []
    assert app._wsgi is app._stack


def test_a_middleware_added_before_the_first_request_is_behind_the_gate(app, events):
    app.add_middleware(GZipMiddleware)
    assert app._wsgi == app._first_request
    assert call(app)[0] == "200 OK"
    assert events == ["open pool", "warm cache"]
    assert isinstance(app._wsgi, GZipMiddleware)


def test_startup_and_shutdown_are_idempotent(app, events):
    app.shutdown()  # never started: no shutdown
    assert events == []
    app.startup()
    app.startup()
    app.shutdown()
    app.shutdown()
    assert events == ["open pool", "warm cache", "flush metrics", "close pool"]
    app.startup()  # after a shutdown, the process may start again
    assert events[-2:] == ["open pool", "warm cache"]


def test_first_requests_that_race_run_startup_once(events):
    app = Roob(static_dir=None)

    @app.on_startup
    def slow_open() -> None:
        events.append("start")
        time.sleep(0.2)  # the other threads arrive meanwhile
        events.append("ready")

    @app.get("/")
    def index(request: Any) -> list[str]:
        return list(events)

    barrier = threading.Barrier(8)
    answers: list[tuple[str, bytes]] = []

    def first_request() -> None:
        barrier.wait()
        answers.append(call(app))

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events == ["start", "ready"]
    # Every request, the waiting ones too, was served after startup ended.
    assert answers == [("200 OK", b'["start","ready"]')] * 8
    app.shutdown()


def test_a_startup_function_that_calls_the_application_is_an_error_not_a_deadlock():
    app = Roob(static_dir=None)
    client = TestClient(app)

    @app.on_startup
    def check_health() -> None:
        client.get("/")

    with pytest.raises(RuntimeError, match="called during its own startup"):
        app.startup()
    assert not app.lifespan.started


def test_a_forked_child_runs_its_own_startup(app, events):
    # gunicorn --preload: the application was built (here even started) before the fork.
    app.startup()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        try:
            status, body = call(app)
            os.write(writer, f"{os.getpid()}|{status}|{body.decode()}".encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answer:
        child, status, body = answer.read().split("|")
    os.waitpid(pid, 0)
    assert (int(child), status) == (pid, "200 OK")
    # The child inherited the parent's events and ran startup again, for itself.
    assert body == '["open pool","warm cache","open pool","warm cache"]'
    assert events == ["open pool", "warm cache"]  # the parent's own, once


def test_after_a_fork_every_application_is_due_again(app, events, monkeypatch):
    # What os.register_at_fork runs in the child, run here with a child's process id.
    app.startup()
    assert app._wsgi is app._stack
    held = app.lifespan._lock
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)
    roob.lifespan._after_fork_in_child()
    assert roob.lifespan._STARTED == []  # the parent's, not to be shut down here
    assert app.lifespan._lock is not held  # a lock a parent's thread held is not inherited
    assert not app.lifespan.started
    assert app._wsgi == app._first_request
    call(app)
    assert events == ["open pool", "warm cache"] * 2
    app.shutdown()  # the "child's" startup


# --- failures -------------------------------------------------------------------


def test_a_failing_startup_raises_is_logged_and_leaves_nothing_to_shut_down(events, caplog):
    app = Roob(static_dir=None)

    @app.on_startup
    def open_pool() -> None:
        events.append("open pool")

    @app.on_startup
    def connect() -> None:
        raise ConnectionRefusedError("the database is down")

    @app.on_shutdown
    def close_pool() -> None:
        events.append("close pool")

    with pytest.raises(ConnectionRefusedError):
        app.startup()
    (record,) = caplog.records
    assert record.levelno == logging.CRITICAL
    assert record.name == "roob"
    assert record.getMessage() == (
        f"Startup failed in process {os.getpid()}: the startup function "
        "test_a_failing_startup_raises_is_logged_and_leaves_nothing_to_shut_down"
        ".<locals>.connect raised"
    )
    assert record.exc_info is not None
    assert record.exc_info[0] is ConnectionRefusedError
    assert not app.lifespan.started
    assert app._wsgi == app._first_request
    app.shutdown()
    assert events == ["open pool"]  # no shutdown for a startup that did not run through


def test_a_failing_startup_from_a_request_exits_the_process(events, caplog, monkeypatch):
    # What a server sees (tests/integration: gunicorn stops, waitress exits 3); os._exit
    # is replaced here, where it would end the test run.
    app = Roob(static_dir=None)

    @app.on_startup
    def connect() -> None:
        raise ConnectionRefusedError("the database is down")

    @app.get("/")
    def index(request: Any) -> str:
        raise AssertionError("a view served without startup")  # pragma: no cover

    class Exited(BaseException):
        pass

    def exit(status: int) -> None:
        raise Exited(status)

    monkeypatch.setattr(os, "_exit", exit)
    flushed: list[bool] = []
    monkeypatch.setattr(logging, "shutdown", lambda: flushed.append(True))
    with pytest.raises(Exited) as exited:
        call(app)
    assert exited.value.args == (STARTUP_FAILED,) == (3,)
    assert flushed == [True]  # the log lines are out before the process ends
    assert [r.getMessage() for r in caplog.records][1] == (
        f"Process {os.getpid()} exits with status 3 instead of serving requests: its startup failed"
    )


def test_each_failing_shutdown_function_is_logged_and_the_others_run(events, caplog):
    app = Roob(static_dir=None)

    @app.on_shutdown
    def close_pool() -> None:
        events.append("close pool")

    @app.on_shutdown
    def flush_metrics() -> None:
        raise OSError("the collector is gone")

    @app.on_shutdown
    def close_queue() -> None:
        raise ValueError("already closed")

    app.startup()
    app.shutdown()
    assert events == ["close pool"]
    assert [(r.levelno, r.getMessage().split(": ")[1]) for r in caplog.records] == [
        (logging.ERROR, "the shutdown function test_each_failing_shutdown_function_is_logged"
                        "_and_the_others_run.<locals>.close_queue failed"),
        (logging.ERROR, "the shutdown function test_each_failing_shutdown_function_is_logged"
                        "_and_the_others_run.<locals>.flush_metrics failed"),
    ]  # fmt: skip
    assert not app.lifespan.started


# --- the test client ----------------------------------------------------------


def test_the_test_client_as_a_context_manager_runs_startup_and_shutdown(app, events):
    with TestClient(app) as client:
        assert events == ["open pool", "warm cache"]  # before any request
        assert client.get("/").json() == ["open pool", "warm cache"]
    assert events[2:] == ["flush metrics", "close pool"]  # reverse order of registration
    with TestClient(app) as client:  # a second block: the application starts again
        assert client.get("/").status_code == 200
    assert events.count("open pool") == 2
    assert events.count("close pool") == 2


def test_the_test_client_finds_the_application_inside_wsgi_middleware(app, events):
    class Wrapper:  # a WSGI middleware that keeps the application as .application
        def __init__(self, application: Any) -> None:
            self.application = application

        def __call__(self, environ: Any, start_response: Any) -> Any:
            return self.application(environ, start_response)

    with TestClient(Wrapper(GZipMiddleware(app))) as client:
        assert events == ["open pool", "warm cache"]
        assert client.get("/").status_code == 200
    assert events[-1] == "close pool"


def test_the_test_client_leaves_other_applications_alone():
    def plain(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain"]

    with TestClient(plain) as client:
        assert client.get("/").text == "plain"


def test_a_failing_startup_raises_in_the_test_client(events):
    app = Roob(static_dir=None)

    @app.on_startup
    def connect() -> None:
        raise ConnectionRefusedError("the database is down")

    @app.on_shutdown
    def close() -> None:
        events.append("close")

    with pytest.raises(ConnectionRefusedError), TestClient(app):
        pass  # pragma: no cover - the block never starts
    client = TestClient(app)  # without with: at the first request, and each after it
    with pytest.raises(ConnectionRefusedError):
        client.get("/")
    with pytest.raises(ConnectionRefusedError):
        client.get("/")
    assert events == []


def test_without_with_the_test_client_starts_the_application_at_its_first_request(app, events):
    client = TestClient(app)
    assert events == []
    assert client.get("/").json() == ["open pool", "warm cache"]
    client.get("/")
    assert events == ["open pool", "warm cache"]  # shutdown comes at exit (or the fixture's)


# --- server hooks and lookups ------------------------------------------------------


def test_start_process_starts_the_application_a_server_hook_is_given(app, events):
    start_process(GZipMiddleware(app))  # gunicorn's worker.wsgi may be wrapped
    assert events == ["open pool", "warm cache"]
    start_process(lambda environ, start_response: [])  # not a Roob application: nothing


def test_start_process_turns_a_failing_startup_into_a_boot_error(caplog):
    app = Roob(static_dir=None)

    @app.on_startup
    def connect() -> None:
        raise ConnectionRefusedError("the database is down")

    with pytest.raises(SystemExit) as exited:
        start_process(app)
    assert exited.value.code == 3  # gunicorn's WORKER_BOOT_ERROR: the master stops
    assert exited.value.__suppress_context__  # the traceback was logged once, above
    assert "exits with status 3" in caplog.records[-1].getMessage()


def test_lifespan_of_looks_through_a_bounded_chain_of_wrappers(app):
    assert lifespan_of(app) is app.lifespan
    assert lifespan_of(GZipMiddleware(GZipMiddleware(app))) is app.lifespan
    assert lifespan_of(object()) is None

    class Loop:
        def __init__(self) -> None:
            self.app = self

    assert lifespan_of(Loop()) is None


def test_the_lifespan_says_what_it_holds(app):
    assert repr(app.lifespan) == (
        "<Lifespan startup=['app.<locals>.open_pool', 'app.<locals>.warm_cache'] "
        "shutdown=['app.<locals>.close_pool', 'app.<locals>.flush_metrics'] started=False>"
    )
    assert isinstance(app.lifespan, Lifespan)
    assert Lifespan().due is False  # one of its own, for no application


# --- process exit ---------------------------------------------------------------


def test_shutdown_at_exit_runs_for_each_application_last_started_first(events):
    first, second = Roob(static_dir=None), Roob(static_dir=None)
    first.on_shutdown(lambda: events.append("first"))
    second.on_shutdown(lambda: events.append("second"))
    first.startup()
    second.startup()
    roob.lifespan._shut_down_all()  # what atexit runs
    assert events == ["second", "first"]


@pytest.mark.parametrize("ending", ["", "raise SystemExit(0)", "sys.exit('done')"])
def test_a_process_that_exits_normally_runs_shutdown(tmp_path, ending):
    script = textwrap.dedent(f"""
        import sys
        from roob import Roob
        app = Roob(static_dir=None)
        app.on_startup(lambda: print("startup"))
        app.on_shutdown(lambda: print("shutdown"))
        never = Roob(static_dir=None)  # never started: no shutdown
        never.on_shutdown(lambda: print("never"))
        app.startup()
        {ending}
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == ["startup", "shutdown"], done.stderr


def test_a_multiprocessing_child_that_ends_normally_runs_shutdown(tmp_path):
    """granian's workers are multiprocessing processes, which end with os._exit and so run
    no atexit function: shutdown runs from multiprocessing's finalizers there, once."""
    script = textwrap.dedent("""
        import multiprocessing
        from roob import Roob

        def serve():
            for name in ("a", "b"):
                app = Roob(static_dir=None)
                app.on_startup(lambda name=name: print("startup", name, flush=True))
                app.on_shutdown(lambda name=name: print("shutdown", name, flush=True))
                app.startup()
                app.startup()

        if __name__ == "__main__":
            for method in ("fork", "spawn"):
                worker = multiprocessing.get_context(method).Process(target=serve)
                worker.start()
                worker.join()
                print("exit", worker.exitcode, flush=True)
    """)
    (tmp_path / "workers.py").write_text(script)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "workers.py")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    one_worker = ["startup a", "startup b", "shutdown b", "shutdown a", "exit 0"]
    assert done.stdout.splitlines() == one_worker * 2, done.stderr
