"""``make bench-tfb``: TechEmpower's test types, each app under each server, loaded by wrk.

    python -m benchmarks.tfb [--seconds 5] [--rounds 3] [--connections 32]
        [--servers gunicorn granian] [--frameworks roob falcon flask raw-wsgi]
        [--types json plaintext db queries fortunes updates]

1. A throwaway PostgreSQL on 127.0.0.1 with TechEmpower's database
   (benchmarks/tfb/database.py).
2. Every framework under every server is started and verified
   (benchmarks/tfb/verify.py): one wrong answer and the run stops, exit 1,
   before anything is timed.
3. Rounds: in each, each server serves each framework in a new shuffled order
   (so a busy moment of the machine falls on all alike); wrk loads every test
   type for ``--seconds`` after a 1 s warm-up, ``/queries`` and ``/updates``
   at 1, 5 and 20 rows. Medians over the rounds are reported, with the ratios
   to Falcon and to raw WSGI.
4. benchmarks/results/tfb.json and docs/images/tfb.png.

The servers: gunicorn with benchmarks/gunicorn_settings.py (2 gthread
workers of 4 threads), the same settings for every app, and granian's WSGI
interface with as many workers and threads. Each worker's pool holds as many
connections as it has threads. Every process started is stopped by its PID.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import chart, e2e, gunicorn_settings
from benchmarks.tfb import FRAMEWORKS, TEST_TYPES
from benchmarks.tfb.database import TFBDatabase
from benchmarks.tfb.verify import DatabaseProbe, VerificationFailed, http_fetcher, verify
from tests.servers import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "tfb.json"
CHART = ROOT / "docs" / "images" / "tfb.png"
BIN = Path(sys.executable).parent
SERVERS = ("gunicorn", "granian")
QUERY_COUNTS = (1, 5, 20)
WARM_UP_SECONDS = 1
WORKERS = gunicorn_settings.workers
THREADS = gunicorn_settings.threads


def loads(types: Sequence[str]) -> dict[str, str]:
    """label -> path of every load of ``types`` (``queries-20`` is ``/queries?queries=20``)."""
    found = {}
    for kind in types:
        if kind in ("queries", "updates"):
            for count in QUERY_COUNTS:
                found[f"{kind}-{count}"] = f"{TEST_TYPES[kind]}?queries={count}"
        else:
            found[kind] = TEST_TYPES[kind]
    return found


def server_command(server: str, framework: str, port: int, connections: int) -> list[str]:
    target = f"benchmarks.tfb.{FRAMEWORKS[framework]}:app"
    if server == "gunicorn":
        return e2e.gunicorn(target, port, connections)
    return [
        str(BIN / "granian"), "--interface", "wsgi", "--workers", str(WORKERS),
        "--blocking-threads", str(THREADS), "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", target,
    ]  # fmt: skip


@contextmanager
def serving(
    server: str, framework: str, database: TFBDatabase, connections: int, logs: Path
) -> Iterator[ServerProcess]:
    """``framework``'s app under ``server`` on 127.0.0.1, stopped by its PID on exit."""
    port = free_port()
    env = {"TFB_DATABASE_URL": database.app_url, "TFB_POOL_SIZE": str(THREADS)}
    process = ServerProcess(
        server_command(server, framework, port, connections),
        port=port,
        log=logs / f"{server}-{framework}.log",
        env=env,
        ready_path="/plaintext",
    )
    try:
        yield process.start()
    finally:
        process.stop()


def verify_all(
    servers: Sequence[str],
    frameworks: Sequence[str],
    database: TFBDatabase,
    connections: int,
    logs: Path,
) -> None:
    """Every framework under every server answers rightly, or VerificationFailed for all."""
    probe = DatabaseProbe(database.admin_url)
    failures = []
    for server in servers:
        for framework in frameworks:
            with serving(server, framework, database, connections, logs) as process:
                problems = verify(http_fetcher("127.0.0.1", process.port), probe, served=True)
            label = f"{framework} under {server}"
            print(f"verified {label}: {'right' if not problems else 'WRONG'}", flush=True)
            if problems:
                failures.append(VerificationFailed(label, problems))
    if failures:
        raise VerificationFailed(
            ", ".join(failure.name for failure in failures),
            [f"{failure.name}: {problem}" for failure in failures for problem in failure.problems],
        )


