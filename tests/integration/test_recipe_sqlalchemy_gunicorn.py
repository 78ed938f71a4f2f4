"""The SQLAlchemy recipe under a real gunicorn: the proof that a request's end is kept.

docs/recipes/sqlalchemy.md's code, as it is on the page, served by gunicorn
(sync, and gthread with two threads) with a pool of two connections
(``pool_size=2, max_overflow=0``) and a short pool timeout. A hundred requests,
two at a time, mix views that raise after using the session, ``after_request``
hooks that raise, streamed bodies the client drops half way, streamed bodies
read whole, and normal requests. Any leak would exhaust the pool within a few
requests, and the next ones would wait for a connection, then fail with a
``TimeoutError`` 500. At the end the pool has nothing checked out
(``engine.pool.checkedout()``, which ``/pool`` shows), every answer is the one
its kind should give, the server logged no pool timeout, and the teardown ran
exactly once per request.

This was the outside review's finding (Part 2, section 4): closing the session
in an after hook leaked a connection per streamed body and per earlier hook
that raised, and the third request of a pool of two was a 500.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.servers import REPO_ROOT, ServerProcess, free_port
from tests.test_recipes import page_examples

POOL_TIMEOUT = 2  # seconds a request waits for a connection before failing
NOTES = 200
NOTE_SIZE = 50_000  # the export is 10 MB: more than the socket buffers hold

# Added after the recipe's code: the pool of two, and what the proof needs to see.
ADDITIONS = """
import os
import threading

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size=2,
    max_overflow=0,
    pool_timeout=float(os.environ["POOL_TIMEOUT"]),
)
Sessions.configure(bind=engine)
ends = {"count": 0, "lock": threading.Lock()}


def seed(notes, size):
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")  # readers never block writers
    Base.metadata.create_all(engine)
    with Sessions() as session:
        session.add_all(Note(text=str(n % 10) * size) for n in range(notes))
        session.commit()


@app.teardown_request
def count_ends(request, exc):
    if request.path != "/pool":
        with ends["lock"]:
            ends["count"] += 1


@app.get("/pool")
def pool(request):
    return {"checked_out": engine.pool.checkedout(), "ended": ends["count"]}


@app.get("/view-error/{n:int}")
def view_error(request, n):
    db(request).get(Note, 1)  # a connection is checked out
    raise RuntimeError(f"view {n} broke")


@app.get("/hook-error/{n:int}")
def hook_error(request, n):
    return {"text": db(request).get(Note, 1).text[:1]}


@app.after_request
def breaks_for_hook_error(request, response):
    if request.path.startswith("/hook-error/"):
        raise RuntimeError("after hook broke")
    return response
"""


@pytest.fixture(params=["sync", "gthread"])
def server(request, tmp_path):
    (tmp_path / "notes_app.py").write_text(page_examples("sqlalchemy.md")[0] + ADDITIONS)
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'notes.db'}",
        "POOL_TIMEOUT": str(POOL_TIMEOUT),
        "PYTHONPATH": str(REPO_ROOT),
    }
    seed = f"import notes_app; notes_app.seed({NOTES}, {NOTE_SIZE})"
    subprocess.run(
        [sys.executable, "-c", seed],
        cwd=tmp_path, env={**os.environ, **environment}, check=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", request.param,
        "--threads", "2" if request.param == "gthread" else "1",
        "--chdir", str(tmp_path), "--no-control-socket", "--timeout", "60",
        "--log-level", "debug",  # it says when it finds a client gone
        "notes_app:app",
    ]  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with ServerProcess(command, port=port, log=log, env=environment, ready_path="/pool") as running:
        yield running


KINDS = ("view-error", "hook-error", "dropped", "whole-stream", "note", "add")
REQUESTS = 100
HOW_MANY = {kind: len(range(k, REQUESTS, len(KINDS))) for k, kind in enumerate(KINDS)}
EXPECTED = {"view-error": 500, "hook-error": 500, "dropped": 200, "whole-stream": 200,
            "note": 200, "add": 201}  # fmt: skip


def _dropped_half_way(server) -> bytes:
    """GET the 10 MB export, read its first 64 KiB, and leave (unread data: a reset).
    A small receive buffer keeps the server from pushing the whole body into buffers
    before the client leaves: it finds the client gone while it sends."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(b"GET /notes.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        received = b""
        while len(received) < 65536 and (chunk := sock.recv(65536)):
            received += chunk
    return received


def _one(server, n: int) -> tuple[str, int, bool]:
    """Request number ``n`` of the mix: its kind, status, and whether the answer is right."""
    kind = KINDS[n % len(KINDS)]
    if kind == "dropped":
        head = _dropped_half_way(server)
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
        return kind, status, len(head) >= 65536
    if kind == "whole-stream":
        response, body = server.request("GET", "/notes.txt", timeout=30)
        return kind, response.status, body.count(b"\n") >= NOTES
    if kind == "note":
        response, body = server.request("GET", "/notes/2")
        return kind, response.status, json.loads(body).get("text", "").startswith("1")
    if kind == "add":
        payload = json.dumps({"text": f"added {n}"}).encode()
        response, body = server.request("POST", "/notes", body=payload)
        return kind, response.status, "id" in json.loads(body)
    response, body = server.request("GET", f"/{kind}/{n}")
    return kind, response.status, json.loads(body) == {"message": "Internal Server Error"}


def test_a_hundred_mixed_requests_leave_the_pool_of_two_empty(server):
    with concurrent.futures.ThreadPoolExecutor(2) as clients:
        results = list(clients.map(lambda n: _one(server, n), range(REQUESTS)))
    wrong = [(n, kind, status) for n, (kind, status, right) in enumerate(results)
             if status != EXPECTED[kind] or not right]  # fmt: skip
    assert not wrong, f"{wrong}\n{server.output[-3000:]}"
    # The dropped streams end when the server finds the client gone and closes them.
    deadline = time.monotonic() + 15
    while True:
        _, body = server.request("GET", "/pool")
        pool = json.loads(body)
        if pool == {"checked_out": 0, "ended": REQUESTS} or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert pool == {"checked_out": 0, "ended": REQUESTS}, server.output[-3000:]
    # gunicorn found each dropping client gone while it sent (then closed the body).
    output = server.output
    gone = output.count("Ignoring connection reset") + output.count("Ignoring EPIPE")
    # Under a loaded gthread worker some resets are not logged as such (seen in a CI
    # run: the pool ended empty and every teardown ran, with fewer lines than drops):
    # the lines show that drops happened; the pool and the teardowns show they ended.
    assert 1 <= gone <= HOW_MANY["dropped"], f"{gone} of {HOW_MANY['dropped']}\n{output[-3000:]}"
    # No request failed for want of a connection: the only errors are the planned ones.
    assert "TimeoutError" not in output
    assert "QueuePool limit" not in output
    assert output.count("Unhandled exception") == HOW_MANY["view-error"] + HOW_MANY["hook-error"]
