"""roob/debug.py: the debug page (HTML for browsers, JSON for the others), and roob/logs.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from roob import Roob
from roob.testing import TestClient
from tests.servers import REPO_ROOT, ServerProcess, free_port

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def failing(tmp_path, write_files):
    write_files(tmp_path, {
        "broken.html": "<h1>{{ title }}</h1>\n{% if %}\n",
        "divides.html": "<p>one</p>\n<p>{{ 1 // zero }}</p>\n",
    })  # fmt: skip

    def make(debug=True):
        app = Roob(tmp_path, None, debug=debug)

        @app.get("/boom")
        def boom(request):
            secret = "<script>alert('x')</script>"
            raise KeyError(secret)

        @app.get("/syntax")
        def syntax(request):
            return app.template("broken.html", {"title": "x"})

        @app.get("/runtime")
        def runtime(request):
            return app.template("divides.html", {"zero": 0})

        return TestClient(app)

    return make


def test_a_browser_gets_a_page_with_every_frame_and_its_source(failing):
    response = failing().get("/boom?x=1", headers=BROWSER)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = response.text
    assert (
        "<h1>KeyError: &quot;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;</h1>" in page
    )
    assert "<script>" not in page  # shown as text, never run
    assert "<p>GET /boom?x=1</p>" in page
    assert f"{__file__}</span>, line" in page
    assert "in boom" in page
    assert "roob/app.py</span>" in page  # the framework's frames too
    assert re.search(
        r'<span class="error"><span class="number">\s+\d+</span>\s+raise KeyError', page
    )
    assert "secret = &quot;&lt;script&gt;" in page  # the lines around it
    assert "http://" not in page  # no external assets
    assert "https://" not in page


def test_other_clients_get_json_with_the_traceback(failing):
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        response = failing().get("/boom", headers=accept)
        assert response.status_code == 500
        document = response.json()
        assert document["message"] == "KeyError: \"<script>alert('x')</script>\""
        assert document["traceback"].startswith("Traceback (most recent call last):\n")
        assert "raise KeyError(secret)" in document["traceback"]


def test_a_template_error_names_the_template_and_its_line(failing):
    syntax = failing().get("/syntax", headers=BROWSER).text
    assert '<p class="template">Template broken.html, line 2</p>' in syntax
    runtime = failing().get("/runtime", headers=BROWSER).text
    assert "ZeroDivisionError: integer division or modulo by zero" in runtime
    assert re.search(r"Template \S+divides\.html, line 2", runtime)
    assert "{{ 1 // zero }}" in runtime


@pytest.mark.parametrize("headers", [BROWSER, {}])
def test_without_debug_no_detail_leaves_the_server(failing, headers):
    response = failing(debug=False).get("/boom", headers=headers)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_roob_debug_in_the_environment_turns_debug_on(monkeypatch, tmp_path):
    monkeypatch.setenv("ROOB_DEBUG", "1")
    assert Roob(tmp_path, None).debug is True
    assert Roob(tmp_path, None, debug=False).debug is False
    monkeypatch.setenv("ROOB_DEBUG", "0")
    assert Roob(tmp_path, None).debug is False


# --- the roob logger without logging set up ----------------------------------------

APP = textwrap.dedent("""
    from roob import Roob

    app = Roob(static_dir=None)

    @app.get("/boom")
    def boom(request):
        raise RuntimeError("it broke")
""")
LINE = re.compile(
    r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.,]\d+ ?[+-]?\d*\] \[\d+\] \[ERROR\] (roob: )?"
    r"Unhandled exception: GET /boom\nTraceback \(most recent call last\):"
)


def test_an_unhandled_exception_is_logged_with_time_and_level_to_stderr(tmp_path):
    (tmp_path / "logged.py").write_text(APP)
    script = (
        "from roob.testing import TestClient; from logged import app; TestClient(app).get('/boom')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert LINE.search(completed.stderr), completed.stderr
    assert "RuntimeError: it broke" in completed.stderr
    assert completed.stderr.count("Unhandled exception") == 1


def test_the_applications_own_logging_is_respected(tmp_path):
    (tmp_path / "logged.py").write_text(APP)
    script = (
        "import logging, sys; logging.basicConfig(stream=sys.stdout, format='MINE %(message)s');"
        "from roob.testing import TestClient; from logged import app; TestClient(app).get('/boom')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert completed.stdout.startswith("MINE Unhandled exception: GET /boom\n")
    assert "Unhandled exception" not in completed.stderr


def test_under_gunicorn_it_goes_to_the_servers_error_log(tmp_path):
    (tmp_path / "logged.py").write_text(APP)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--chdir", str(tmp_path), "--no-control-socket", "logged:app"]  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with ServerProcess(command, port=port, log=log, ready_path="/boom") as server:
        response, body = server.request("GET", "/boom")
        assert response.status == 500
        assert json.loads(body) == {"message": "Internal Server Error"}
        server.request("GET", "/boom")
    output = log.read_text()
    assert re.search(r"\[ERROR\] Unhandled exception: GET /boom\nTraceback", output), output
    assert output.count("RuntimeError: it broke") >= 2
    assert REPO_ROOT.exists()