def load_round(
    servers: Sequence[str],
    frameworks: Sequence[str],
    paths: dict[str, str],
    database: TFBDatabase,
    args: argparse.Namespace,
    logs: Path,
    shuffler: random.Random,
) -> dict[tuple[str, str, str], dict[str, float]]:
    """(server, label, framework) -> wrk's figures, for one round."""
    measured = {}
    for server in servers:
        order = list(frameworks)
        shuffler.shuffle(order)
        for framework in order:
            with serving(server, framework, database, args.connections, logs) as process:
                fetch = http_fetcher("127.0.0.1", process.port)
                for path in paths.values():
                    if (status := fetch(path).status) != 200:
                        raise RuntimeError(f"{framework} under {server}: {path} answered {status}")
                for label, path in paths.items():
                    url = f"http://127.0.0.1:{process.port}{path}"
                    e2e.wrk(url, WARM_UP_SECONDS, args.connections)
                    measured[server, label, framework] = e2e.wrk(
                        url, args.seconds, args.connections
                    )
    return measured


def summarise(
    samples: dict[tuple[str, str, str], list[dict[str, float]]],
) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """server -> label -> framework -> median, min, max requests/s, errors, non-2xx."""
    summary: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for (server, label, framework), runs in samples.items():
        rates = [run["requests_per_second"] for run in runs]
        summary.setdefault(server, {}).setdefault(label, {})[framework] = {
            "median": statistics.median(rates),
            "min": min(rates),
            "max": max(rates),
            "samples": rates,
            "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            "socket_errors": sum(run["socket_errors"] for run in runs),
            "non_2xx": sum(run["non_2xx"] for run in runs),
        }
    return summary


def table(
    summary: dict[str, dict[str, dict[str, dict[str, Any]]]], frameworks: Sequence[str]
) -> str:
    """Requests/s per test type and framework, then each one's ratio to Falcon and raw WSGI."""
    lines = []
    width, cell = 11, 22
    for server, by_label in summary.items():
        lines.append(f"\n{server}: median requests/s (min-max over rounds)\n")
        lines.append(f"{'test type':<12}" + "".join(f"{name:>{cell}}" for name in frameworks))
        for label, by_framework in by_label.items():
            cells = []
            for name in frameworks:
                row = by_framework[name]
                cells.append(f"{row['median']:.0f} ({row['min']:.0f}-{row['max']:.0f})")
            lines.append(f"{label:<12}" + "".join(f"{text:>{cell}}" for text in cells))
        for base in ("falcon", "raw-wsgi"):
            if base not in frameworks:
                continue
            others = [name for name in frameworks if name != base]
            lines.append(f"\n{server}: x {base} (each median / {base}'s; above 1: faster)\n")
            lines.append(f"{'test type':<12}" + "".join(f"{name:>{width}}" for name in others))
            for label, by_framework in by_label.items():
                reference = by_framework[base]["median"]
                lines.append(
                    f"{label:<12}"
                    + "".join(
                        f"{by_framework[name]['median'] / reference:>{width}.2f}" for name in others
                    )
                )
        errors = [
            f"{label} {name}: {row['socket_errors']:.0f} socket errors, "
            f"{row['non_2xx']:.0f} non-2xx"
            for label, by_framework in by_label.items()
            for name, row in by_framework.items()
            if row["socket_errors"] or row["non_2xx"]
        ]
        if errors:
            lines.append(f"\n{server}: errors under load\n  " + "\n  ".join(errors))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds of load per test type")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, interleaved; medians")
    parser.add_argument("--connections", type=int, default=32, help="wrk's connections")
    parser.add_argument("--servers", nargs="+", default=list(SERVERS), choices=SERVERS)
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    parser.add_argument("--types", nargs="+", default=list(TEST_TYPES), choices=TEST_TYPES)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--chart", type=Path, default=CHART)
    parser.add_argument(
        "--verify-only", action="store_true", help="check every app's answers, load nothing"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.verify_only:
        raise SystemExit("benchmarks.tfb needs wrk: apt-get install wrk")
    paths = loads(args.types)
    samples: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="roob-tfb-") as tmp, TFBDatabase() as database:
        logs = Path(tmp)
        try:
            verify_all(args.servers, args.frameworks, database, args.connections, logs)
        except VerificationFailed as failure:
            print(f"\n{failure}", file=sys.stderr)
            raise SystemExit(1) from None
        print(f"All {len(args.frameworks)} apps answer every test type rightly under "
              f"{' and '.join(args.servers)}.", flush=True)  # fmt: skip
        if args.verify_only:
            return {}
        shuffler = random.Random(2026)
        for number in range(1, args.rounds + 1):
            measured = load_round(
                args.servers, args.frameworks, paths, database, args, logs, shuffler
            )
            for key, figures in measured.items():
                samples.setdefault(key, []).append(figures)
            print(f"round {number} of {args.rounds} done", flush=True)
    summary = summarise(samples)
    print(table(summary, args.frameworks))
    results = {
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "workers": WORKERS,
            "threads": THREADS,
            "loads": paths,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "elapsed_seconds": round(time.monotonic() - started),
        },
        "results": summary,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2))
    print(f"\nResults: {args.results}")
    print(f"Chart: {chart.draw_tfb(summary, args.frameworks, args.chart)}")
    return results


if __name__ == "__main__":
    main()
