"""roob/cli.py: ``roob routes`` and ``roob run``, in-process and as real processes."""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest

import roob
from roob import Roob
from roob.cli import build_parser, gunicorn_argv, load_app, main, print_routes, watched_folders
from tests.servers import REPO_ROOT, ServerProcess, free_port

ROOB_SCRIPT = str(pathlib.Path(sys.executable).with_name("roob"))  # the installed command
HELLO_ROUTES = [
    ["METHODS", "PATH", "NAME", "VIEW"],
    ["GET,HEAD", "/", "index", "examples.hello.index"],
    ["GET,HEAD", "/hello/{name}", "hello", "examples.hello.hello"],
    ["DELETE,GET,HEAD", "/items/{item_id:d}", "Item", "examples.hello.Item"],
]


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    """``module_dir(name, source)`` writes an importable module; the import is undone after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_app puts the cwd on it
    written = []

    def write(name, source):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()
        written.append(name)

    yield write
    for name in written:
        sys.modules.pop(name, None)


# --- roob routes ----------------------------------------------------------------------


def test_routes_prints_a_table_of_the_routes(capsys):
    main(["routes", "examples.hello:app"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines] == HELLO_ROUTES
    # the columns line up: each starts where its header does
    for column in ["PATH", "NAME", "VIEW"]:
        start = lines[0].index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines)


def test_the_roob_command_prints_the_same_table():
    completed = subprocess.run(
        [ROOB_SCRIPT, "routes", "examples.hello:app"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert [line.split() for line in completed.stdout.splitlines()] == HELLO_ROUTES


def test_routes_of_a_factory(module_dir, capsys):
    module_dir(
        "factory_app",
        """
        from roob import Roob

        def create_app():
            app = Roob(static_dir=None)
            app.add_route("/ping", lambda request: "pong", methods=["POST"], name="ping")
            return app
        """,
    )
    main(["routes", "factory_app:create_app()"])
    assert capsys.readouterr().out.splitlines()[1].split() == [
        "POST",
        "/ping",
        "ping",
        "factory_app.create_app.<locals>.<lambda>",
    ]


def test_an_application_without_routes_prints_the_header_only(capsys):
    print_routes(Roob(static_dir=None))
    assert capsys.readouterr().out == "METHODS  PATH  NAME  VIEW\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "roob: expected MODULE:APP, got 'nocolon'"),
        (":app", "roob: expected MODULE:APP, got ':app'"),
        ("examples.hello:", "roob: expected MODULE:APP, got 'examples.hello:'"),
        ("examples.hello:nope", "roob: module 'examples.hello' has no 'nope'"),
        ("examples.hello:make()", "roob: module 'examples.hello' has no 'make()'"),
        ("examples.hello:Roob", "roob: that object is not a Roob application"),
        ("examples.hello:index", "roob: that object is not a Roob application"),
        (
            "no_such_module:app",
            "roob: no module named 'no_such_module' (from 'no_such_module:app')",
        ),
        ("examples.nope:app", "roob: no module named 'examples.nope' (from 'examples.nope:app')"),
    ],
)
def test_a_bad_target_exits_with_a_message(target, message):
    with pytest.raises(SystemExit) as raised:
        main(["routes", target])
    assert raised.value.code == message


def test_a_bad_target_exits_with_status_1_and_no_traceback():
    completed = subprocess.run(
        [sys.executable, "-m", "roob.cli", "routes", "examples.hello:nope"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr == "roob: module 'examples.hello' has no 'nope'\n"


def test_routes_source_prints_the_generated_search_function(capsys):
    main(["routes", "examples.hello:app", "--source"])
    printed = capsys.readouterr().out
    assert printed.startswith("def _search_1(segments, n, method, allowed, pre):\n")
    assert "if s1 == 'hello':" in printed


def test_version_is_the_installed_distributions():
    completed = subprocess.run(
        [ROOB_SCRIPT, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout == f"roob (roob-web) {importlib.metadata.version('roob-web')}\n"


def test_a_module_missing_inside_the_target_keeps_its_traceback(module_dir):
    module_dir("needs_missing", "import a_dependency_that_is_not_installed\n")
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed"):
        load_app("needs_missing:app")


def test_the_target_is_found_in_the_current_directory(module_dir):
    module_dir("local_app", "from roob import Roob\napp = Roob(static_dir=None)\n")
    assert isinstance(load_app("local_app:app"), Roob)


# --- finding the application inside middleware -------------------------------------------


class Wrapper:
    """WSGI middleware keeping the application it wraps as ``app``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class WhiteNoiseLike:
    """Middleware that calls what it wraps ``application``, as WhiteNoise does."""

    def __init__(self, application):
        self.application = application


