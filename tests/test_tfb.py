"""benchmarks/tfb: every app answers every TechEmpower test type rightly, and the verifier
that says so catches the wrong answers (tiny counts: nothing here is timed).

The database is a throwaway PostgreSQL with pg_stat_statements (benchmarks/tfb/database.py),
so that the statements are counted by PostgreSQL itself, as TechEmpower counts them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import random
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jinja2
import psycopg
import pytest

from benchmarks import chart
from benchmarks.tfb import FRAMEWORKS, db, wsgi_app
from benchmarks.tfb import __main__ as tfb_main
from benchmarks.tfb.database import TFBDatabase
from benchmarks.tfb.verify import (
    Answer,
    DatabaseProbe,
    check_fortunes,
    check_json,
    check_queries,
    check_statements,
    check_updates,
    normalise_fortunes,
    verify,
    wsgi_fetcher,
)
from roob import Roob
from tests.postgres import started_or_skipped

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@pytest.fixture(scope="module")
def database() -> Iterator[TFBDatabase]:
    server = started_or_skipped(TFBDatabase, "the TFB apps")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(db.URL_VARIABLE, server.app_url)
            yield server
            db.close_pool()
    finally:
        server.close()


@pytest.fixture(scope="module")
def probe(database: TFBDatabase) -> DatabaseProbe:
    return DatabaseProbe(database.admin_url)


def app_of(name: str) -> WSGIApp:
    app: WSGIApp = importlib.import_module(f"benchmarks.tfb.{FRAMEWORKS[name]}").app
    return app


# --- the four apps ----------------------------------------------------------


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_every_app_answers_every_test_type_rightly_in_process(name, probe):
    assert verify(wsgi_fetcher(app_of(name)), probe, served=False) == []


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_every_app_answers_rightly_under_gunicorn_with_its_server_and_date(
    name, database, probe, tmp_path
):
    with tfb_main.serving("gunicorn", name, database, 8, tmp_path) as server:
        fetch = tfb_main.http_fetcher("127.0.0.1", server.port)
        assert fetch("/json").headers["server"] == "gunicorn"
        assert verify(fetch, probe, served=True) == []


def test_roob_answers_rightly_under_granian(database, probe, tmp_path):
    with tfb_main.serving("granian", "roob", database, 8, tmp_path) as server:
        assert verify(tfb_main.http_fetcher("127.0.0.1", server.port), probe, served=True) == []


@pytest.mark.parametrize("name", list(FRAMEWORKS))
@pytest.mark.parametrize(
    ("query", "rows"),
    [("", 1), ("?queries=", 1), ("?queries=foo", 1), ("?queries=0", 1), ("?queries=1", 1),
     ("?queries=7", 7), ("?queries=500", 500), ("?queries=501", 500)],
)  # fmt: skip
def test_queries_and_updates_clamp_the_count_as_tfb_says(name, query, rows, database):
    fetch = wsgi_fetcher(app_of(name))
    for path in ("/queries", "/updates"):
        answer = fetch(path + query)
        assert answer.status == 200, answer
        assert len(json.loads(answer.body)) == rows


@pytest.mark.parametrize(
    ("raw", "count"),
    [(None, 1), ("", 1), ("foo", 1), ("1.5", 1), ("0", 1), ("-1", 1), ("1", 1), ("20", 20),
     ("500", 500), ("501", 500), ("100000", 500)],
)  # fmt: skip
def test_clamp_queries(raw, count):
    assert db.clamp_queries(raw) == count


def test_updates_are_in_the_database_when_the_answer_leaves(database, probe):
    fetch = wsgi_fetcher(app_of("roob"))
    answered = json.loads(fetch("/updates?queries=20").body)
    holds = probe.worlds()
    assert len({world["id"] for world in answered}) == 20
    assert all(holds[world["id"]] == world["randomNumber"] for world in answered)


# gunicorn forks the same way; the pool's threads are what the test is about, and the
# child only opens its own pool and exits (Python 3.12+ warns of forking with threads).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_opens_a_pool_of_its_own(database):
    parent_pool = db.pool()
    db.random_world()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            ok = db.pool() is not parent_pool and db.random_world()["id"] >= 1
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 20
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if waited[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung opening its pool")
    assert os.waitstatus_to_exitcode(waited[1]) == 0
    assert db.pool() is parent_pool
    assert len(db.random_worlds(3)) == 3  # the parent's connections still work


# --- the verifier catches wrong answers -------------------------------------


def patched(**views: WSGIApp) -> WSGIApp:
    """The raw WSGI app with some paths answered by ``views`` (``queries=...`` for /queries)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        view = views.get(environ["PATH_INFO"].strip("/"), wsgi_app.app)
        return view(environ, start_response)

    return app


