"""Is an app's every answer what TechEmpower requires? Checked before anything is timed.

::

    probe = DatabaseProbe(database.admin_url)
    problems = verify(http_fetcher("127.0.0.1", port), probe, served=True)
    # [] or ["/queries?queries=foo: status 422, not 200", ...]

The rules are TechEmpower's (toolset/test_types/ of TechEmpower/FrameworkBenchmarks;
/work/shared/specs/tfb.md), read from the outside:

- every answer: status 200, the content type of its test type, a
  Content-Length equal to the body's length (or chunked), no compression
  although the request offers gzip; over a real server (``served``) a
  ``Server`` header and a ``Date`` in IMF-fixdate, close to the clock and
  different 1.5 s later;
- ``/json`` and ``/plaintext``: their exact bodies;
- ``/db``, ``/queries``: objects of exactly ``id`` and ``randomNumber``, both
  integers in 1..10000 and equal to the row the database holds; random ids;
  ``queries`` clamped (missing, empty, ``foo``, ``0`` give 1 row, ``501`` 500);
- ``/updates``: the same, and what the answer lists is what the database holds
  afterwards, with (nearly) every listed row changed;
- ``/fortunes``: the page, once normalised as TechEmpower normalises it
  (whitespace between tags, attributes, ``<meta>``, ``<thead>``/``<tbody>`` and
  the accepted escapes do not count), equal to TechEmpower's; the Japanese and
  the em dashes raw UTF-8; no raw ``<script>``;
- the statements, counted by PostgreSQL itself in ``pg_stat_statements`` (as
  TechEmpower counts them): one SELECT per row for ``/db``, ``/queries`` and
  ``/updates``, one UPDATE per row or one per request, one SELECT per
  ``/fortunes``, nothing else on those tables; and no connection of the app
  left idle in a transaction.
"""

from __future__ import annotations

import email.utils
import html.parser
import http.client
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import psycopg

from benchmarks.tfb.database import APP_USER
from roob.testing import TestClient

__all__ = [
    "Answer",
    "DatabaseProbe",
    "Fetch",
    "VerificationFailed",
    "http_fetcher",
    "normalise_fortunes",
    "verify",
    "wsgi_fetcher",
]

ROWS = 10_000
#: ``queries`` values and the number of rows each must give (None: no parameter at all).
QUERIES_CASES: tuple[tuple[str | None, int], ...] = (
    (None, 1), ("", 1), ("foo", 1), ("0", 1), ("-3", 1), ("1", 1),
    ("5", 5), ("20", 20), ("501", 500),
)  # fmt: skip
CONTENT_TYPES: dict[str, re.Pattern[str]] = {
    "json": re.compile(r"application/json(; ?charset=(UTF|utf)-8)?"),
    "plaintext": re.compile(r"text/plain(; ?charset=(UTF|utf)-8)?"),
    "html": re.compile(r"text/html; charset=utf-8"),  # TFB takes UTF-8 too; the brief does not
}
IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d\d:\d\d:\d\d GMT"
)
REQUEST_HEADERS = {
    "Accept-Encoding": "gzip, deflate, br",  # TFB: never compressed all the same
    "Accept": "application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,*/*;q=0.7",
}
STATEMENT_REQUESTS = 4  # requests of each kind whose statements are counted

EXPECTED_FORTUNES_PAGE = """<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>
<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td></tr>
<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>
<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>
<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&apos;t broken.</td></tr>
<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald Knuth</td></tr>
<tr><td>0</td><td>Additional fortune added at request time.</td></tr>
<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>
<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>
<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>
<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen</td></tr>
<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>
<tr><td>1</td><td>fortune: No such file or directory</td></tr>
<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>
</table></body></html>"""  # noqa: E501  (TFB's page, one row a line)
RAW_UTF8 = ("フレームワークのベンチマーク", "UNIX. — Tom", "link. — Donald")


class VerificationFailed(AssertionError):
    """An app answered wrongly; ``problems`` lists every wrong answer."""

    def __init__(self, name: str, problems: list[str]) -> None:
        super().__init__(f"{name} answers wrongly:\n  " + "\n  ".join(problems))
        self.name = name
        self.problems = problems


@dataclass(frozen=True)
class Answer:
    """One response: its status, its headers (names in lower case) and its whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.headers!r}, {self.body[:60]!r})"


#: path (with its query string) -> the app's answer.
Fetch = Callable[[str], Answer]


def http_fetcher(host: str, port: int, timeout: float = 30) -> Fetch:
    """Requests over HTTP/1.1, one kept-alive connection, as a client would send them."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def fetch(path: str) -> Answer:
        for attempt in (1, 2):  # once more on a connection the server closed meanwhile
            try:
                connection.request("GET", path, headers=REQUEST_HEADERS)
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if attempt == 2:
                    raise
                continue
            return Answer(response.status, _joined(response.getheaders()), body)
        raise AssertionError("unreachable")  # pragma: no cover

    return fetch