def test_routes_are_found_through_middleware_wrappers():
    app = Roob(static_dir=None)
    app.add_route("/inner", lambda request: None, name="inner")
    out = io.StringIO()
    print_routes(Wrapper(WhiteNoiseLike(Wrapper(app))), out)
    assert out.getvalue().splitlines()[1].split()[:3] == ["GET,HEAD", "/inner", "inner"]


@pytest.mark.parametrize(
    "wrapped",
    [Wrapper(None), WhiteNoiseLike(object()), object()],
    ids=["wraps-nothing", "wraps-a-non-app", "not-a-wrapper"],
)
def test_a_wrapper_without_a_roob_inside_is_refused(wrapped):
    with pytest.raises(SystemExit, match="roob: that object is not a Roob application"):
        print_routes(wrapped, io.StringIO())


def test_a_wrapper_that_wraps_itself_is_refused():
    loop = Wrapper(None)
    loop.app = loop
    with pytest.raises(SystemExit, match="not a Roob application"):
        print_routes(loop, io.StringIO())


# --- roob run -------------------------------------------------------------------------------


def test_run_serves_the_application_over_http(tmp_path):
    port = free_port()
    command = [
        sys.executable, "-m", "roob.cli", "run", "examples.hello:app",
        "--port", str(port), "--no-reload",
    ]  # fmt: skip
    server = ServerProcess(command, port=port, log=tmp_path / "roob-run.log")
    try:
        server.start()
        response, body = server.request("GET", "/")
        assert response.status == 200
        assert body == b"Hello from Roob!\n"
        response, body = server.request("GET", "/hello/Ada")
        assert json.loads(body) == {"message": "Hello, Ada!"}
    finally:
        returncode = server.stop()
    assert returncode == 0
    assert '"GET /hello/Ada HTTP/1.1" 200' in server.output  # the access log is on
    assert f"Listening at: http://127.0.0.1:{port}" in server.output


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ["--bind", "127.0.0.1:8000", "--workers", "1"]),
        (
            ["--host", "127.0.0.2", "--port", "9001", "--workers", "3", "--no-reload"],
            ["--bind", "127.0.0.2:9001", "--workers", "3"],
        ),
    ],
    ids=["development-defaults", "options"],
)
def test_run_hands_gunicorn_its_options(options, expected):
    # What `roob run` starts; the tests below start it for real.
    args = build_parser().parse_args(["run", "examples.hello:app", *options])
    argv = gunicorn_argv(args)
    assert argv[:2] == ["gunicorn", "--config"]
    assert pathlib.Path(argv[2]).parent == pathlib.Path(roob.__file__).parent  # the package's
    assert "bind" not in pathlib.Path(argv[2]).read_text()
    assert argv[3:] == [*expected, "--access-logfile", "-", "--no-control-socket",
                        "examples.hello:app"]  # fmt: skip


