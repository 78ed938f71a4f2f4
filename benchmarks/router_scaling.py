"""Router scaling: the cost of one request as the number of routes grows.

    python -m benchmarks.router_scaling [--sizes 10 100 1000 10000] [--repeat 9]

Each app has N routes, half static (``/static{i}/page``) and half dynamic
(``/dyn{i}/{id:int}/detail``); the requests go to the static and the dynamic
route registered last, so a router that scans would pay for every route.
Two figures per path: a whole request through the app, and the router's
lookup alone (what the app does to find the view: for Roob the static dict
then ``RouteTable.resolve``, for Falcon ``CompiledRouter.find``). The
frameworks are timed in turn within each repetition.
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import falcon
from falcon.routing import CompiledRouter

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Scenario, WSGIApp, check
from roob import Roob

SIZES = (10, 100, 1_000, 10_000)


Lookup = Callable[[str], Any]  # path -> what the router found, None for nothing


def roob_app(size: int) -> tuple[Roob, Lookup]:
    app = Roob(static_dir=None)
    for number in range(size // 2):
        app.add_route(f"/static{number}/page", _static_view, name=f"s{number}")
        app.add_route(f"/dyn{number}/{{id:int}}/detail", _dynamic_view, name=f"d{number}")
    static, resolve = app.route_table.static, app.route_table.resolve

    def lookup(path: str) -> Any:  # the steps of Roob._dispatch
        endpoints = static.get(path)
        if endpoints is not None:
            return endpoints.get("GET")
        return resolve(path, "GET")

    return app, lookup


def _static_view(request: Any) -> dict[str, str]:
    return {"page": "static"}


def _dynamic_view(request: Any, id: int) -> dict[str, int]:
    return {"id": id}


class _Static:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"page": "static"}


class _Dynamic:
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        resp.media = {"id": id}


def falcon_app(size: int) -> tuple[falcon.App[falcon.Request, falcon.Response], Lookup]:
    router = CompiledRouter()
    app = falcon.App(router=router)
    static, dynamic = _Static(), _Dynamic()
    for number in range(size // 2):
        app.add_route(f"/static{number}/page", static)
        app.add_route(f"/dyn{number}/{{id:int}}/detail", dynamic)
    return app, router.find


BUILDERS: dict[str, Callable[[int], tuple[WSGIApp, Lookup]]] = {
    "roob": roob_app,
    "falcon": falcon_app,
}


def scenarios(size: int) -> tuple[Scenario, Scenario]:
    last = size // 2 - 1
    return (
        Scenario("static", "GET", f"/static{last}/page", 200, {"page": "static"}),
        Scenario("dynamic", "GET", f"/dyn{last}/7/detail", 200, {"id": 7}),
    )


def time_lookup(lookup: Lookup, path: str, number: int) -> float:
    """Microseconds per lookup of ``path``, over ``number`` lookups."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        begin = time.perf_counter_ns()
        for text in repeat(path, number):
            lookup(text)
        elapsed = time.perf_counter_ns() - begin
    finally:
        if gc_was_enabled:
            gc.enable()
    return elapsed / number / 1000


def measure(sizes: Sequence[int], repeat: int, number: int) -> dict[str, Any]:
    """``{framework: {"static"|"dynamic"[+" lookup"]: {size: median µs}}}``."""
    results: dict[str, Any] = {}
    for size in sizes:
        built = {name: build(size) for name, build in BUILDERS.items()}
        timings: dict[tuple[str, str], Callable[[], float]] = {}
        for name, (app, lookup) in built.items():
            for scenario in scenarios(size):
                check(name, app, scenario)
                time_per_call(app, scenario, 50)  # warm-up (Falcon compiles its router here)
                if lookup(scenario.path) is None:
                    raise AssertionError(f"{name}'s router does not find {scenario.path}")
                timings[name, scenario.name] = functools.partial(
                    time_per_call, app, scenario, number
                )
                timings[name, f"{scenario.name} lookup"] = functools.partial(
                    time_lookup, lookup, scenario.path, number
                )
        samples: dict[tuple[str, str], list[float]] = {key: [] for key in timings}
        for _ in range(repeat):
            for key, timing in timings.items():
                samples[key].append(timing())
        for (name, kind), values in samples.items():
            results.setdefault(name, {}).setdefault(kind, {})[str(size)] = statistics.median(values)
    return results


def table(results: dict[str, Any], sizes: Sequence[int]) -> str:
    lines = [
        "Router scaling: median µs per request, or per lookup (x the figure at "
        f"{sizes[0]:,} routes)",
        "",
    ]
    header = f"{'framework, path':<22}" + "".join(f"{size:>16,}" for size in sizes)
    lines += [header, "-" * len(header)]
    for name, by_kind in results.items():
        for kind, by_size in by_kind.items():
            base = by_size[str(sizes[0])]
            cells = "".join(
                f"{by_size[str(size)]:>8.2f} (x{by_size[str(size)] / base:.2f})" for size in sizes
            )
            lines.append(f"{name + ' ' + kind:<22}{cells}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args(argv)
    results = measure(args.sizes, args.repeat, args.number)
    print(table(results, args.sizes))
    return {"sizes": args.sizes, "results": results}


if __name__ == "__main__":
    main()
