"""The benchmark machinery runs and checks the apps' answers (smoke test: no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks import dependencies, e2e, instructions, typed_payloads
from benchmarks.apps import FRAMEWORKS, create
from benchmarks.scenarios import SCENARIOS, WrongAnswer, call, check
from tests.servers import REPO_ROOT, ServerProcess, free_port


def test_make_bench_runs_end_to_end_with_tiny_counts(tmp_path):
    chart = tmp_path / "chart.png"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--results", str(tmp_path),
         "--chart", str(chart)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"All {len(FRAMEWORKS)} apps give the right answer to all {len(SCENARIOS)}" in run.stdout
    for name in FRAMEWORKS:
        assert name in run.stdout
    for scenario in SCENARIOS:
        assert f"\n{scenario.name} " in run.stdout
    assert "x raw-wsgi: each median" in run.stdout
    assert "x falcon: each median" in run.stdout
    assert "roob dynamic lookup" in run.stdout
    assert "Router scaling" in run.stdout
    assert "body, typed" in run.stdout
    results = json.loads((tmp_path / "latest.json").read_text())
    measured = results["inprocess"]["results"]
    assert set(measured) == {scenario.name for scenario in SCENARIOS}
    assert all(set(by_framework) == set(FRAMEWORKS) for by_framework in measured.values())
    assert "Website features" in run.stdout
    assert set(results["web_features"]) == {"session read", "form POST", "304"}
    assert all(set(by_name) == {"roob", "flask"} for by_name in results["web_features"].values())
    assert set(results["typed_views"]) == {
        "query, untyped",
        "query, typed",
        "body, untyped",
        "body, typed",
    }
    assert "Dependencies, two cached dependencies (one a generator)" in run.stdout
    assert set(results["dependencies"]["results"]) == set(dependencies.FRAMEWORKS)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The typed group (issue 21): five scenarios, every framework side by side, the goals'
    # ratios, and its chart next to the other.
    assert "Typed payloads: median µs per request" in run.stdout
    assert "Issue 21's goals" in run.stdout
    typed = results["typed"]["results"]
    assert list(typed) == [scenario.name for scenario in typed_payloads.SCENARIOS]
    for scenario, by_framework in typed.items():
        expected = {name for name in typed_payloads.FRAMEWORKS
                    if typed_payloads.serves(name, typed_payloads.SCENARIOS_BY_NAME[scenario])}  # fmt: skip
        assert set(by_framework) == expected
    assert set(typed["response-model"]) == set(typed_payloads.FRAMEWORKS)
    assert {(r["scenario"], r["over"]) for r in results["typed"]["ratios"]} == {
        (scenario, over) for scenario, over, _ in typed_payloads.GOALS
    }
    assert (tmp_path / "typed-payloads.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_every_app_answers_every_scenario_rightly(name):
    app = create(name, extra_routes=5)
    for scenario in SCENARIOS:
        check(name, app, scenario)


def test_a_wrong_answer_is_caught_before_timing():
    def liar(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"message": "Goodbye"}']

    json_scenario = next(s for s in SCENARIOS if s.name == "json")
    with pytest.raises(WrongAnswer, match="body"):
        check("liar", liar, json_scenario)
    not_found = next(s for s in SCENARIOS if s.name == "404")
    with pytest.raises(WrongAnswer, match="status 200, not 404"):
        check("liar", liar, not_found)


def test_a_dependency_view_that_skips_its_cleanup_is_caught_before_timing():
    # The check counts the sessions a request opened and closed: an app that answers
    # rightly but never runs the generator's cleanup is not timed.
    tracker = dependencies.Tracker()

    async def leaky(scope, receive, send):
        session = dependencies.Session(tracker)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"user": "ann", "same_session": true}'})
        assert session.open

    framework = dependencies.ASGIFramework("leaky", leaky, tracker)
    try:
        with pytest.raises(dependencies.WrongAnswer, match="1 sessions opened and 0 closed"):
            dependencies.check(framework)
    finally:
        framework.close()


def test_the_seed_style_app_really_returns_webob_responses():
    import webob

    from benchmarks.apps.roob_seed_style import create_app

    app = create_app(extra_routes=0)
    views = [route.handler for route in app.routes if route.path == "/json"]
    assert isinstance(views[0](webob.Request.blank("/json")), webob.Response)
    assert call(app, next(s for s in SCENARIOS if s.name == "json"))[0] == 200


def test_the_e2e_gunicorn_serves_the_benchmark_app_with_the_benchmark_settings(tmp_path):
    # Not the inventory's gunicorn.conf.py (access log, worker recycling), which
    # gunicorn loads by default when started from the repository root.
    port = free_port()
    command = e2e.gunicorn("benchmarks.apps.roob_idiomatic:create_app()", port, connections=32)
    assert command[command.index("--worker-connections") + 1] == "16"
    with ServerProcess(command, port=port, log=tmp_path / "log", ready_path="/json") as server:
        response, body = server.request("GET", "/json")
        assert response.status == 200
        assert json.loads(body) == e2e.EXPECTED["/json"]
    assert "GET /json" not in server.output  # no access log


def test_the_website_scenarios_get_the_same_answer_from_each_framework():
    from benchmarks import web_features

    for name, create_app in web_features.APPS.items():
        app = create_app()
        scenarios = web_features.scenarios_for(app)
        assert [s.name for s in scenarios] == ["session read", "form POST", "304"]
        for scenario in scenarios:
            check(name, app, scenario)
        assert call(app, scenarios[2]) == (304, b"")


def test_instruction_counts_subtract_the_environs_and_name_each_scenario(capsys):
    # Under a real valgrind: the app's own instructions, per request, for each scenario
    # asked (tiny counts: the warm-up is not amortised, the machinery is what is checked).
    measured = instructions.main(["--requests", "300", "json"])
    assert list(measured) == ["json"]
    # A JSON answer costs Roob thousands of instructions, not the environ's building
    # (subtracted) nor the interpreter's start (in both runs).
    assert 5_000 < measured["json"] < 100_000
    assert f"json         {measured['json']:>9,} instructions a request" in capsys.readouterr().out


def test_the_measured_program_calls_the_app_only_when_asked(monkeypatch):
    served: list[str] = []
    app = create("roob")

    def counting_app(environ, start_response):
        served.append(environ["PATH_INFO"])
        return app(environ, start_response)

    monkeypatch.setattr(instructions.apps, "create", lambda name, extra: counting_app)
    instructions.serve("roob", "json", 7, call=False)  # the baseline: the warm-up only
    assert served == ["/json"] * instructions.WARM_UP
    instructions.serve("roob", "json", 7, call=True)
    assert len(served) == 2 * instructions.WARM_UP + 7


@pytest.mark.parametrize("name", list(typed_payloads.FRAMEWORKS))
def test_every_framework_answers_its_typed_payload_scenarios_rightly(name):
    framework = typed_payloads.FRAMEWORKS[name]()
    try:
        for scenario in typed_payloads.SCENARIOS:
            if typed_payloads.serves(name, scenario):
                typed_payloads.check(framework, scenario)
    finally:
        framework.close()


def test_a_wrong_typed_payload_answer_is_caught_before_timing():
    def answering(status, content_type, body):
        def app(environ, start_response):
            start_response(f"{status} X", [("Content-Type", content_type)])
            return [body]

        return typed_payloads.WSGIFramework("liar", app)

    model, error = (typed_payloads.SCENARIOS_BY_NAME[n] for n in ("response-model", "typed-422"))
    unfiltered = json.dumps(typed_payloads.ROWS).encode()  # the cost field not dropped
    with pytest.raises(WrongAnswer, match="body"):
        typed_payloads.check(answering(200, "application/json", unfiltered), model)
    filtered = json.dumps(typed_payloads.FILTERED).encode()
    with pytest.raises(WrongAnswer, match="content type 'text/plain'"):
        typed_payloads.check(answering(200, "text/plain", filtered), model)
    with pytest.raises(WrongAnswer, match="status 200, not 422"):
        typed_payloads.check(answering(200, "application/json", b"{}"), error)
    with pytest.raises(WrongAnswer, match="do not name the field price"):
        typed_payloads.check(answering(422, "application/json", b'{"errors": []}'), error)
    with pytest.raises(WrongAnswer, match="not JSON"):
        typed_payloads.check(answering(422, "application/json", b"price?"), error)
    typed_payloads.check(answering(200, "application/json; charset=utf-8", filtered), model)


def test_the_typed_payload_goals_are_roob_over_the_others_median():
    def timed(median):
        return {"median": median, "min": median, "max": median}

    results = {
        "response-model": {"roob": timed(5.0), "litestar": timed(10.0)},
        "big-json": {"roob": timed(30.0), "litestar": timed(10.0)},
        "typed-query": {"roob": timed(4.0), "fastapi-async": timed(10.0)},
    }
    measured = typed_payloads.ratios(results)
    assert measured == [
        {"scenario": "big-json", "over": "litestar", "ratio": 3.0, "goal": 1.5, "met": False},
        {"scenario": "response-model", "over": "litestar", "ratio": 0.5, "goal": None,
         "met": None},
        {"scenario": "typed-query", "over": "fastapi-async", "ratio": 0.4, "goal": 0.5,
         "met": True},
    ]  # fmt: skip
    printed = typed_payloads.table(results, measured, repeat=1)
    assert "big-json         roob / litestar                3.00   goal <= 1.5: not met" in printed
    assert "response-model   roob / litestar                0.50   no goal" in printed
    assert "typed-query      roob / fastapi-async           0.40   goal <= 0.5: met" in printed


def test_the_measured_program_serves_the_typed_payload_scenarios_on_roob(monkeypatch):
    served: list[str] = []
    app = typed_payloads.roob_app()

    def counting_app(environ, start_response):
        served.append(environ["PATH_INFO"])
        return app(environ, start_response)

    monkeypatch.setattr(instructions.typed_payloads, "roob_app", lambda: counting_app)
    instructions.serve("roob", "big-json", 3, call=True)
    assert served == ["/rows"] * (instructions.WARM_UP + 3)
    with pytest.raises(SystemExit, match="Roob's only"):
        instructions.serve("falcon", "big-json", 3, call=True)
