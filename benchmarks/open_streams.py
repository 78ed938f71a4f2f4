"""What an open event stream costs a gunicorn gthread worker.

    python -m benchmarks.open_streams

One worker with T threads serves ``benchmarks.open_streams:app``; S clients
open ``/events`` (an EventStream sending an event every half second) and stay;
printed are the worker's resident memory before and after, and whether a plain
request still gets an answer while the streams are open. Each open stream
holds one thread of the worker until the client leaves.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.e2e import free_port
from roob import Event, EventStream, Request, Roob

ROOT = Path(__file__).resolve().parent.parent
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


def _rss_kib(pid: int) -> int:
    found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    assert found is not None
    return int(found.group(1))


def measure(threads: int, streams: int) -> str:
    port = free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-k", "gthread", "--threads", str(threads), "-w", "1",
         "-b", f"127.0.0.1:{port}", "benchmarks.open_streams:app"],
        cwd=ROOT, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        time.sleep(1)
        worker = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
        before = _rss_kib(worker)
        for _ in range(streams):
            client = socket.create_connection(("127.0.0.1", port))
            client.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            clients.append(client)
        time.sleep(3)
        after = _rss_kib(worker)
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/ping")
            connection.getresponse().read()
            answer = f"answered in {(time.monotonic() - started) * 1000:.1f} ms"
        except TimeoutError:
            answer = "no answer within 5 s (every thread holds a stream)"
        finally:
            connection.close()
        per_stream = (after - before) / streams
        return f"{threads:>7} {streams:>7} {before:>10} {after:>10} {per_stream:>12.0f}   {answer}"
    finally:
        for client in clients:
            client.close()
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    print(__doc__.split("\n\n")[0])
    print(f"{'threads':>7} {'streams':>7} {'RSS before':>10} {'RSS after':>10} "
          f"{'KiB/stream':>12}   a plain request meanwhile")  # fmt: skip
    for threads, streams in ((4, 4), (64, 50)):
        print(measure(threads, streams))


if __name__ == "__main__":
    main()
