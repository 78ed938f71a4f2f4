"""Typed views next to untyped ones: what annotations cost per request.

python -m benchmarks.typed_views [--repeat 9] [--number 2000]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from benchmarks.inprocess import time_per_call
from benchmarks.scenarios import Scenario, check
from roob import Request, Roob


class Item(BaseModel):
    name: str
    price: float


def create_app() -> Roob:
    app = Roob(static_dir=None)

    @app.get("/untyped/{id:int}")
    def untyped_query(request: Request, id: int) -> dict[str, int]:
        return {"id": id, "limit": int(request.GET.get("limit", 20))}

    @app.get("/typed/{id:int}")
    def typed_query(request: Request, id: int, limit: int = 20) -> dict[str, int]:
        return {"id": id, "limit": limit}

    @app.post("/untyped")
    def untyped_body(request: Request) -> dict[str, Any]:
        data = request.json
        return {"name": str(data["name"]), "price": float(data["price"])}

    @app.post("/typed")
    def typed_body(request: Request, item: Item) -> Item:
        return item

    return app


BODY = b'{"name": "pen", "price": 1.5}'
PAIRS = (
    (
        Scenario(
            "query, untyped", "GET", "/untyped/7", 200, {"id": 7, "limit": 5}, query="limit=5"
        ),
        Scenario("query, typed", "GET", "/typed/7", 200, {"id": 7, "limit": 5}, query="limit=5"),
    ),
    (
        Scenario("body, untyped", "POST", "/untyped", 200, {"name": "pen", "price": 1.5}, BODY),
        Scenario("body, typed", "POST", "/typed", 200, {"name": "pen", "price": 1.5}, BODY),
    ),
)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args(argv)
    app = create_app()
    results: dict[str, float] = {}
    print("Typed views: median µs per request")
    for pair in PAIRS:
        for scenario in pair:
            check("roob", app, scenario)
        samples: dict[str, list[float]] = {scenario.name: [] for scenario in pair}
        for _ in range(args.repeat):
            for scenario in pair:
                samples[scenario.name].append(time_per_call(app, scenario, args.number))
        for name, values in samples.items():
            results[name] = statistics.median(values)
            print(f"  {name:<16} {results[name]:6.2f}")
    return results


if __name__ == "__main__":
    main()
