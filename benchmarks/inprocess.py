"""In-process benchmark: every framework on every scenario, interleaved, medians reported.

    python -m benchmarks.inprocess [--repeat 15] [--number 2000] [--json out.json]

Each app is first checked to give the right status and body for every scenario
(a wrong answer stops the run: it would not be timed). Then, for each
repetition, every (scenario, framework) pair is timed over ``--number`` calls,
the frameworks in a new shuffled order each time, so a slow moment of the
machine lands on all of them alike. Reported: the median time per request
over the repetitions, with min and max, and ratios against raw WSGI and
against Falcon.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.apps import EXTRA_ROUTES, FRAMEWORKS, WSGIApp, create
from benchmarks.scenarios import SCENARIOS, Scenario, call, check

Samples = dict[str, dict[str, list[float]]]  # scenario -> framework -> µs per request


def build_apps(names: Sequence[str], extra_routes: int = EXTRA_ROUTES) -> dict[str, WSGIApp]:
    return {name: create(name, extra_routes) for name in names}


def check_apps(apps: dict[str, WSGIApp], scenarios: Sequence[Scenario] = SCENARIOS) -> None:
    for name, app in apps.items():
        for scenario in scenarios:
            check(name, app, scenario)


def time_per_call(app: WSGIApp, scenario: Scenario, number: int) -> float:
    """Microseconds per request, over ``number`` requests."""
    environs = [scenario.environ() for _ in range(number)]  # built outside the timing
    recorder_calls = 0

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        nonlocal recorder_calls
        recorder_calls += 1

    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        begin = time.perf_counter_ns()
        for environ in environs:
            result = app(environ, start_response)
            for _ in result:
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()
        elapsed = time.perf_counter_ns() - begin
    finally:
        if gc_was_enabled:
            gc.enable()
    assert recorder_calls == number
    return elapsed / number / 1000


def measure(
    apps: dict[str, WSGIApp],
    *,
    repeat: int,
    number: int,
    scenarios: Sequence[Scenario] = SCENARIOS,
    seed: int = 2026,
) -> Samples:
    order = list(apps)
    shuffler = random.Random(seed)
    samples: Samples = {s.name: {name: [] for name in apps} for s in scenarios}
    for scenario in scenarios:  # warm-up: imports, caches, compiled routes
        for app in apps.values():
            call(app, scenario)
    for _ in range(repeat):
        shuffler.shuffle(order)
        for scenario in scenarios:
            for name in order:
                samples[scenario.name][name].append(time_per_call(apps[name], scenario, number))
    return samples


def summarise(samples: Samples) -> dict[str, dict[str, dict[str, float]]]:
    return {
        scenario: {
            name: {"median": statistics.median(v), "min": min(v), "max": max(v)}
            for name, v in by_framework.items()
        }
        for scenario, by_framework in samples.items()
    }


def table(summary: dict[str, dict[str, dict[str, float]]]) -> str:
    frameworks = list(next(iter(summary.values())))
    lines = ["Median µs per request (min-max over repetitions)", ""]
    header = f"{'scenario':<11}" + "".join(f"{name:>22}" for name in frameworks)
    lines += [header, "-" * len(header)]
    for scenario, results in summary.items():
        cells = "".join(
            f"{r['median']:>9.2f} ({r['min']:.2f}-{r['max']:.2f})".rjust(22)
            for r in results.values()
        )
        lines.append(f"{scenario:<11}{cells}")
    for base in ("raw-wsgi", "falcon"):
        if base not in frameworks:
            continue
        others = [name for name in frameworks if name != base]
        lines += ["", f"x {base}: each median / {base}'s (below 1: faster than {base})", ""]
        header = f"{'scenario':<11}" + "".join(f"{name:>12}" for name in others)
        lines += [header, "-" * len(header)]
        for scenario, results in summary.items():
            reference = results[base]["median"]
            cells = "".join(f"{results[name]['median'] / reference:>12.2f}" for name in others)
            lines.append(f"{scenario:<11}{cells}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version(), "machine": platform.machine()}
    distributions = {"roob": "roob-web", "webob": "webob", "falcon": "falcon",
                     "bottle": "bottle", "flask": "flask"}  # fmt: skip
    for package, distribution in distributions.items():
        found[package] = version(distribution)
    return found


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="repetitions (default 15)")
    parser.add_argument("--number", type=int, default=2000, help="requests per timing")
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    apps = build_apps(args.frameworks)
    check_apps(apps)
    print(f"All {len(apps)} apps give the right answer to all {len(SCENARIOS)} scenarios.")
    print(f"Timing: {args.repeat} repetitions x {args.number} requests, interleaved.\n")
    summary = summarise(measure(apps, repeat=args.repeat, number=args.number))
    print(table(summary))
    results = {"versions": versions(), "repeat": args.repeat, "number": args.number,
               "extra_routes": EXTRA_ROUTES, "results": summary}  # fmt: skip
    print(f"\n{json.dumps(results['versions'])}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    sys.stdout.flush()
    return results


if __name__ == "__main__":
    main()
