"""Machine instructions per request, counted by callgrind: a measure of the hot path
that does not move with the machine's load, for before/after comparisons.

    python -m benchmarks.instructions [--app roob] [--requests 2000] [SCENARIO ...]

Each scenario's app (``benchmarks.apps.create(app, EXTRA_ROUTES)``) is called in process
``--requests`` times under ``valgrind --tool=callgrind``, after a warm-up; a
second run builds the same environs without calling the app, and the difference,
divided by the count, is what the app costs per request (routing, the view,
the answer, start_response's call). Both runs use ``PYTHONHASHSEED=0``: with
the same code, interpreter and inputs the count is the same to within a few
instructions. To compare two commits, run it in a worktree of each
(``git worktree add /tmp/before <commit>``, then ``cd /tmp/before`` and the
same command with this checkout's interpreter).

The scenario ``dependencies`` (Roob only, named explicitly) is the view of
benchmarks/dependencies.py: two cached dependencies, one a generator. So are the
five of benchmarks/typed_payloads.py (issue 21): ``typed-query``, ``typed-body``,
``response-model``, ``big-json`` and ``typed-422``, on its Roob app.

Needs valgrind (Debian's valgrind).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

from benchmarks import apps, dependencies, scenarios, typed_payloads

COUNT = re.compile(r"Collected : (\d+)")
WARM_UP = 50
#: benchmarks/typed_payloads.py's scenarios, Roob only.
TYPED = {scenario.name: scenario for scenario in typed_payloads.SCENARIOS}


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
    return None


def serve(app_name: str, scenario_name: str, requests: int, call: bool) -> None:
    """The measured program: ``requests`` environs built, and the app called with each
    (``call``), or not (the baseline)."""
    if scenario_name == dependencies.SCENARIO.name:
        if app_name != "roob":
            raise SystemExit(f"the scenario {scenario_name} is Roob's only")
        app = dependencies.roob_app(dependencies.Tracker())
        scenario = dependencies.SCENARIO
    elif scenario_name in TYPED:
        if app_name != "roob":
            raise SystemExit(f"the scenario {scenario_name} is Roob's only")
        app = typed_payloads.roob_app()
        scenario = TYPED[scenario_name]
    else:
        app = apps.create(app_name, apps.EXTRA_ROUTES)
        (scenario,) = (s for s in scenarios.SCENARIOS if s.name == scenario_name)
    for _ in range(WARM_UP):
        _finish(app(scenario.environ(), _start_response))
    environs = [scenario.environ() for _ in range(requests)]
    # The interpreter's and the frameworks' own objects out of the collector's way: a
    # full collection walks all of them, and one falling in one run and not in the other
    # would count as the requests' (the young generations are still collected).
    gc.collect()
    gc.freeze()
    if call:
        for environ in environs:
            _finish(app(environ, _start_response))


def _finish(body: object) -> None:
    for _ in body:  # type: ignore[attr-defined]
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def count(app_name: str, scenario_name: str, requests: int, call: bool) -> int:
    """The instructions callgrind counts for one run of :func:`serve`."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "benchmarks.instructions", "--serve",
        "--app", app_name, "--requests", str(requests), scenario_name,
    ]  # fmt: skip
    if not call:
        command.append("--baseline")
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.getcwd()}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = COUNT.search(finished.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{finished.stderr}")
    return int(found.group(1))


def per_request(app_name: str, scenario_name: str, requests: int) -> int:
    called = count(app_name, scenario_name, requests, call=True)
    baseline = count(app_name, scenario_name, requests, call=False)
    return round((called - baseline) / requests)


def main(argv: Sequence[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", default="roob", choices=sorted(apps.FRAMEWORKS))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("scenarios", nargs="*", default=[s.name for s in scenarios.SCENARIOS])
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.app, args.scenarios[0], args.requests, call=not args.baseline)
        return {}
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (Debian's package valgrind)")
    measured: dict[str, int] = {}
    for name in args.scenarios:
        measured[name] = per_request(args.app, name, args.requests)
        print(f"{name:<12} {measured[name]:>9,} instructions a request", flush=True)
    return measured


if __name__ == "__main__":
    main()
