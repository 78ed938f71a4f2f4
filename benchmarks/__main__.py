"""``make bench``: the in-process table, router scaling, typed views, website features
(against Flask), dependencies (against FastAPI and Litestar), typed payloads (against
FastAPI, Litestar, Falcon and Flask) and the charts, in one run.

    python -m benchmarks [--quick]

Writes benchmarks/results/latest.json, docs/images/performance.png and, next to it,
typed-payloads.png.
``--quick`` uses tiny counts (for the smoke test: it checks the machinery,
not the speed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import (
    chart,
    dependencies,
    inprocess,
    router_scaling,
    typed_payloads,
    typed_views,
    web_features,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHART = ROOT / "docs" / "images" / "performance.png"
TYPED_CHART = "typed-payloads.png"  # next to CHART


def main() -> None:
    parser = argparse.ArgumentParser(description="Roob side by side with other frameworks.")
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke test")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--chart", type=Path, default=CHART)
    args = parser.parse_args()
    if args.quick:
        table_args = ["--repeat", "2", "--number", "5"]
        scaling_args = ["--sizes", "10", "100", "--repeat", "2", "--number", "5"]
    else:
        table_args, scaling_args = [], []
    measured = inprocess.main(table_args)
    print()
    scaling = router_scaling.main(scaling_args)
    print()
    typed = typed_views.main(["--repeat", "2", "--number", "5"] if args.quick else [])
    print()
    web = web_features.main(["--repeat", "2", "--number", "5"] if args.quick else [])
    print()
    deps = dependencies.main(["--repeat", "2", "--number", "5"] if args.quick else [])
    print()
    payloads = typed_payloads.main(["--repeat", "2", "--number", "3"] if args.quick else [])
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / "latest.json"
    out.write_text(
        json.dumps(
            {
                "inprocess": measured,
                "router_scaling": scaling,
                "typed_views": typed,
                "web_features": web,
                "dependencies": deps,
                "typed": payloads,  # issue 21: benchmarks/typed_payloads.py
            },
            indent=2,
        )
    )
    print(f"\nResults: {out}")
    print(f"Chart: {chart.draw(measured, scaling, args.chart)}")
    typed_chart = args.chart.with_name(TYPED_CHART)
    print(f"Chart: {chart.draw_typed(payloads, typed_chart)}")


if __name__ == "__main__":
    main()
