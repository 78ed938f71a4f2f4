"""What an open event stream costs each WSGI server.

    python -m benchmarks.open_streams [SERVER ...]

Each server of the test matrix (tests/servers.py: gunicorn sync, gunicorn gthread,
waitress, granian ``--interface wsgi``, uWSGI) serves ``benchmarks.open_streams:app``
in one worker process, with 4 threads and then with 64 (gunicorn's sync worker has no
threads: one run). Clients open ``/events`` (an EventStream sending an event every half
second) and stay: 0, then 10, then 50 of them. At each step are printed the worker's
threads, its resident memory (RSS) and the proportional memory (PSS: a page shared by
forked processes counted once) of all the server's processes, how many of the
streams have started (their first line arrived), and how long a plain ``GET /ping``
took meanwhile (or that it got no answer within 5 s).
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.e2e import free_port
from roob import Event, EventStream, Request, Roob
from tests.servers import SERVERS, server_command

ROOT = Path(__file__).resolve().parent.parent
STEPS = (0, 10, 50)
PATIENCE = 5.0  # seconds a plain request may wait
app = Roob(static_dir=None)


@app.get("/events")
def events(request: Request) -> EventStream:
    def ticks() -> Iterator[Event]:
        for number in range(1000):
            yield Event({"n": number})
            time.sleep(0.5)

    return EventStream(ticks())


@app.get("/ping")
def ping(request: Request) -> str:
    return "pong"


@app.get("/pid")
def pid(request: Request) -> dict[str, int]:
    return {"pid": os.getpid()}


def _status(pid: int, field: str, file: str = "status") -> int:
    """``field`` of /proc/``pid``/``file`` (memory in KiB), 0 for a process gone."""
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+)", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _ping(port: int) -> str:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        connection.request("GET", "/ping")
        connection.getresponse().read()
    except TimeoutError:
        return f"no answer in {PATIENCE:.0f} s"
    finally:
        connection.close()
    return f"{(time.monotonic() - started) * 1000:.1f} ms"


def _wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/pid")
            answer = connection.getresponse().read()
            connection.close()
            return int(re.findall(rb"\d+", answer)[0])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def measure(name: str, threads: int) -> list[str]:
    """One line a step: ``name`` with ``threads`` threads, 0, 10 and 50 streams open."""
    port = free_port()
    server = subprocess.Popen(
        server_command(name, "benchmarks.open_streams:app", port, threads=threads),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    clients: list[socket.socket] = []
    started: set[int] = set()
    lines = []
    try:
        worker = _wait_until_serving(port, server)
        time.sleep(1)  # the imports of the first request settle
        for streams in STEPS:
            while len(clients) < streams:
                client = socket.create_connection(("127.0.0.1", port))
                client.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                client.setblocking(False)
                clients.append(client)
            time.sleep(3)
            for number, client in enumerate(clients):
                try:
                    while client.recv(65536):  # read what came, as a browser would
                        started.add(number)
                except BlockingIOError:
                    pass
            latency = _ping(port)
            rss = _status(worker, "VmRSS") / 1024
            # PSS: each page shared by forked processes counted once in all.
            total = sum(_status(p, "Pss", "smaps_rollup") for p in _tree(server.pid)) / 1024
            lines.append(
                f"{name:<17}{threads if name != 'gunicorn-sync' else '-':>7}{streams:>8}"
                f"{len(started):>9}{_status(worker, 'Threads'):>9}{rss:>11.1f}{total:>11.1f}"
                f"   {latency}"
            )
            print(lines[-1], flush=True)
    finally:
        for client in clients:
            client.close()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return lines


def main(names: list[str]) -> None:
    print(__doc__.split("\n\n")[0])
    print(
        f"{'server':<17}{'threads':>7}{'streams':>8}{'started':>9}{'worker':>9}"
        f"{'worker':>11}{'all':>11}   a plain request meanwhile"
    )
    print(f"{'':<17}{'':>7}{'open':>8}{'':>9}{'threads':>9}{'RSS MiB':>11}{'PSS MiB':>11}")
    for name in names:
        for threads in (4, 64) if name != "gunicorn-sync" else (1,):
            measure(name, threads)


if __name__ == "__main__":
    main(sys.argv[1:] or list(SERVERS))