def test_a_wrong_content_type_or_body_is_caught():
    def json_as_html(environ, start_response):
        return wsgi_app._send(start_response, "text/html", b'{"message":"Hello World"}')

    problems = check_json(wsgi_fetcher(patched(json=json_as_html)), served=False)
    assert any("Content-Type 'text/html'" in problem for problem in problems)
    assert any("not {'message': 'Hello, World!'}" in problem for problem in problems)


def test_a_422_for_a_queries_that_is_not_a_number_is_caught(database, probe):
    app = Roob(static_dir=None)

    @app.get("/queries")
    def queries(request, queries: int = 1):  # a plain typed int: ?queries=foo is a 422
        return db.random_worlds(max(1, min(queries, 500)))

    problems = check_queries(wsgi_fetcher(app), probe, served=False)
    assert [problem.split(" (")[0] for problem in problems] == [
        "/queries?queries=: status 422, not 200",
        "/queries?queries=foo: status 422, not 200",
    ]


def test_rows_read_in_one_statement_are_caught(database, probe):
    def one_select(environ, start_response):
        ids = random.sample(range(1, 10001), wsgi_app._queries(environ))
        with db.pool().connection() as connection:
            rows = connection.execute(
                "SELECT id, randomnumber FROM world WHERE id = ANY(%s)", (ids,)
            ).fetchall()
        return wsgi_app._json(start_response, [{"id": i, "randomNumber": r} for i, r in rows])

    assert check_queries(wsgi_fetcher(patched(queries=one_select)), probe, served=False) == []
    problems = check_statements(wsgi_fetcher(patched(queries=one_select)), probe)
    assert problems == [
        "/queries?queries=20: PostgreSQL counted {'select': (4, 80)} (statements, rows) on "
        "world for 4 requests, not {'select': (80, 80)}"
    ]


def test_updates_that_are_not_stored_are_caught(database, probe):
    def forgetful(environ, start_response):
        worlds = db.random_worlds(wsgi_app._queries(environ))
        for world in worlds:
            world["randomNumber"] = random.randint(1, 10000)
        return wsgi_app._json(start_response, worlds)

    fetch = wsgi_fetcher(patched(updates=forgetful))
    assert any("the database holds" in problem for problem in check_updates(fetch, probe, False))
    assert any("0 UPDATEs" in problem for problem in check_statements(fetch, probe))


def test_a_transaction_left_open_is_caught(database, probe):
    left_open = psycopg.connect(database.app_url)  # not autocommit: SELECT opens a transaction

    def careless(environ, start_response):
        row = left_open.execute("SELECT id, randomnumber FROM world WHERE id = 1").fetchone()
        return wsgi_app._json(start_response, {"id": row[0], "randomNumber": row[1]})

    try:
        problems = check_statements(wsgi_fetcher(patched(db=careless)), probe)
    finally:
        left_open.close()
    assert "/db: a connection of the app is left idle in a transaction" in problems


def test_an_unescaped_or_reordered_fortunes_page_is_caught():
    folder = pathlib.Path(wsgi_app.__file__).with_name("templates")
    raw = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=False)

    def unescaped(environ, start_response):
        page = raw.get_template("fortunes.html").render(
            fortunes=db.with_added_fortune(db.fortunes())
        )
        return wsgi_app._send(start_response, "text/html; charset=utf-8", page.encode())

    def unsorted(environ, start_response):
        page = wsgi_app._fortunes_template.render(fortunes=db.fortunes())
        return wsgi_app._send(start_response, "text/html; charset=UTF-8", page.encode())

    problems = check_fortunes(wsgi_fetcher(patched(fortunes=unescaped)), served=False)
    assert "/fortunes: a raw <script> in the page: the message is not escaped" in problems
    problems = check_fortunes(wsgi_fetcher(patched(fortunes=unsorted)), served=False)
    assert any("Content-Type 'text/html; charset=UTF-8'" in problem for problem in problems)
    assert any("differs from TFB's" in problem for problem in problems)


