"""Startup and shutdown (roob/lifespan.py) under real servers, read by process id.

The application (lifespan_app.py) writes ``startup <pid>``, ``goodbye <pid>``
and ``shutdown <pid>`` lines, and answers with the process that serves and
the process that opened its pool. Under ``gunicorn --preload -w 2`` the
application is built once, in the master, and each worker must run startup
after the fork, once, with a pool of its own; a startup that fails must stop
gunicorn rather than let its workers answer 500s. waitress runs startup once
for first requests that race, and shutdown when it stops.
"""

from __future__ import annotations

import json
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.servers import REPO_ROOT, ServerProcess, free_port

HERE = pathlib.Path(__file__).resolve().parent
# Imported from its folder, not as tests.integration...: a dependency that ships a
# top-level "tests" package would shadow the repository's.
APP = "lifespan_app:app"
TIMEOUT = 30.0


def gunicorn(
    port: int, worker_class: str = "sync", *, settings: bool = False, graceful_timeout: int = 30
) -> list[str]:
    """gunicorn --preload with two workers; with the deploy settings (gthread, and
    the post_worker_init hook that starts the application as each worker boots)."""
    command = [sys.executable, "-m", "gunicorn", "--graceful-timeout", str(graceful_timeout)]
    if settings:
        command += ["-c", "deploy/gunicorn.conf.py"]
    else:
        command += ["--worker-class", worker_class]
    return [
        *command, "--preload", "--workers", "2", "--bind", f"127.0.0.1:{port}",
        "--no-control-socket", "--pythonpath", str(HERE), APP,
    ]  # fmt: skip


