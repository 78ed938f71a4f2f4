"""docs/recipes/: each page's examples run, in order, as one script in a process of its own.

A recipe sets up things that belong to the whole process (``sentry_sdk.init``,
``structlog.configure``, logging handlers, prometheus_client's default registry,
OpenTelemetry's tracer provider), as an application does: one process per page
keeps them from each other and from the rest of the suite. A page's later
examples use what its first one defined, as a reader who runs the page would.

The checks below go further than a page shows, run after the page's own code,
in the same process, with the real libraries: the SQLAlchemy session when the
client leaves half way or an after hook raises, an exception raised while a
body streams (OpenTelemetry, Sentry), 404s and 405s (Prometheus), and so on.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

from tests.servers import REPO_ROOT

RECIPES = REPO_ROOT / "docs" / "recipes"
EXAMPLE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
PAGES = sorted(page.name for page in RECIPES.glob("*.md") if page.name != "index.md")


def page_examples(name: str) -> list[str]:
    """The ``python`` examples of ``docs/recipes/<name>``, in order."""
    return EXAMPLE.findall((RECIPES / name).read_text())


def page_script(name: str) -> str:
    """The ``python`` examples of ``docs/recipes/<name>``, in order, as one script."""
    return "\n\n".join(page_examples(name))


def run_recipe(name: str, folder: pathlib.Path, checks: str = "") -> str:
    """Run the page's script, then ``checks``, in a new process in ``folder``; its output."""
    script = folder / f"recipe_{name.removesuffix('.md').replace('-', '_')}.py"
    script.write_text(page_script(name) + "\n\n" + textwrap.dedent(checks))
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    environment.pop("DATABASE_URL", None)
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_there_are_recipes():
    assert PAGES


@pytest.mark.parametrize("name", PAGES)
def test_recipe_runs(name, tmp_path):
    assert EXAMPLE.search((RECIPES / name).read_text()), f"{name} has no python example"
    run_recipe(name, tmp_path)


@pytest.mark.parametrize("name", PAGES)
def test_each_recipe_is_in_the_index_and_the_site(name):
    assert f"]({name})" in (RECIPES / "index.md").read_text()
    assert f"recipes/{name}" in (REPO_ROOT / "mkdocs.yml").read_text()


# --- SQLAlchemy: the session is closed however the request ends ---------------------

SQLALCHEMY_CHECKS = """
import webob

for number in range(2, 51):
    client.post("/notes", json={"text": f"note {number}"})


def served(path, method="GET"):
    # Called as a server calls it; the caller iterates and closes the body.
    environ = webob.Request.blank(path, method=method).environ
    return app(environ, lambda status, headers, exc_info=None: None)


# The client leaves after the first line: the server closes the body half way.
body = served("/notes.txt")
assert next(iter(body)).startswith(b"1\\t")
assert engine.pool.checkedout() == 1  # the stream reads through its session
body.close()
assert engine.pool.checkedout() == 0

# Closed before any byte went out (a client gone at once), and a HEAD.
served("/notes.txt").close()
served("/notes.txt", "HEAD").close()
assert engine.pool.checkedout() == 0


@app.get("/notes-broken.txt")
def breaks_while_sent(request):
    session = db(request)

    def lines():
        for note in session.scalars(select(Note).order_by(Note.id)):
            yield f"{note.id}\\n".encode()
            if note.id == 3:
                raise RuntimeError("broke while sent")

    return Response(app_iter=lines(), content_type="text/plain")


body = served("/notes-broken.txt")
try:
    list(body)
except RuntimeError:
    pass
else:
    raise AssertionError("the stream should have broken")
body.close()
assert engine.pool.checkedout() == 0


# An after hook that raises: the hooks after it do not run, the teardown does.
@app.after_request
def breaks_after(request, response):
    if request.path == "/notes/1":
        raise RuntimeError("after hook broke")
    return response


assert client.get("/notes/1").status_code == 500
assert client.get("/notes/2").json() == {"id": 2, "text": "note 2"}
assert engine.pool.checkedout() == 0

# A request that never asks for a session takes no connection.
assert client.get("/nowhere").status_code == 404
assert engine.pool.checkedout() == 0
print("checked")
"""


def test_sqlalchemy_session_is_closed_however_the_request_ends(tmp_path):
    assert run_recipe("sqlalchemy.md", tmp_path, SQLALCHEMY_CHECKS).endswith("checked\n")


# --- OpenTelemetry: every span named by its route, every failure recorded -----------

OPENTELEMETRY_CHECKS = """
from roob import Response, Router

api = Router(prefix="/v2")


@api.get("/orders/{number:int}")
def order(request, number):
    return {"number": number}


@api.get("/orders/{number:int}/lines")
def order_lines(request, number):
    def lines():
        yield b"first line\\n"
        raise ValueError("the order's lines broke")

    return Response(app_iter=lines(), content_type="text/plain")


@api.get("/orders/{number:int}/empty")
def order_empty(request, number):
    def lines():
        raise LookupError("broke before its first byte")
        yield b""

    return Response(app_iter=lines(), content_type="text/plain")


app.include_router(api)
exporter.clear()
client.get("/v2/orders/5")
client.post("/v2/orders/5")  # 405: the path's route, another method
client.request("BREW", "/v2/orders/5")  # a method nobody knows
try:
    client.get("/v2/orders/5/lines")
except ValueError:
    pass  # cut short: a server aborts the connection
client.get("/v2/orders/5/empty")
names = [(span.name, span.attributes.get("http.route")) for span in exporter.get_finished_spans()]
assert names == [
    ("GET /v2/orders/{number:int}", "/v2/orders/{number:int}"),
    ("POST /v2/orders/{number:int}", "/v2/orders/{number:int}"),
    ("HTTP /v2/orders/{number:int}", "/v2/orders/{number:int}"),
    ("GET /v2/orders/{number:int}/lines", "/v2/orders/{number:int}/lines"),
    ("GET /v2/orders/{number:int}/empty", "/v2/orders/{number:int}/empty"),
], names
ok, not_allowed, unknown, cut, empty = exporter.get_finished_spans()
assert not (ok.events or not_allowed.events or unknown.events)
# Broken after its first byte: recorded by the listener, and by the middleware as the
# exception goes on to the server (which aborts the connection).
assert [event.attributes["exception.type"] for event in cut.events] == ["ValueError"] * 2
[event] = empty.events
assert event.attributes["exception.type"] == "LookupError"
assert empty.status.status_code is StatusCode.ERROR
print("checked")
"""