def test_the_fortunes_normalisation_takes_what_tfb_takes_and_nothing_else():
    page = (
        "<!doctype html>\n<html>\n <head><meta charset=utf-8><title>Fortunes</title></head>"
        "<body><table><thead><tr><th>id</th></tr></thead><tbody>"
        "<tr><td>2</td><td>aren&#39;t &#x27;x&#39; &quot;y&#34; &#60;z&gt; — 日本</td></tr>"
        "</tbody></table></body></html>"
    )
    assert normalise_fortunes(page) == (
        "<!doctype html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th>"
        "</tr><tr><td>2</td><td>aren&apos;t &apos;x&apos; &quot;y&quot; &lt;z&gt; — 日本</td>"
        "</tr></table></body></html>"
    )
    # Padding inside a cell, or a numeric reference for the raw UTF-8, is not the same page.
    assert normalise_fortunes("<td> 1</td>") != normalise_fortunes("<td>1</td>")
    assert normalise_fortunes("<td>&#26085;</td>") != normalise_fortunes("<td>日</td>")


def test_a_stale_or_missing_date_is_caught():
    inner = wsgi_fetcher(wsgi_app.app)

    def stale(path):
        answer = inner(path)
        headers = {**answer.headers, "server": "x", "date": "Sun, 06 Nov 1994 08:49:37 GMT"}
        return Answer(answer.status, headers, answer.body)

    problems = check_json(stale, served=True)
    assert problems == [
        "/json: Date 'Sun, 06 Nov 1994 08:49:37 GMT' is " + problems[0].split(" is ", 1)[1]
    ]
    assert "/json: no Date header" in check_json(inner, served=True)
    assert "/json: no Server header" in check_json(inner, served=True)


# --- python -m benchmarks.tfb -----------------------------------------------


def test_the_loads_are_every_type_with_queries_and_updates_at_1_5_and_20():
    assert tfb_main.loads(["json", "queries", "fortunes"]) == {
        "json": "/json",
        "queries-1": "/queries?queries=1",
        "queries-5": "/queries?queries=5",
        "queries-20": "/queries?queries=20",
        "fortunes": "/fortunes",
    }


def test_both_servers_get_the_same_workers_threads_and_pool(database, tmp_path):
    gunicorn = tfb_main.server_command("gunicorn", "roob", 8000, 32)
    assert "benchmarks/gunicorn_settings.py" in " ".join(gunicorn)
    granian = tfb_main.server_command("granian", "roob", 8000, 32)
    assert granian[granian.index("--workers") + 1] == str(tfb_main.WORKERS)
    assert granian[granian.index("--blocking-threads") + 1] == str(tfb_main.THREADS)
    assert granian[granian.index("--host") + 1] == "127.0.0.1"


@pytest.mark.skipif(shutil.which("wrk") is None and not os.environ.get("CI"), reason="no wrk")
def test_a_load_round_measures_and_the_table_and_chart_show_it(database, tmp_path):
    args = argparse.Namespace(seconds=1, connections=4)
    measured = tfb_main.load_round(
        ["gunicorn"], ["raw-wsgi"], {"db": "/db"}, database, args, tmp_path, random.Random(0)
    )
    assert measured["gunicorn", "db", "raw-wsgi"]["requests_per_second"] > 0
    assert measured["gunicorn", "db", "raw-wsgi"]["non_2xx"] == 0
    fake = {("gunicorn", "db", name): [{"requests_per_second": rate, "p99_ms": 1.0,
            "socket_errors": 0, "non_2xx": 0}] for name, rate in
            [("roob", 300.0), ("falcon", 200.0), ("raw-wsgi", 400.0)]}  # fmt: skip
    summary = tfb_main.summarise(fake)
    text = tfb_main.table(summary, ["roob", "falcon", "raw-wsgi"])
    assert "gunicorn: x falcon" in text
    assert text.splitlines()[-1].split() == ["db", "0.75", "0.50"]  # x raw-wsgi: roob, falcon
    path = chart.draw_tfb(summary, ["roob", "falcon", "raw-wsgi"], tmp_path / "tfb.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
