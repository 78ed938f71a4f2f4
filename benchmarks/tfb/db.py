"""The database side of the TechEmpower apps, shared by all four of them.

Every framework's app calls the same functions, so that the frameworks are
compared on what they add around them: the queries, the driver (psycopg 3)
and the pool are the same for all.

- ``TFB_DATABASE_URL`` (a libpq URL) names the database; ``TFB_POOL_SIZE``
  the connections each worker process keeps, which should be its number of
  threads (gunicorn's ``threads``, granian's ``--blocking-threads``): a
  thread never waits for a connection, and none sits idle.
- The pool is opened on first use, in the process that uses it. Under
  gunicorn (or granian) the app module may be imported before the workers
  fork; a pool opened then would share its sockets between processes and
  lose its background threads in the children. :func:`pool` therefore
  belongs to a process id and is made anew in a forked child.
- Connections are in autocommit: a SELECT is one round trip, with no
  BEGIN/COMMIT around it, and nothing is ever left idle in a transaction.
  The update of :func:`update_worlds` is a single statement, atomic by
  itself, done before the function returns.
- Every statement is prepared (``prepare=True``) on its connection the first
  time it runs there, then executed by name.
"""

from __future__ import annotations

import os
import random
import threading
from typing import TypedDict

import psycopg
from psycopg_pool import ConnectionPool

__all__ = [
    "ADDED_FORTUNE",
    "MAX_QUERIES",
    "ROWS",
    "Fortune",
    "World",
    "clamp_queries",
    "close_pool",
    "fortunes",
    "pool",
    "random_world",
    "random_worlds",
    "update_worlds",
    "with_added_fortune",
]

URL_VARIABLE = "TFB_DATABASE_URL"
POOL_SIZE_VARIABLE = "TFB_POOL_SIZE"
DEFAULT_URL = "postgresql://benchmarkdbuser:benchmarkdbpass@127.0.0.1:5432/hello_world"
DEFAULT_POOL_SIZE = 4
ROWS = 10_000  # rows of world, ids 1..ROWS, randomNumber 1..ROWS
MAX_QUERIES = 500

SELECT_WORLD = "SELECT id, randomnumber FROM world WHERE id = %s"
SELECT_FORTUNES = "SELECT id, message FROM fortune"
# One statement for any number of rows: the arrays are parameters, so it is
# prepared once. The ids come sorted, so that two requests updating common rows
# lock them in the same order and cannot deadlock.
UPDATE_WORLDS = (
    "UPDATE world SET randomnumber = new.randomnumber"
    " FROM unnest(%s::int[], %s::int[]) AS new(id, randomnumber)"
    " WHERE world.id = new.id"
)


class World(TypedDict):
    id: int
    randomNumber: int  # TFB's spelling


class Fortune(TypedDict):
    id: int
    message: str


_lock = threading.Lock()
_pool: ConnectionPool | None = None
_pool_pid: int | None = None


def pool() -> ConnectionPool:
    """This process's pool, opened on first use (see the module's docstring)."""
    global _pool, _pool_pid
    if _pool is not None and _pool_pid == os.getpid():
        return _pool
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            size = int(os.environ.get(POOL_SIZE_VARIABLE, DEFAULT_POOL_SIZE))
            # A pool inherited from the parent is dropped, not closed: its sockets
            # are the parent's, and closing them here would close them there too.
            _pool = ConnectionPool(
                os.environ.get(URL_VARIABLE, DEFAULT_URL),
                min_size=size,
                max_size=size,
                kwargs={"autocommit": True},
                name=f"tfb-{os.getpid()}",
                open=False,
            )
            _pool.open(wait=True, timeout=30)
            _pool_pid = os.getpid()
    return _pool


def close_pool() -> None:
    """Close this process's pool (tests, and a clean exit); the next call opens a new one."""
    global _pool, _pool_pid
    with _lock:
        if _pool is not None and _pool_pid == os.getpid():
            _pool.close()
        _pool, _pool_pid = None, None


def clamp_queries(raw: str | None) -> int:
    """TFB's ``queries`` rule: missing, empty, not an integer or below 1 is 1; above 500, 500."""
    if raw is None:
        return 1
    try:
        number = int(raw)
    except ValueError:
        return 1
    return 1 if number < 1 else min(number, MAX_QUERIES)


def _random_id() -> int:
    return random.randint(1, ROWS)


def _read(cursor: psycopg.Cursor[tuple[int, int]], ids: list[int]) -> list[World]:
    worlds: list[World] = []
    for world_id in ids:  # one SELECT per row: TFB forbids IN (...) and ANY
        cursor.execute(SELECT_WORLD, (world_id,), prepare=True)
        row = cursor.fetchone()
        assert row is not None, f"world {world_id} is missing"
        worlds.append({"id": row[0], "randomNumber": row[1]})
    return worlds


def random_world() -> World:
    """One random row of ``world``, by one query."""
    with pool().connection() as connection, connection.cursor() as cursor:
        return _read(cursor, [_random_id()])[0]


def random_worlds(count: int) -> list[World]:
    """``count`` random rows of ``world``, each by its own query (ids may repeat)."""
    with pool().connection() as connection, connection.cursor() as cursor:
        return _read(cursor, [_random_id() for _ in range(count)])


def fortunes() -> list[Fortune]:
    """Every row of ``fortune``, by one query with no ORDER BY (the app sorts)."""
    with pool().connection() as connection, connection.cursor() as cursor:
        cursor.execute(SELECT_FORTUNES, prepare=True)
        return [{"id": row[0], "message": row[1]} for row in cursor]


ADDED_FORTUNE: Fortune = {"id": 0, "message": "Additional fortune added at request time."}


def with_added_fortune(rows: list[Fortune]) -> list[Fortune]:
    """What every app does to :func:`fortunes` before rendering: TFB's extra row added,
    then all sorted by message."""
    rows.append(ADDED_FORTUNE.copy())
    rows.sort(key=_message)
    return rows


def _message(fortune: Fortune) -> str:
    return fortune["message"]


def update_worlds(count: int) -> list[World]:
    """``count`` random rows, each read by its own SELECT, given a new randomNumber each
    and written back by one UPDATE; returns the rows as they now are in the database.

    The ids are distinct within a request: with a repeated id the batched UPDATE
    would keep one of its two new values, and the answer could list the other.
    """
    ids = random.sample(range(1, ROWS + 1), count)
    with pool().connection() as connection, connection.cursor() as cursor:
        worlds = _read(cursor, ids)
        for world in worlds:
            world["randomNumber"] = _random_id()
        ordered = sorted(worlds, key=lambda world: world["id"])
        cursor.execute(
            UPDATE_WORLDS,
            ([world["id"] for world in ordered], [world["randomNumber"] for world in ordered]),
            prepare=True,
        )
    return worlds