def test_opentelemetry_names_every_span_by_route_and_records_stream_failures(tmp_path):
    assert run_recipe("opentelemetry.md", tmp_path, OPENTELEMETRY_CHECKS).endswith("checked\n")


# --- Sentry: every error once, every transaction named by its route ----------------

SENTRY_CHECKS = """
from sentry_sdk.integrations.logging import LoggingIntegration

from roob import Response


@app.get("/reports/{n:int}")
def report(request, n):
    def chunks():
        if n == 1:
            raise LookupError("before the first byte")
        yield b"partial"
        raise ValueError("after the first byte")

    return Response(app_iter=chunks(), content_type="text/plain")


def sent():
    sentry_sdk.flush()
    envelopes, KeepEnvelopes.envelopes[:] = list(KeepEnvelopes.envelopes), []
    errors = [e.get_event() for e in envelopes if e.get_event() is not None]
    names = [e.get_transaction_event()["transaction"] for e in envelopes
             if e.get_transaction_event() is not None]
    return [x["exception"]["values"][-1]["type"] for x in errors], names


KeepEnvelopes.envelopes.clear()
client.get("/reports/1")
try:
    client.get("/reports/2")
except ValueError:
    pass  # cut short: a server aborts the connection
client.post("/api/users/1")  # 405
errors, names = sent()
assert sorted(errors) == ["LookupError", "ValueError"], errors  # each once
assert names == ["GET /reports/{n:int}", "GET /reports/{n:int}", "POST /api/users/{id:int}"]

# With Sentry's logging integration turned off, the listener still captures.
sentry_sdk.init(
    dsn="https://public@sentry.example/1",
    transport=KeepEnvelopes,
    traces_sample_rate=1.0,
    before_send=once_per_exception,
    integrations=[LoggingIntegration(event_level=None)],
)
client.get("/api/users/13")
assert sent() == (["RuntimeError"], ["GET /api/users/{id:int}"])
print("checked")
"""


def test_sentry_captures_each_error_once_and_names_each_transaction(tmp_path):
    assert run_recipe("sentry.md", tmp_path, SENTRY_CHECKS).endswith("checked\n")


# --- Prometheus: each answer counted once, under its route --------------------------

PROMETHEUS_CHECKS = """
from roob import Response, Router


@app.get("/broken/{n:int}")
def broken(request, n):
    raise RuntimeError("view broke")


@app.get("/export/{n:int}")
def export(request, n):
    def chunks():
        if n == 0:
            raise RuntimeError("broke before its first byte")
        yield b"row\\n"

    return Response(app_iter=chunks(), content_type="text/plain")


shop = Router(prefix="/shop")


@shop.get("/items/{sku}")
def item(request, sku):
    return {"sku": sku}


app.include_router(shop)
for path in ["/broken/1", "/export/0", "/export/1", "/export/2", "/shop/items/a", "/shop/items/b"]:
    client.get(path)
client.head("/shop/items/c")
assert count("GET", "/broken/{n:int}", "500") == 1
assert count("GET", "/export/{n:int}", "500") == 1  # the failed stream's answer, once
assert count("GET", "/export/{n:int}", "200") == 2
assert count("GET", "/shop/items/{sku}", "200") == 2
assert count("HEAD", "/shop/items/{sku}", "200") == 1
assert count("GET", "/metrics", "200") == 1
series = [m for m in REGISTRY.collect() if m.name == "http_requests"][0].samples
routes = {s.labels["route"] for s in series}
assert routes == {"/api/users/{id:int}", "(no route)", "/metrics", "/broken/{n:int}",
                  "/export/{n:int}", "/shop/items/{sku}"}, routes
print("checked")
"""


def test_prometheus_counts_each_answer_once_by_route(tmp_path):
    assert run_recipe("prometheus.md", tmp_path, PROMETHEUS_CHECKS).endswith("checked\n")


# --- structlog: the id on lines written in a stream, in a thread, and only there ----

STRUCTLOG_CHECKS = """
import contextvars
import threading

from roob import Response


@app.get("/stream")
def stream(request):
    def chunks():
        log.info("chunk sent")
        yield b"x"

    return Response(app_iter=chunks(), content_type="text/plain")


@app.get("/thread")
def in_a_thread(request):
    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(log.info, "from a thread"))
    worker.start()
    worker.join()
    return {}


output.seek(0)
output.truncate()
streamed = client.get("/stream").headers["X-Request-ID"]
threaded = client.get("/thread").headers["X-Request-ID"]
log.info("between requests")
lines = [json.loads(line) for line in output.getvalue().splitlines()]
assert [(line["event"], line.get("request_id")) for line in lines] == [
    ("chunk sent", streamed),
    ("from a thread", threaded),
    ("between requests", None),
], lines
print("checked")
"""


def test_structlog_lines_carry_the_id_in_streams_and_threads(tmp_path):
    assert run_recipe("structured-logs.md", tmp_path, STRUCTLOG_CHECKS).endswith("checked\n")
