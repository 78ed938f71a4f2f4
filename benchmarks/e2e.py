"""End to end: each framework under gunicorn, loaded by wrk, on 127.0.0.1.

    python -m benchmarks.e2e [--duration 10] [--connections 32]

For each framework: gunicorn with 2 gthread workers (4 threads, keep-alive;
benchmarks/gunicorn_settings.py) serves the benchmark app; wrk (Debian's
package) loads ``/json`` for a bounded time after a 2 s warm-up; reported are
requests per second, p99 latency and the workers' resident memory after the
load. The inventory's ``GET /api/products/1`` is loaded the same way (same
settings), and Roob's ``/json`` also under granian (a Rust HTTP server with a
WSGI interface). Last, the time ``import
roob`` and ``import falcon`` take in a fresh interpreter.
Every server is stopped by its PID when its run ends.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import gunicorn_settings
from benchmarks.apps import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WARM_UP_SECONDS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What each loaded path must answer (these keys with these values) before it is loaded.
EXPECTED: dict[str, dict[str, Any]] = {
    "/json": {"message": "Hello, World!"},
    "/api/products/1": {"id": 1, "product_name": "S25 Ultra"},
}


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> bytes:
    """The body of the first answer to ``url`` (a 200), once the server is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body: bytes = response.read()
                return body
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": rate,
        "p99_ms": float(p99[1]) * scale[p99[2]] if p99 else float("nan"),
        "socket_errors": 0 if errors is None else sum(map(int, re.findall(r"\d+", errors[1]))),
        "non_2xx": 0 if non_2xx is None else int(non_2xx[1]),
    }


def serve_and_load(
    command: list[str], path: str, port: int, duration: int, connections: int, env: dict[str, str]
) -> dict[str, float]:
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}{path}"
    try:
        answer = json.loads(wait_until_up(url, process))
        expected = EXPECTED[path]
        if {key: answer.get(key) for key in expected} != expected:
            raise RuntimeError(f"{command[-1]} answered {path} with {answer!r}, not {expected!r}")
        wrk(url, WARM_UP_SECONDS, connections)
        result = wrk(url, duration, connections)
        workers = children(process.pid)
        result["worker_rss_mb"] = max((rss_mb(pid) for pid in workers), default=rss_mb(process.pid))
        return result
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn(target: str, port: int, connections: int) -> list[str]:
    """gunicorn serving ``target`` with the settings of benchmarks/gunicorn_settings.py.

    Each worker takes at most its share of wrk's connections: otherwise the
    worker that wins the race to accept them may keep all of the kept-alive
    connections while the other idles, a third of the throughput in one run
    and not the next.
    """
    settings = ROOT / "benchmarks" / "gunicorn_settings.py"
    share = -(-connections // gunicorn_settings.workers)
    return [
        str(BIN / "gunicorn"), "-c", str(settings), "--bind", f"127.0.0.1:{port}",
        "--worker-connections", str(share), target,
    ]  # fmt: skip


def import_time_ms(module: str, runs: int = 15) -> float:
    """Median cumulative time of ``import module`` in a fresh interpreter (-X importtime).

    Both sides are measured alike: without ``site`` (so an editable install's
    import hook costs nothing), with the same ``sys.path``, from bytecode
    (written by a first, unmeasured import).
    """
    import sysconfig

    paths = [str(ROOT), sysconfig.get_paths()["purelib"]]
    code = f"import sys; sys.path[:0] = {paths!r}; import {module}"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

    def once() -> float:
        report = subprocess.run(
            [sys.executable, "-S", "-X", "importtime", "-c", code],
            capture_output=True, text=True, check=True, env=env,
        ).stderr  # fmt: skip
        last = report.strip().splitlines()[-1]  # the module itself, everything it imported
        return int(last.split("|")[1]) / 1000

    once()  # writes the bytecode
    return statistics.median(once() for _ in range(runs))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each, interleaved; medians reported"
    )
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), choices=FRAMEWORKS)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("benchmarks.e2e needs wrk: apt-get install wrk")

    results: dict[str, Any] = {}
    runs = [
        (
            f"{name} /json",
            gunicorn(f"benchmarks.apps.{FRAMEWORKS[name]}:create_app()", 0, args.connections),
            "/json",
        )
        for name in args.frameworks
    ]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/inventory.sqlite3"}
        inventory = gunicorn("inventory.wsgi:app", 0, args.connections)
        runs.append(("inventory GET /api/products/1", inventory, "/api/products/1"))
        granian = [
            str(BIN / "granian"), "--interface", "wsgi", "--workers", "2",
            "--host", "127.0.0.1", "--port", "0", "--log-level", "warning",
            "--factory", "benchmarks.apps.roob_idiomatic:create_app",
        ]  # fmt: skip
        runs.append(("roob /json (granian)", granian, "/json"))
        samples: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in runs}
        shuffler = random.Random(2026)
        for round_number in range(1, args.rounds + 1):
            shuffler.shuffle(runs)
            for label, command, path in runs:
                port = free_port()
                command = [part.replace("127.0.0.1:0", f"127.0.0.1:{port}") for part in command]
                if "--port" in command:
                    command[command.index("--port") + 1] = str(port)
                samples[label].append(
                    serve_and_load(command, path, port, args.duration, args.connections, env)
                )
            print(f"round {round_number} of {args.rounds} done", flush=True)
    print()
    for label in sorted(
        samples, key=lambda label: (label.startswith(("inventory", "roob /json (")), label)
    ):
        row = {key: statistics.median(s[key] for s in samples[label]) for key in samples[label][0]}
        row["requests_per_second_min"] = min(s["requests_per_second"] for s in samples[label])
        row["requests_per_second_max"] = max(s["requests_per_second"] for s in samples[label])
        results[label] = row
        print(
            f"{label:<32} {row['requests_per_second']:>8.0f} req/s "
            f"({row['requests_per_second_min']:.0f}-{row['requests_per_second_max']:.0f})   "
            f"p99 {row['p99_ms']:>6.2f} ms   worker RSS {row['worker_rss_mb']:>5.1f} MB   "
            f"socket errors {sum(s['socket_errors'] for s in samples[label]):.0f}   "
            f"non-2xx {sum(s['non_2xx'] for s in samples[label]):.0f}",
            flush=True,
        )
    results["import_ms"] = {module: import_time_ms(module) for module in ("roob", "falcon")}
    print(
        f"import roob {results['import_ms']['roob']:.1f} ms, "
        f"import falcon {results['import_ms']['falcon']:.1f} ms"
    )
    out = ROOT / "benchmarks" / "results" / "e2e.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