def wsgi_fetcher(app: Callable[..., Iterable[bytes]]) -> Fetch:
    """Requests given to a WSGI app in process (no server: no Server or Date headers)."""
    client = TestClient(app, headers=REQUEST_HEADERS)

    def fetch(path: str) -> Answer:
        response = client.get(path)
        return Answer(response.status_code, _joined(response.headers.items()), response.content)

    return fetch


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-case name, repeated ones joined with commas."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class DatabaseProbe:
    """What PostgreSQL holds and what it was asked, seen as its superuser."""

    def __init__(self, admin_url: str, app_user: str = APP_USER) -> None:
        self.admin_url = admin_url
        self.app_user = app_user

    def _rows(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()

    def worlds(self) -> dict[int, int]:
        """Every row of ``world``: id -> randomnumber."""
        return dict(self._rows("SELECT id, randomnumber FROM world"))

    def reset_statements(self) -> None:
        self._rows("SELECT pg_stat_statements_reset()")

    def statements(self) -> list[tuple[str, int, int]]:
        """(text, calls, rows) of each statement the app's role ran since the reset."""
        return [
            (text, int(calls), int(rows))
            for text, calls, rows in self._rows(
                "SELECT query, calls, rows FROM pg_stat_statements"
                " WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = %s)"
                " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
                (self.app_user,),
            )
        ]

    def idle_in_transaction(self) -> int:
        """How many of the app's connections sit idle inside a transaction."""
        ((count,),) = self._rows(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
            " AND state LIKE 'idle in transaction%%'",
            (self.app_user,),
        )
        return int(count)


# --- the answers ------------------------------------------------------------


def _headers(path: str, answer: Answer, kind: str, served: bool) -> list[str]:
    problems = []
    if answer.status != 200:
        return [f"{path}: status {answer.status}, not 200 ({answer.body[:200]!r})"]
    content_type = answer.headers.get("content-type")
    if content_type is None or not CONTENT_TYPES[kind].fullmatch(content_type):
        problems.append(
            f"{path}: Content-Type {content_type!r} does not match {CONTENT_TYPES[kind].pattern!r}"
        )
    length = answer.headers.get("content-length")
    if length is None:
        if "chunked" not in answer.headers.get("transfer-encoding", ""):
            problems.append(f"{path}: neither Content-Length nor Transfer-Encoding: chunked")
    elif length != str(len(answer.body)):
        problems.append(f"{path}: Content-Length {length}, but the body has {len(answer.body)}")
    if "content-encoding" in answer.headers:
        problems.append(f"{path}: compressed ({answer.headers['content-encoding']}); TFB forbids")
    if served:
        if not answer.headers.get("server"):
            problems.append(f"{path}: no Server header")
        problems += _date(path, answer.headers.get("date"))
    return problems


def _date(path: str, date: str | None) -> list[str]:
    if date is None:
        return [f"{path}: no Date header"]
    if not IMF_FIXDATE.fullmatch(date):
        return [f"{path}: Date {date!r} is not an IMF-fixdate (Sun, 06 Nov 1994 08:49:37 GMT)"]
    lag = abs(time.time() - email.utils.parsedate_to_datetime(date).timestamp())
    if lag > 5:
        return [f"{path}: Date {date!r} is {lag:.0f} s away from the clock"]
    return []


def _json(path: str, answer: Answer) -> tuple[Any, list[str]]:
    try:
        return json.loads(answer.body), []
    except ValueError as exc:
        return None, [f"{path}: not JSON ({exc}): {answer.body[:200]!r}"]


def _world_problems(path: str, world: Any, holds: dict[int, int] | None) -> list[str]:
    """A ``{"id": I, "randomNumber": R}``; ``holds``: what the database has, to compare."""
    if not isinstance(world, dict) or set(world) != {"id", "randomNumber"}:
        return [f"{path}: {world!r} is not an object of exactly id and randomNumber"]
    problems = []
    for key in ("id", "randomNumber"):
        value = world[key]
        if type(value) is not int or not 1 <= value <= ROWS:
            problems.append(f"{path}: {key} {value!r} is not an integer in 1..{ROWS}")
    if not problems and holds is not None and holds.get(world["id"]) != world["randomNumber"]:
        problems.append(
            f"{path}: world {world['id']} answered randomNumber {world['randomNumber']}, "
            f"the database holds {holds.get(world['id'])}"
        )
    return problems


def _worlds_problems(
    path: str, value: Any, expected: int, holds: dict[int, int] | None
) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: the top level is {type(value).__name__}, not an array"]
    if len(value) != expected:
        return [f"{path}: {len(value)} rows, not {expected}"]
    problems = []
    for world in value:
        problems += _world_problems(path, world, holds)
        if len(problems) >= 5:
            break
    return problems


def check_json(fetch: Fetch, served: bool) -> list[str]:
    answer = fetch("/json")
    problems = _headers("/json", answer, "json", served)
    if answer.status == 200:
        document, invalid = _json("/json", answer)
        if invalid or document != {"message": "Hello, World!"}:
            problems += invalid or [f"/json: {document!r}, not {{'message': 'Hello, World!'}}"]
    return problems


def check_plaintext(fetch: Fetch, served: bool) -> list[str]:
    answer = fetch("/plaintext")
    problems = _headers("/plaintext", answer, "plaintext", served)
    if answer.status == 200 and answer.body != b"Hello, World!":
        problems.append(f"/plaintext: body {answer.body!r}, not b'Hello, World!' (13 bytes)")
    return problems


def check_db(fetch: Fetch, probe: DatabaseProbe | None, served: bool) -> list[str]:
    answers = [fetch("/db") for _ in range(10)]
    holds = probe.worlds() if probe is not None else None
    problems = []
    ids = set()
    for answer in answers:
        problems += _headers("/db", answer, "json", served)
        if answer.status != 200:
            continue
        world, invalid = _json("/db", answer)
        problems += invalid or _world_problems("/db", world, holds)
        if isinstance(world, dict):
            ids.add(world.get("id"))
    if not problems and len(ids) < 2:
        problems.append(f"/db: 10 requests all answered id {ids}: not random")
    return problems


def _queries_path(base: str, raw: str | None) -> str:
    return base if raw is None else f"{base}?queries={raw}"


def check_queries(fetch: Fetch, probe: DatabaseProbe | None, served: bool) -> list[str]:
    problems = []
    answers = [
        (raw, expected, fetch(_queries_path("/queries", raw))) for raw, expected in QUERIES_CASES
    ]
    holds = probe.worlds() if probe is not None else None
    for raw, expected, answer in answers:
        path = _queries_path("/queries", raw)
        problems += _headers(path, answer, "json", served)
        if answer.status == 200:
            value, invalid = _json(path, answer)
            problems += invalid or _worlds_problems(path, value, expected, holds)
    return problems


def check_updates(fetch: Fetch, probe: DatabaseProbe | None, served: bool) -> list[str]:
    problems = []
    for raw, expected in QUERIES_CASES:
        path = _queries_path("/updates", raw)
        before = probe.worlds() if probe is not None and expected == 500 else None
        answer = fetch(path)
        problems += _headers(path, answer, "json", served)
        if answer.status != 200:
            continue
        value, invalid = _json(path, answer)
        if invalid:
            problems += invalid
            continue
        holds = probe.worlds() if probe is not None else None
        wrong = _worlds_problems(path, value, expected, holds)  # what it lists is stored
        problems += wrong
        if before is not None and not wrong:
            changed = sum(before[world["id"]] != world["randomNumber"] for world in value)
            if changed < 0.9 * expected:
                problems.append(
                    f"{path}: only {changed} of {expected} rows changed in the database"
                )
    return problems


class _FortunesNormaliser(html.parser.HTMLParser):
    """The page as TechEmpower compares it: tags without attributes, whitespace between
    tags dropped, the accepted escapes made one, ``<meta>``/``<thead>``/``<tbody>`` ignored."""

    IGNORED: ClassVar[frozenset[str]] = frozenset({"meta", "thead", "tbody"})
    ESCAPES: ClassVar[dict[str, str]] = {
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "&": "&amp;",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.text: list[str] = []

    def _flush(self) -> None:
        text = "".join(self.text)
        if text.strip():  # text inside a tag is kept as it is: padding would show
            self.parts.append(text)
        self.text = []

    def handle_decl(self, decl: str) -> None:
        self._flush()
        self.parts.append(f"<!{decl.lower()}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if tag not in self.IGNORED:
            self.parts.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag not in self.IGNORED:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append("".join(self.ESCAPES.get(c, c) if c in "'\">" else c for c in data))

    def handle_entityref(self, name: str) -> None:
        named = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}
        self.text.append(self.ESCAPES[named[name]] if name in named else f"&{name};")

    def handle_charref(self, name: str) -> None:
        try:
            char = chr(int(name[1:], 16) if name[:1] in "xX" else int(name))
        except ValueError:
            char = ""
        # Only the escapes TFB accepts are made one; &#12501; for a kana stays as it is.
        self.text.append(self.ESCAPES.get(char, f"&#{name};"))

    def close(self) -> None:
        super().close()
        self._flush()


def normalise_fortunes(page: str) -> str:
    """``page`` normalised for comparison with TechEmpower's (see the class above)."""
    parser = _FortunesNormaliser()
    parser.feed(page)
    parser.close()
    return "".join(parser.parts)


def check_fortunes(fetch: Fetch, served: bool) -> list[str]:
    answer = fetch("/fortunes")
    problems = _headers("/fortunes", answer, "html", served)
    if answer.status != 200:
        return problems
    try:
        page = answer.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [*problems, f"/fortunes: not UTF-8 ({exc})"]
    found, expected = normalise_fortunes(page), normalise_fortunes(EXPECTED_FORTUNES_PAGE)
    if found != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
            min(len(found), len(expected)),
        )
        problems.append(
            f"/fortunes: the page differs from TFB's at character {at} of the normalised page: "
            f"...{found[max(0, at - 40) : at + 60]!r}... instead of "
            f"...{expected[max(0, at - 40) : at + 60]!r}..."
        )
    for raw in RAW_UTF8:
        if raw not in page:
            problems.append(f"/fortunes: {raw!r} is not in the page as raw UTF-8")
    if "<script>" in page:
        problems.append("/fortunes: a raw <script> in the page: the message is not escaped")
    return problems


# --- the statements ---------------------------------------------------------


def _counted(statements: list[tuple[str, int, int]], table: str) -> dict[str, tuple[int, int]]:
    """Per kind of statement (select, update, other) naming ``table``: (calls, rows)."""
    counts: dict[str, tuple[int, int]] = {}
    mention = re.compile(rf"\b{table}\b", re.IGNORECASE)
    for text, calls, rows in statements:
        if mention.search(text):
            kind = text.split(None, 1)[0].lower()
            kind = kind if kind in ("select", "update") else "other"
            old_calls, old_rows = counts.get(kind, (0, 0))
            counts[kind] = (old_calls + calls, old_rows + rows)
    return counts


def check_statements(fetch: Fetch, probe: DatabaseProbe) -> list[str]:
    """Count what reaches PostgreSQL for ``STATEMENT_REQUESTS`` requests of each kind."""
    n = STATEMENT_REQUESTS
    problems = []
    cases: list[tuple[str, str, dict[str, tuple[int, int]], bool]] = [
        ("/db", "world", {"select": (n, n)}, False),
        ("/queries?queries=20", "world", {"select": (20 * n, 20 * n)}, False),
        ("/updates?queries=20", "world", {"select": (20 * n, 20 * n)}, True),
        ("/fortunes", "fortune", {"select": (n, 12 * n)}, False),
    ]
    for path, table, expected, updates in cases:
        probe.reset_statements()
        for _ in range(n):
            fetch(path)
        counts = _counted(probe.statements(), table)
        if updates:
            calls, rows = counts.pop("update", (0, 0))
            if calls not in (n, 20 * n) or rows != 20 * n:
                problems.append(
                    f"{path}: {calls} UPDATEs of {rows} rows for {n} requests; want one UPDATE per "
                    f"row or per request ({20 * n} or {n}), {20 * n} rows in all"
                )
        if counts != expected:
            problems.append(
                f"{path}: PostgreSQL counted {counts} (statements, rows) on {table} for {n} "
                f"requests, not {expected}"
            )
        if probe.idle_in_transaction():
            problems.append(f"{path}: a connection of the app is left idle in a transaction")
    return problems


# --- all of it --------------------------------------------------------------


def verify(fetch: Fetch, probe: DatabaseProbe | None, *, served: bool) -> list[str]:
    """Every problem of every answer (``[]``: all right).

    ``probe`` compares the answers with the database and counts the statements
    (without it, only the answers' shapes are checked); ``served``: over a real
    server, whose Server and Date headers are checked too.
    """
    first_date = fetch("/plaintext").headers.get("date")
    started = time.monotonic()
    problems = check_json(fetch, served) + check_plaintext(fetch, served)
    problems += check_db(fetch, probe, served)
    problems += check_queries(fetch, probe, served)
    problems += check_fortunes(fetch, served)
    problems += check_updates(fetch, probe, served)
    if probe is not None:
        problems += check_statements(fetch, probe)
    if served:
        time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
        if fetch("/plaintext").headers.get("date") == first_date:
            problems.append(f"Date {first_date!r} unchanged 1.5 s later: a stale date")
    return problems