def waitress(port: int) -> list[str]:
    return [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=4", APP]


def server(
    tmp_path: pathlib.Path, command: list[str], port: int, **env: str
) -> tuple[ServerProcess, pathlib.Path]:
    events = tmp_path / "events"
    process = ServerProcess(
        command,
        port=port,
        log=tmp_path / "server.log",
        env={"ROOB_TEST_EVENTS": str(events), **env},
        ready_path="/pool",
        cwd=REPO_ROOT if command[2] == "gunicorn" else HERE,
    )
    return process, events


def launch(process: ServerProcess) -> ServerProcess:
    """Start the server without sending it a request (ServerProcess.start sends one)."""
    with process.log.open("ab") as output:
        process.process = subprocess.Popen(
            process.command, cwd=process.cwd, env=process.env, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process


def wait_until(condition: Callable[[], bool], process: ServerProcess, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert process.process is not None
        if process.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"never {what}:\n{process.output}")
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def read_events(path: pathlib.Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [(event, int(pid)) for event, pid in (line.split() for line in path.read_text().splitlines())]  # fmt: skip


def by_process(events: list[tuple[str, int]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for event, pid in events:
        found.setdefault(pid, []).append(event)
    return found


def get_json(process: ServerProcess, path: str) -> Any:
    response, body = process.request("GET", path)
    assert response.status == 200, body
    return json.loads(body)


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
def test_each_preloaded_worker_runs_its_own_startup_after_the_fork(tmp_path, worker_class):
    port = free_port()
    process, events = server(tmp_path, gunicorn(port, worker_class), port)
    with process:
        answers: list[Any] = []
        with ThreadPoolExecutor(2) as pool:
            # Two slow requests at once: a busy sync worker leaves the next to the other.
            for _ in range(20):
                answers += pool.map(lambda _: get_json(process, "/slow"), range(2))
                if len({answer["pid"] for answer in answers}) == 2:
                    break
        assert process.stop() == 0
    workers = {answer["pid"] for answer in answers}
    assert len(workers) == 2
    assert process.process is not None
    assert process.process.pid not in workers
    # Each worker answered with the pool it opened itself, after the fork.
    assert all(answer["pool_pid"] == answer["pid"] for answer in answers)
    assert {answer["answer"] for answer in answers} == {42}
    # Once each, however many requests it served; shutdown at SIGTERM, last registered first.
    assert by_process(read_events(events)) == {
        pid: ["startup", "goodbye", "shutdown"] for pid in workers
    }


def test_a_recycled_worker_shuts_down_and_the_next_one_starts(tmp_path):
    # max_requests: each worker serves two requests, then exits as on SIGTERM; gunicorn
    # forks another. Stopped with SIGINT (gunicorn's quick stop: SIGQUIT to the workers).
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--max-requests", "2",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--pythonpath", str(HERE), APP,
    ]  # fmt: skip
    process, events = server(tmp_path, command, port)
    with process:  # its readiness request is the first worker's first
        workers = [get_json(process, "/pool")["pid"] for _ in range(4)]
        assert process.stop(signal.SIGINT) == 0
    assert len(set(workers)) == 3  # 1 + 1 (then recycled), 2 + 2 (recycled), 1
    assert by_process(read_events(events)) == {
        pid: ["startup", "goodbye", "shutdown"] for pid in workers
    }


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
def test_a_failing_startup_stops_gunicorn_instead_of_answering_500s(tmp_path, worker_class):
    port = free_port()
    # A worker gunicorn forks just as it halts may not have its signal handlers yet: it
    # ignores the SIGTERM and lives until the graceful timeout ends in a SIGKILL (seen
    # in CI on a loaded machine). A short timeout keeps that wait within the test's.
    command = gunicorn(port, worker_class, graceful_timeout=3)
    process, events = server(tmp_path, command, port, ROOB_TEST_FAIL_STARTUP="1")
    launch(process)
    try:
        wait_until(lambda: listening(port), process, "listened")
        # The request that ran startup gets no answer at all: the worker is gone.
        with pytest.raises(ConnectionError):
            process.request("GET", "/pool")
        assert process.process is not None
        assert process.process.wait(timeout=TIMEOUT) == 3  # gunicorn halted, as on a boot error
    finally:
        process.stop()
    log = process.output
    assert "[CRITICAL] Startup failed in process" in log
    assert "the startup function open_pool raised" in log
    assert "RuntimeError: the database is down" in log
    assert "exits with status 3 instead of serving requests: its startup failed" in log
    assert "Reason: Worker failed to boot." in log
    assert "Internal Server Error" not in log
    # No shutdown where startup did not run through.
    assert {event for event, _ in read_events(events)} == {"startup"}


def test_the_deploy_settings_start_each_worker_as_it_boots(tmp_path):
    port = free_port()
    process, events = server(tmp_path, gunicorn(port, settings=True), port)
    launch(process)
    try:
        # Before any request: post_worker_init ran startup in both workers.
        wait_until(lambda: len(read_events(events)) == 2, process, "started two workers")
        workers = {pid for _, pid in read_events(events)}
        assert process.process is not None
        assert process.process.pid not in workers
        wait_until(lambda: listening(port), process, "listened")
        for _ in range(6):
            answer = get_json(process, "/pool")
            assert answer["pid"] in workers
            assert answer["pool_pid"] == answer["pid"]
        assert process.stop() == 0
    finally:
        process.stop()
    assert by_process(read_events(events)) == {
        pid: ["startup", "goodbye", "shutdown"] for pid in workers
    }


def test_with_the_deploy_settings_a_failing_startup_is_a_boot_error(tmp_path):
    port = free_port()
    process, events = server(
        tmp_path, gunicorn(port, settings=True), port, ROOB_TEST_FAIL_STARTUP="1"
    )
    launch(process)
    try:
        assert process.process is not None
        # Without a request: the worker fails as it boots, and gunicorn stops. With 3, or,
        # when both workers fail at once, with 1: gunicorn's master, halting for the
        # first, reaps the second and raises its HaltServer again, uncaught (a known
        # gunicorn quirk: benoitc/gunicorn#1095 handled it in one place, not in stop()).
        status = process.process.wait(timeout=TIMEOUT)
    finally:
        process.stop()
    log = process.output
    assert status in (3, 1), log
    assert "the startup function open_pool raised" in log
    assert "exits with status 3 instead of serving requests: its startup failed" in log
    assert "Worker failed to boot." in log
    # start_process raises SystemExit: gunicorn adds no traceback of its own.
    assert "Exception in worker process" not in log
    assert {event for event, _ in read_events(events)} == {"startup"}


def test_waitress_runs_startup_once_for_the_first_requests_that_race(tmp_path):
    port = free_port()
    process, events = server(tmp_path, waitress(port), port, ROOB_TEST_SLOW_STARTUP="0.5")
    launch(process)
    try:
        wait_until(lambda: listening(port), process, "listened")
        assert read_events(events) == []  # nothing before the first request
        # Four first requests at once, on four threads: one startup, the others wait.
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: get_json(process, "/pool"), range(4)))
        assert process.process is not None
        (pid,) = {answer["pid"] for answer in answers}
        assert {answer["pool_pid"] for answer in answers} == {pid}
        assert read_events(events) == [("startup", pid)]
        assert process.stop(signal.SIGINT) == 0  # Ctrl-C: waitress returns, the process exits
    finally:
        process.stop()
    assert read_events(events) == [("startup", pid), ("goodbye", pid), ("shutdown", pid)]


@pytest.mark.parametrize(
    ("command", "status", "shut_down"),
    [
        # waitress leaves SIGTERM to Python's default: the process ends on the spot.
        ("python -m waitress", -signal.SIGTERM, False),
        # The documented way (docs/lifecycle.md): SIGTERM raised as SystemExit.
        ("lifespan_waitress.py", 0, True),
    ],
)
def test_waitress_on_sigterm(tmp_path, command, status, shut_down):
    port = free_port()
    argv = (
        waitress(port)
        if command.startswith("python")
        else [sys.executable, str(HERE / command), str(port)]
    )
    process, events = server(tmp_path, argv, port)
    with process:
        pid = get_json(process, "/pool")["pid"]
        assert process.stop(signal.SIGTERM) == status
    expected = ["startup", "goodbye", "shutdown"] if shut_down else ["startup"]
    assert by_process(read_events(events)) == {pid: expected}


def test_waitress_exits_with_status_3_when_startup_fails(tmp_path):
    port = free_port()
    process, events = server(tmp_path, waitress(port), port, ROOB_TEST_FAIL_STARTUP="1")
    launch(process)
    try:
        wait_until(lambda: listening(port), process, "listened")
        with pytest.raises(ConnectionError):
            process.request("GET", "/pool")
        assert process.process is not None
        assert process.process.wait(timeout=TIMEOUT) == 3
    finally:
        process.stop()
    log = process.output
    assert "the startup function open_pool raised" in log
    assert "RuntimeError: the database is down" in log
    assert "exits with status 3 instead of serving requests" in log
    assert [event for event, _ in read_events(events)] == ["startup"]
