"""An application with startup and shutdown functions, for real servers
(test_lifespan_servers.py).

Startup opens a "pool" (a SQLite connection, which must not cross a fork)
and both functions append ``<event> <pid>`` lines to the file named by
``ROOB_TEST_EVENTS``, so a test reads which process ran what. With
``ROOB_TEST_FAIL_STARTUP=1`` the startup raises; with
``ROOB_TEST_SLOW_STARTUP=0.5`` it takes half a second (for requests that race
on it). ``/pool`` answers with the process, the process that opened its pool
and a query through it; ``/slow`` does too, after half a second (requests
sent together reach different sync workers).
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from roob import Roob

app = Roob(static_dir=None)
pool: dict[str, Any] = {}


def _record(event: str) -> None:
    # One short append per line: the workers' lines do not interleave.
    with open(os.environ["ROOB_TEST_EVENTS"], "a") as events:
        events.write(f"{event} {os.getpid()}\n")


@app.on_startup
def open_pool() -> None:
    _record("startup")
    time.sleep(float(os.environ.get("ROOB_TEST_SLOW_STARTUP", "0")))
    if os.environ.get("ROOB_TEST_FAIL_STARTUP") == "1":
        raise RuntimeError("the database is down")
    # The threads of a gthread worker or of waitress share it.
    pool["connection"] = sqlite3.connect(":memory:", check_same_thread=False)
    pool["pid"] = os.getpid()


@app.on_shutdown
def close_pool() -> None:
    pool.pop("connection").close()
    _record("shutdown")


@app.on_shutdown
def say_goodbye() -> None:  # registered last, runs first
    _record("goodbye")


@app.get("/pool")
def show_pool(request: Any) -> dict[str, Any]:
    (answer,) = pool["connection"].execute("SELECT 6 * 7").fetchone()
    return {"pid": os.getpid(), "pool_pid": pool["pid"], "answer": answer}


@app.get("/slow")
def slow(request: Any) -> dict[str, Any]:
    time.sleep(0.5)
    return show_pool(request)
