"""Soak and fault injection: the inventory under gunicorn, loaded and broken on purpose.

    python -m tests.soak --seconds 120      # make soak; CI runs a shorter one

Phases, each on a fresh database, every server on 127.0.0.1 and stopped by its PID:

load        2 gthread workers on SQLite; wrk (mixed reads and writes) plus Python
            writers that record the id of every 201. Zero socket errors, zero
            statuses but 200/201, worker memory growth under 10 %, and the
            database holds exactly the seed plus every 201.
kill -9     Python writers while one worker at a time is killed with SIGKILL;
            gunicorn starts a replacement and every write that got a 201 is stored.
SIGTERM     slow writes in flight when the master gets SIGTERM: each finishes
            with its 201 and is stored; gunicorn exits 0.
sqlite      another connection holds SQLite's write lock (BEGIN EXCLUSIVE): writes
            are 503 + Retry-After, reads still 200; the lock goes and writes succeed
            again, without a restart.
postgresql  a throwaway PostgreSQL cluster is stopped under load (503 + Retry-After),
            a worker is killed and replaced while it is down, and the cluster is
            started again; the service recovers by itself.

The last line is the summary: requests under load, faults injected, writes
acknowledged and found, and lost writes (which must be 0). Exit status 1 if
any check failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from inventory.database import connect, products
from tests.postgres import ThrowawayPostgres
from tests.servers import ServerProcess, free_port

HERE = pathlib.Path(__file__).resolve().parent
MEMORY_GROWTH_LIMIT = 0.10
WRK_CONNECTIONS = 16


class Soak:
    """The counters of the whole run and the checks that failed."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.failures: list[str] = []

    def check(self, condition: bool, message: str) -> None:
        status = "ok  " if condition else "FAIL"
        print(f"  [{status}] {message}", flush=True)
        if not condition:
            self.failures.append(message)