def test_run_help_shows_every_option_with_its_default():
    completed = subprocess.run(
        [ROOB_SCRIPT, "run", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    text = " ".join(completed.stdout.split())
    for shown in ("--host HOST the address to listen on (default: 127.0.0.1)",
                  "--port PORT the port to listen on (default: 8000)",
                  "(default: 1)", "--reload, --no-reload", "(default: True)",
                  "--debug the debug page", "(default: False)"):  # fmt: skip
        assert shown in text, text


def test_the_watched_folders_are_the_current_one_and_the_applications(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert watched_folders("examples.hello:app") == [str(tmp_path), str(REPO_ROOT)]
    assert watched_folders("no_such_module:app") == [str(tmp_path)]
    assert watched_folders(".relative:app") == [str(tmp_path)]
    assert watched_folders("sys:app") == [str(tmp_path)]  # built in: no folder
    assert watched_folders("textwrap:app") == [str(tmp_path), os.path.dirname(textwrap.__file__)]
    monkeypatch.chdir(REPO_ROOT)
    assert watched_folders("examples.hello:app") == [str(REPO_ROOT)]  # already under it
    (tmp_path / "app").mkdir()
    (tmp_path / "app2").mkdir()
    (tmp_path / "app2" / "neighbour.py").write_text("")
    monkeypatch.chdir(tmp_path / "app")
    monkeypatch.syspath_prepend(str(tmp_path / "app2"))
    assert watched_folders("neighbour:app") == [str(tmp_path / "app"), str(tmp_path / "app2")]


NOTES_APP = """\
from roob import Roob

app = Roob()


@app.get("/")
def index(request):
    return app.render("index.html", {"title": "Notes"})
"""


def wait_for(server, path, expected, timeout=2.0):
    """Seconds until ``path`` answers ``expected`` (a status, or a body); fails past ``timeout``."""
    started = time.monotonic()
    while True:
        try:
            response, body = server.request("GET", path, timeout=1)
            answer = response.status if isinstance(expected, int) else body
        except OSError as exc:  # restarting
            answer = exc
        if answer == expected:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{path} gave {answer!r}, not {expected!r}, for {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def notes(request, tmp_path, write_files):
    """A small application in its own folder, served by `roob run --debug` from there
    (without --debug when the test is marked with a ``plain`` parameter)."""
    write_files(tmp_path, {
        "notes.py": NOTES_APP,
        "templates/index.html": "<h1>{{ title }}</h1>",
        "static/css/site.css": "body {}",
        # a settings file roob run must not read: gunicorn would fail on it
        "gunicorn.conf.py": "raise SystemExit('roob run read ./gunicorn.conf.py')",
    })  # fmt: skip
    port = free_port()
    debug = [] if getattr(request, "param", "debug") == "plain" else ["--debug"]
    command = [ROOB_SCRIPT, "run", "notes:app", *debug, "--port", str(port)]
    server = ServerProcess(command, port=port, log=tmp_path / "roob-run.log", cwd=tmp_path)
    server.start()
    yield server, tmp_path
    server.stop()


def test_run_debug_serves_each_change(notes):
    # How soon is printed, not asserted (a loaded machine is slower; speed is measured
    # apart): each change must be served, and nothing stale.
    server, folder = notes
    timings = {}
    soon = 20
    (folder / "templates/index.html").write_text("<h1>My {{ title }}</h1>")
    timings["template"] = wait_for(server, "/", b"<h1>My Notes</h1>", soon)
    _, before = server.request("GET", "/css/site.css")
    (folder / "static/css/site.css").write_text("body { color: #123456 }")
    timings["css"] = wait_for(server, "/css/site.css", b"body { color: #123456 }", soon)
    response, _ = server.request("GET", "/css/site.css")
    assert response.getheader("Content-Length") == str(len(b"body { color: #123456 }"))
    (folder / "static/css/new.css").write_text("p {}")
    timings["new file"] = wait_for(server, "/css/new.css", 200, soon)
    (folder / "static/css/new.css").unlink()
    timings["removed file"] = wait_for(server, "/css/new.css", 404, soon)
    with (folder / "notes.py").open("a") as module:
        module.write('\n\n@app.get("/ping")\ndef ping(request):\n    return {"pong": 1}\n')
    timings["python"] = wait_for(server, "/ping", 200, soon)
    print(f"roob run --debug, seconds until served: {timings}")
    assert before == b"body {}"


@pytest.mark.parametrize("notes", ["plain"], indirect=True)
def test_run_without_debug_restarts_for_templates_and_static_files(notes):
    server, folder = notes
    (folder / "templates/index.html").write_text("<h1>New {{ title }}</h1>")
    wait_for(server, "/", b"<h1>New Notes</h1>", timeout=5)
    (folder / "static/css/new.css").write_text("p {}")  # indexed again at the restart
    wait_for(server, "/css/new.css", 200, timeout=5)


def test_run_survives_a_syntax_error(notes):
    server, folder = notes
    source = (folder / "notes.py").read_text()
    (folder / "notes.py").write_text(source + "\ndef broken(:\n")
    deadline = time.monotonic() + 10  # the restart reports it (a loaded machine is slower)
    while "SyntaxError" not in server.output and time.monotonic() < deadline:
        time.sleep(0.05)
    (folder / "notes.py").write_text(
        source + '\n\n@app.get("/fixed")\ndef fixed(request):\n    return "ok"\n'
    )
    wait_for(server, "/fixed", b"ok", timeout=5)
    assert "SyntaxError" in server.output
    assert "roob run read ./gunicorn.conf.py" not in server.output


def test_run_debug_shows_the_debug_page(notes):
    server, folder = notes
    with (folder / "notes.py").open("a") as module:
        module.write('\n\n@app.get("/boom")\ndef boom(request):\n    raise ValueError("boom")\n')
    wait_for(server, "/boom", 500)
    response, body = server.request("GET", "/boom", headers={"Accept": "text/html"})
    assert response.status == 500
    assert "<h1>ValueError: boom</h1>" in body.decode()
