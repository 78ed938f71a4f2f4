"""Router scaling: the cost of one request as the number of routes grows.

    python -m benchmarks.router_scaling [--sizes 10 100 1000 10000] [--repeat 9]

Each app has N routes, half static (``/static{i}/page``) and half dynamic
(``/dyn{i}/{id:int}/detail``); the requests go to the static and the dynamic
route registered last, so a router that scans would pay for every route.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import falcon

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Scenario, WSGIApp, check
from roob import Roob

SIZES = (10, 100, 1_000, 10_000)


def roob_app(size: int) -> Roob:
    app = Roob(static_dir=None)
    for number in range(size // 2):
        app.add_route(f"/static{number}/page", _static_view, name=f"s{number}")
        app.add_route(f"/dyn{number}/{{id:int}}/detail", _dynamic_view, name=f"d{number}")
    return app


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


def falcon_app(size: int) -> falcon.App[falcon.Request, falcon.Response]:
    app = falcon.App()
    static, dynamic = _Static(), _Dynamic()
    for number in range(size // 2):
        app.add_route(f"/static{number}/page", static)
        app.add_route(f"/dyn{number}/{{id:int}}/detail", dynamic)
    return app


BUILDERS: dict[str, Callable[[int], WSGIApp]] = {"roob": roob_app, "falcon": falcon_app}


def scenarios(size: int) -> tuple[Scenario, Scenario]:
    last = size // 2 - 1
    return (
        Scenario("static", "GET", f"/static{last}/page", 200, {"page": "static"}),
        Scenario("dynamic", "GET", f"/dyn{last}/7/detail", 200, {"id": 7}),
    )


def measure(sizes: Sequence[int], repeat: int, number: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in sizes:
        apps: dict[str, WSGIApp] = {name: build(size) for name, build in BUILDERS.items()}
        for name, app in apps.items():
            for scenario in scenarios(size):
                check(name, app, scenario)
                time_per_call(app, scenario, 50)  # warm-up (Falcon compiles its router here)
        for name, app in apps.items():
            for scenario in scenarios(size):
                samples = [time_per_call(app, scenario, number) for _ in range(repeat)]
                results.setdefault(name, {}).setdefault(scenario.name, {})[str(size)] = (
                    statistics.median(samples)
                )
    return results


def table(results: dict[str, Any], sizes: Sequence[int]) -> str:
    lines = ["Router scaling: median µs per request (x the 10-route figure)", ""]
    header = f"{'framework':<18}" + "".join(f"{size:>16,}" for size in sizes)
    lines += [header, "-" * len(header)]
    for name, by_kind in results.items():
        for kind, by_size in by_kind.items():
            base = by_size[str(sizes[0])]
            cells = "".join(
                f"{by_size[str(size)]:>8.2f} (x{by_size[str(size)] / base:.2f})" for size in sizes
            )
            lines.append(f"{name + ' ' + kind:<18}{cells}")
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
