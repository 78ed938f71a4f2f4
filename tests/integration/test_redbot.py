"""REDbot (https://redbot.org, ``redbot`` on PyPI) on the inventory's answers under gunicorn.

REDbot fetches a URL and lints the answer against the HTTP RFCs, then asks
again the ways a cache and a browser would: with ``If-None-Match`` and
``If-Modified-Since`` (does the 304 repeat the 200's Cache-Control, ETag,
Vary...), with ``Accept-Encoding: gzip`` (is the compressed answer the same
resource, with ``Vary``), with a ``Range``. Each answer of the inventory, static
files and Swagger UI's assets included, must draw no BAD and no WARN note.

REDbot is driven from Python (its CLI does the same: ``HttpResource`` and the
``thor`` event loop), with every connection it opens checked: 127.0.0.1 only.
It fetches nothing but the URLs given here (no robots.txt, no linked assets).
The same server also gets the review's conditional headers as raw bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from configparser import ConfigParser
from typing import Any

import pytest
import thor
from httplint.note import Note, levels
from redbot.resource import HttpResource
from redbot.resource.fetch import RedFetcher

from tests.servers import ServerProcess, free_port, inventory_server

TIMEOUT = 120  # seconds for all the checks together

# (method, path, status, the GOOD notes that show REDbot's own checks ran)
ANSWERS = [
    ("GET", "/api/products", 200, {"INM_304"}),  # a JSON list
    ("GET", "/api/products/1", 200, {"INM_304"}),  # a product
    ("GET", "/api/products/tablets", 404, set()),
    ("POST", "/api/products", 201, set()),
    ("GET", "/dashboard", 200, {"INM_304", "CONNEG_GZIP_GOOD"}),
    ("GET", "/css/main.css", 200, {"INM_304", "IMS_304", "RANGE_CORRECT", "CONNEG_GZIP_GOOD"}),
    ("GET", "/openapi.json", 200, {"INM_304", "CONNEG_GZIP_GOOD"}),
    ("GET", "/docs", 200, {"INM_304"}),
    ("GET", "/docs/assets/roob-swagger-init.js", 200, {"INM_304"}),
    *[
        (
            "GET",
            f"/docs/assets/{name}",
            200,
            {"INM_304", "IMS_304", "RANGE_CORRECT", "CONNEG_GZIP_GOOD"},
        )
        for name in ("swagger-ui.css", "swagger-ui-bundle.js")
    ],
]
NEW_PRODUCT = {"product_name": "Galaxy Tab", "brand": "Samsung"}

# Notes REDbot may give that are not problems of these answers, each with the reason.
# (None today: every WARN it gave was fixed, see the history of this file.)
ACCEPTED: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("redbot")
    env = {"DATABASE_URL": f"sqlite:///{folder / 'inventory.sqlite3'}"}
    with inventory_server(folder, free_port(), env) as running:
        yield running


@pytest.fixture(scope="module")
def checked(server) -> dict[tuple[str, str], HttpResource]:
    """REDbot's check of every answer in ANSWERS: the reads at once, then the write (which
    changes the list and the dashboard, and so their ETags, under a check of them)."""
    connected: list[str] = []

    def loopback_only(address: str) -> bool:
        connected.append(address)
        return address == "127.0.0.1"

    parser = ConfigParser()
    parser.read_dict({"redbot": {"enable_local_access": "True"}})  # 127.0.0.1 is local
    config = parser["redbot"]
    resources: dict[tuple[str, str], HttpResource] = {}
    for method, path, _, _ in ANSWERS:
        resource = HttpResource(config, descend=False)
        body = json.dumps(NEW_PRODUCT).encode() if method == "POST" else b""
        headers = [("Content-Type", "application/json")] if body else []
        url = f"http://127.0.0.1:{server.port}{path}"
        resource.set_request(url, method=method, headers=headers, content=body)
        resources[method, path] = resource
    kept_check_ip = RedFetcher.client.check_ip
    RedFetcher.client.check_ip = loopback_only  # every connection REDbot opens, checks included
    try:
        run([r for (method, _), r in resources.items() if method == "GET"])
        run([r for (method, _), r in resources.items() if method != "GET"])
    finally:
        RedFetcher.client.check_ip = kept_check_ip
    assert set(connected) == {"127.0.0.1"}, connected  # and at least one
    return resources


def run(resources: list[HttpResource]) -> None:
    """Check ``resources`` together, in one run of REDbot's event loop."""
    waiting = set(resources)

    def done(resource: HttpResource) -> None:
        waiting.discard(resource)
        if not waiting:
            thor.stop()

    for resource in resources:
        resource.on("check_done", lambda resource=resource: done(resource))
    deadline = thor.schedule(TIMEOUT, thor.stop)
    for resource in resources:
        resource.check()
    thor.run()
    deadline.delete()
    assert not waiting, f"REDbot did not finish within {TIMEOUT}s: {waiting}"


def notes(resource: HttpResource) -> Iterator[Note]:
    """The notes on the answer and those of the checks REDbot made after it, with subnotes."""
    pending = list(resource.response.notes)
    while pending:
        note = pending.pop()
        yield note
        pending.extend(note.subnotes)


@pytest.mark.parametrize(
    ("method", "path", "status", "good"),
    ANSWERS,
    ids=[f"{method} {path}" for method, path, _, _ in ANSWERS],
)
def test_redbot_finds_no_problem(checked, server, method, path, status, good):
    resource = checked[method, path]
    assert resource.fetch_error is None, resource.fetch_error
    assert resource.response.complete
    assert resource.response.status_code == status
    found = list(notes(resource))
    problems = [
        f"{level_name(note)} {type(note).__name__}: {note.summary}"
        for note in found
        if note.level in (levels.BAD, levels.WARN) and type(note).__name__ not in ACCEPTED
    ]
    assert problems == [], "\n".join(problems)
    assert good <= {type(note).__name__ for note in found if note.level is levels.GOOD}
    assert "Traceback" not in server.output


def level_name(note: Any) -> str:
    return str(getattr(note.level, "name", note.level))


@pytest.mark.parametrize(
    "path", ["/api/products/1", "/dashboard", "/css/main.css", "/openapi.json"]
)
def test_the_reviews_conditional_headers_over_the_wire(server, path):
    # Issue 18, class 6, as the review sent them to gunicorn: a year past 9999 was a 500;
    # an empty If-Match (gunicorn passes the empty value on) must fail, not read as *.
    status, head, _ = server.raw_request(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "If-Modified-Since: Sat, 01 Jan 99999 00:00:00 GMT\r\n"
        "If-Unmodified-Since: Sat, 01 Jan 99999 00:00:00 GMT\r\n\r\n".encode()
    )
    assert status == 200, head
    status, head, body = server.raw_request(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nIf-Match:\r\n\r\n".encode()
    )
    assert status == 412, head
    assert b"If-Match does not hold" in body
    assert "Traceback" not in server.output