class Writers:
    """Threads POSTing products over keep-alive connections, recording every 201."""

    def __init__(self, port: int, threads: int, tag: str) -> None:
        self.port = port
        self.tag = tag
        self.created: dict[int, str] = {}
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.unavailable_without_retry_after = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)
        ]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    def _run(self, number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sequence = 0
        while not self._stop.is_set():
            sequence += 1
            name = f"{self.tag} {number}-{sequence}"
            body = json.dumps({"product_name": name, "brand": "Soak"})
            try:
                connection.request(
                    "POST", "/api/products", body, {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                document = json.loads(response.read())
            except (OSError, http.client.HTTPException, ValueError) as exc:
                with self._lock:
                    self.errors[type(exc).__name__] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                time.sleep(0.01)
                continue
            with self._lock:
                self.statuses[response.status] += 1
                if response.status == 201:
                    self.created[document["id"]] = name
                elif response.status == 503:
                    if not response.getheader("Retry-After") or "message" not in document:
                        self.unavailable_without_retry_after += 1
                    time.sleep(0.05)
        connection.close()

    def wait_for(self, status: int, timeout: float) -> float | None:
        """Seconds until a response with ``status`` arrives (None if it never does)."""
        start = time.monotonic()
        seen = self.statuses[status]
        while time.monotonic() - start < timeout:
            if self.statuses[status] > seen:
                return time.monotonic() - start
            time.sleep(0.02)
        return None


def stored(database_url: str) -> dict[int, str]:
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(products.c.id, products.c.product_name)).all()
    finally:
        engine.dispose()
    return {row.id: row.product_name for row in rows}


def check_writes(soak: Soak, writers: Writers, database_url: str, phase: str) -> dict[int, str]:
    """Every write that got a 201 is in the database, with its name."""
    found = stored(database_url)
    missing = [id for id, name in writers.created.items() if found.get(id) != name]
    soak.counts["writes acknowledged (201)"] += len(writers.created)
    soak.counts["writes lost"] += len(missing)
    soak.check(
        not missing,
        f"{phase}: all {len(writers.created)} writes answered 201 are stored"
        + (f" (missing: {missing[:10]})" if missing else ""),
    )
    return found


def gunicorn(
    folder: pathlib.Path, database_url: str, app: str = "inventory.wsgi:app", **env: str
) -> ServerProcess:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
        # the same workers all along, so that memory growth means a leak
        "--max-requests", "0", "--access-logfile", "/dev/null", app,
    ]  # fmt: skip
    return ServerProcess(
        command,
        port=port,
        log=folder / "gunicorn.log",
        env={"DATABASE_URL": database_url, **env},
        ready_path="/api/products/1",
    )


def worker_pids(server: ServerProcess) -> list[int]:
    assert server.process is not None
    master = server.process.pid
    children = pathlib.Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def wait_for_workers(server: ServerProcess, count: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.output[-3000:]}")
        pids = worker_pids(server)
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not get back to {count} workers in {timeout}s")


def rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def run_wrk(port: int, seconds: int, connections: int = WRK_CONNECTIONS) -> subprocess.Popen[str]:
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(HERE / "mixed.lua"), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_summary(process: subprocess.Popen[str]) -> dict[str, Any]:
    output, _ = process.communicate(timeout=600)
    for line in output.splitlines():
        if line.startswith("SOAK "):
            return dict(json.loads(line[5:]))
    raise RuntimeError(f"wrk printed no summary:\n{output}")


# --- phases ------------------------------------------------------------------------


def phase_load(soak: Soak, folder: pathlib.Path, seconds: int) -> None:
    print(f"load: gunicorn 2 gthread workers, SQLite, wrk + 2 Python writers, {seconds}s")
    url = f"sqlite:///{folder}/load.sqlite3"
    with gunicorn(folder, url) as server:
        pids = wait_for_workers(server, 2)
        wrk = run_wrk(server.port, seconds)
        with Writers(server.port, threads=2, tag="load") as writers:
            time.sleep(max(1.0, seconds * 0.25))  # warm-up: caches, pools, the first pages
            before = {pid: rss_kib(pid) for pid in pids}
            summary = wrk_summary(wrk)
            after = {pid: rss_kib(pid) for pid in pids}
        soak.check(worker_pids(server) == pids, "load: the same two workers served it all")
    socket_errors = sum(summary[kind] for kind in ("connect", "read", "write", "timeout"))
    requests = summary["requests"] + writers.sent
    soak.counts["requests under load"] += requests
    print(
        f"  wrk: {summary['requests']} requests ({summary['created']} writes), "
        f"p99 {summary['p99_ms']} ms; Python writers: {writers.sent} requests"
    )
    soak.check(socket_errors == 0, f"load: wrk socket errors: {socket_errors}")
    soak.check(
        summary["unexpected"] == 0 and summary["status"] == 0,
        f"load: wrk statuses other than 200/201: {summary['unexpected']}",
    )
    soak.check(
        not writers.errors and set(writers.statuses) == {201},
        f"load: writers' statuses {dict(writers.statuses)}, errors {dict(writers.errors)}",
    )
    for pid in pids:
        growth = (after[pid] - before[pid]) / before[pid]
        soak.check(
            growth < MEMORY_GROWTH_LIMIT,
            f"load: worker {pid} RSS {before[pid]} -> {after[pid]} KiB ({growth:+.1%})",
        )
    found = check_writes(soak, writers, url, "load")
    # wrk stops at its deadline without reading the answers still on their way: those
    # writes (at most one per connection) are stored but not counted as 201s by wrk.
    extra = len(found) - (4 + summary["created"] + len(writers.created))
    soak.check(
        0 <= extra <= WRK_CONNECTIONS,
        f"load: {len(found)} products stored: the seed, every 201, and {extra} writes "
        "whose answers wrk left unread when it stopped",
    )


def phase_kill(soak: Soak, folder: pathlib.Path, seconds: int, kills: int = 3) -> None:
    print(f"kill -9: {kills} workers killed under 4 Python writers, {seconds}s")
    url = f"sqlite:///{folder}/kill.sqlite3"
    with gunicorn(folder, url) as server:
        wait_for_workers(server, 2)
        with Writers(server.port, threads=4, tag="kill") as writers:
            for _ in range(kills):
                time.sleep(seconds / (kills + 1))
                victim = worker_pids(server)[0]
                os.kill(victim, signal.SIGKILL)
                soak.counts["faults injected"] += 1
                deadline = time.monotonic() + 30
                while victim in worker_pids(server) or len(worker_pids(server)) < 2:
                    if time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not replace the killed worker")
                    time.sleep(0.05)
                replaced = writers.wait_for(201, timeout=30)
                soak.check(
                    replaced is not None,
                    f"kill -9: worker {victim} replaced, writes succeed again",
                )
            time.sleep(seconds / (kills + 1))
        response, _ = server.request("GET", "/api/products/1")
        soak.check(response.status == 200, "kill -9: the service answers afterwards")
    soak.counts["requests under load"] += writers.sent
    failed = sum(writers.errors.values())
    print(
        f"  {writers.sent} writes sent, {len(writers.created)} acknowledged, {failed} cut off "
        f"by the kills ({dict(writers.errors)}), statuses {dict(writers.statuses)}"
    )
    soak.check(set(writers.statuses) <= {201}, "kill -9: no status but 201")
    found = check_writes(soak, writers, url, "kill -9")
    unacknowledged = len(found) - 4 - len(writers.created)
    print(f"  stored without an answer (the worker died after the commit): {unacknowledged}")
    soak.check(0 <= unacknowledged <= failed, "kill -9: nothing stored that was not sent")


def phase_sigterm(soak: Soak, folder: pathlib.Path, in_flight: int = 6) -> None:
    print(f"SIGTERM: {in_flight} slow writes in flight when the master is told to stop")
    url = f"sqlite:///{folder}/sigterm.sqlite3"
    server = gunicorn(folder, url, app="tests.soak.slow_app:app").start()
    results: list[tuple[int, dict[str, Any]] | str] = []
    lock = threading.Lock()

    def slow_write(number: int) -> None:
        body = json.dumps({"product_name": f"slow {number}", "brand": "Soak"})
        try:
            response, raw = server.request(
                "POST", "/slow?seconds=2", body=body.encode(), timeout=30
            )
            result: tuple[int, dict[str, Any]] | str = (response.status, json.loads(raw))
        except (OSError, http.client.HTTPException) as exc:
            result = repr(exc)
        with lock:
            results.append(result)

    try:
        wait_for_workers(server, 2)
        threads = [threading.Thread(target=slow_write, args=(n,)) for n in range(in_flight)]
        for thread in threads:
            thread.start()
        time.sleep(0.8)
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        soak.counts["faults injected"] += 1
        for thread in threads:
            thread.join(timeout=60)
        code = server.process.wait(timeout=60)
    finally:
        server.stop()
    soak.counts["requests under load"] += in_flight
    statuses = [result[0] if isinstance(result, tuple) else result for result in results]
    soak.check(statuses == [201] * in_flight, f"SIGTERM: in-flight writes answered {statuses}")
    soak.check(code == 0, f"SIGTERM: gunicorn exited with {code}")
    found = stored(url)
    names = {result[1]["product_name"] for result in results if isinstance(result, tuple)}
    missing = names - set(found.values())
    soak.counts["writes acknowledged (201)"] += len(names)
    soak.counts["writes lost"] += len(missing)
    soak.check(not missing, f"SIGTERM: all {len(names)} finished writes stored")


def check_outage(
    soak: Soak, writers: Writers, phase: str, reads: Callable[[], int] | None = None
) -> None:
    soak.check(writers.wait_for(503, timeout=30) is not None, f"{phase}: writes answered 503")
    soak.check(
        writers.unavailable_without_retry_after == 0,
        f"{phase}: every 503 has Retry-After and a JSON message",
    )
    if reads is not None:
        soak.check(reads() == 200, f"{phase}: reads still answered 200 meanwhile")


def check_recovery(soak: Soak, writers: Writers, phase: str) -> None:
    took = writers.wait_for(201, timeout=60)
    soak.check(took is not None, f"{phase}: writes succeed again {took or 0:.2f}s later")
    soak.check(500 not in writers.statuses, f"{phase}: statuses {dict(writers.statuses)}")


def phase_sqlite_locked(soak: Soak, folder: pathlib.Path, seconds: float) -> None:
    print(f"sqlite: the write lock held by another connection for {seconds:.0f}s")
    database = folder / "locked.sqlite3"
    url = f"sqlite:///{database}"
    with (
        gunicorn(folder, url, SQLITE_BUSY_TIMEOUT_MS="300") as server,
        Writers(server.port, threads=2, tag="locked") as writers,
    ):
        soak.check(writers.wait_for(201, timeout=10) is not None, "sqlite: writes succeed")
        holder = sqlite3.connect(database, isolation_level=None, timeout=5)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            soak.counts["faults injected"] += 1
            check_outage(
                soak, writers, "sqlite", lambda: server.request("GET", "/api/products/1")[0].status
            )
            time.sleep(seconds)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        check_recovery(soak, writers, "sqlite")
        time.sleep(1)
    soak.counts["requests under load"] += writers.sent
    soak.counts["503 answers while the database was unavailable"] += writers.statuses[503]
    check_writes(soak, writers, url, "sqlite")


def phase_postgres_stopped(soak: Soak, folder: pathlib.Path, seconds: float) -> None:
    print(f"postgresql: the server stopped for {seconds:.0f}s under 2 Python writers")
    with ThrowawayPostgres(database="soak") as database:
        url = database.url
        with (
            gunicorn(folder, url) as server,
            Writers(server.port, threads=2, tag="postgres") as writers,
        ):
            soak.check(writers.wait_for(201, timeout=10) is not None, "postgresql: writes succeed")
            database.stop()
            soak.counts["faults injected"] += 1
            check_outage(soak, writers, "postgresql")
            # A worker that starts while the database is down must boot all the same
            # (gunicorn stops every worker when one fails to boot).
            victim = worker_pids(server)[0]
            os.kill(victim, signal.SIGKILL)
            soak.counts["faults injected"] += 1
            time.sleep(seconds)
            pids = wait_for_workers(server, 2)
            soak.check(
                victim not in pids and server.process.poll() is None,
                "postgresql: a worker killed during the outage is replaced, the master runs",
            )
            database.start()
            check_recovery(soak, writers, "postgresql")
            time.sleep(1)
        soak.counts["requests under load"] += writers.sent
        soak.counts["503 answers while the database was unavailable"] += writers.statuses[503]
        check_writes(soak, writers, url, "postgresql")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=120, help="about how long it all takes")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (.ci/run does)", file=sys.stderr)
        return 2
    seconds = max(args.seconds, 15)
    soak = Soak()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="roob-soak-") as temporary:
        folder = pathlib.Path(temporary)
        phase_load(soak, folder, max(5, int(seconds * 0.5)))
        phase_kill(soak, folder, max(4.0, seconds * 0.2))
        phase_sigterm(soak, folder)
        phase_sqlite_locked(soak, folder, max(1.0, seconds * 0.03))
        phase_postgres_stopped(soak, folder, max(1.0, seconds * 0.03))
    took = time.monotonic() - started
    summary = {**soak.counts, "checks failed": len(soak.failures), "seconds": round(took)}
    print("SOAK SUMMARY " + json.dumps(summary))
    for failure in soak.failures:
        print(f"FAILED: {failure}")
    return 1 if soak.failures or soak.counts["writes lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
