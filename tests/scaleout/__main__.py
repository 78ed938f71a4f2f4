"""Several hosts: two gunicorn hosts, nginx and PostgreSQL, each in a network namespace.

    python -m tests.scaleout --seconds 30      # make scaleout (root: it makes namespaces)

The four nodes are network namespaces of this run's own on one bridge,
10.210.0.0/24: the database .10, the hosts .11 and .12, nginx (deploy/nginx.conf)
.20; this process, on the bridge's .1, is the clients. Each host is the
inventory under gunicorn (deploy/gunicorn.conf.py) on the one PostgreSQL.

Phases, under a bounded load of Python writers (POSTs with an Idempotency-Key,
retried with the same key after a 502, a 503 or a lost connection; most without
an id, so that the hosts assign ids at the same moment, one choosing its ids)
and readers:

steady          no 5xx; requests/s through nginx, and against one host alone
host killed     one host killed with kill -9 (master and workers), restarted
database down   PostgreSQL stopped for 5 s: 503 with Retry-After, then recovery
recovered       no 5xx again

Checks: every write acknowledged with a 201 is stored exactly once, with the id
its 201 gave (a chosen one included); a product written through one host is read
through the other; outside the faults every request is answered 2xx, whatever
the phase, the request-rate measures included (outside: its time overlaps no
fault window, from the kill to the host serving again, from the database's stop
to its start); no 500 and no 4xx at all (every request is valid: a fault is a
502 or a 503, never a crash or a 409); 503s with Retry-After while the database
is down. The last line is a JSON summary; the exit status is 1 if a check
failed. Everything is stopped by its PID and the namespaces and the bridge are
removed, whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from typing import Any

from sqlalchemy import func, select

from inventory.database import connect, products
from tests.nginx import Nginx
from tests.postgres import ThrowawayPostgres
from tests.servers import REPO_ROOT

SUBNET = "10.210.0"
ADDRESSES = {"db": f"{SUBNET}.10", "h1": f"{SUBNET}.11", "h2": f"{SUBNET}.12", "lb": f"{SUBNET}.20"}
HOST_PORT = 8000
BALANCER = (ADDRESSES["lb"], 8080)
OUTAGE_SECONDS = 5
REQUEST_TIMEOUT = 10
WRITERS = 12  # POSTs without an id: concurrent id assignment on both hosts (issue 18)
# One more writer chooses its ids, counting down from here: the assigned ids jump past
# the first one, and no later choice meets them, so none of its POSTs may be a 409.
CHOSEN_FROM = 2_000_000_000


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


class Network:
    """The bridge and one namespace per node, removed on exit."""

    def __init__(self) -> None:
        tag = os.getpid() % 10000
        self.bridge = f"rbr{tag}"
        self.namespaces = {node: f"roob{tag}-{node}" for node in ADDRESSES}
        self.links: list[str] = []

    def __enter__(self) -> Network:
        try:
            run("ip", "link", "add", self.bridge, "type", "bridge")
            run("ip", "addr", "add", f"{SUBNET}.1/24", "dev", self.bridge)
            run("ip", "link", "set", self.bridge, "up")
            for node, namespace in self.namespaces.items():
                run("ip", "netns", "add", namespace)
                inside, outside = f"{self.bridge}{node}", f"{self.bridge}{node}b"
                run("ip", "link", "add", inside, "type", "veth", "peer", "name", outside)
                self.links.append(outside)
                run("ip", "link", "set", inside, "netns", namespace)
                run("ip", "link", "set", outside, "master", self.bridge, "up")
                for command in (
                    ["ip", "addr", "add", f"{ADDRESSES[node]}/24", "dev", inside],
                    ["ip", "link", "set", inside, "up"],
                    ["ip", "link", "set", "lo", "up"],
                ):
                    run("ip", "netns", "exec", namespace, *command)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for namespace in self.namespaces.values():
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        for link in self.links:
            subprocess.run(["ip", "link", "del", link], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


class Host:
    """The inventory under gunicorn in a namespace; ``kill9`` kills master and workers."""

    def __init__(self, name: str, namespace: str, database_url: str, folder: pathlib.Path):
        self.name = name
        self.address = ADDRESSES[name]
        self.command = [
            "ip", "netns", "exec", namespace, sys.executable, "-m", "gunicorn",
            "-c", "deploy/gunicorn.conf.py", "--bind", f"{self.address}:{HOST_PORT}",
            "--workers", "2", "--access-logfile", "/dev/null", "inventory.wsgi:app",
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FORWARDED_ALLOW_IPS": ADDRESSES["lb"],
            "GUNICORN_CONTROL_SOCKET": str(folder / f"{name}.ctl"),
        }
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Host:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill9 reaches the workers
            )  # fmt: skip
        wait_until_answering((self.address, HOST_PORT))
        return self

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()


def request(
    address: tuple[str, int], method: str, path: str, body: Any = None, headers: Any = None
) -> tuple[int | str, dict[str, str], Any]:
    """(status or the error's name, headers, JSON body or None)."""
    connection = http.client.HTTPConnection(*address, timeout=REQUEST_TIMEOUT)
    try:
        payload = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=payload, headers=dict(headers or {}))
        response = connection.getresponse()
        raw = response.read()
        document = json.loads(raw) if raw and raw[:1] in b"[{" else None
        return response.status, dict(response.getheaders()), document
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, {}, None
    finally:
        connection.close()


def wait_until_answering(address: tuple[str, int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request(address, "GET", "/api/products/1")[0] == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{address} did not answer within {timeout}s")


class Answers:
    """Every request's (sent, answered, status), and the faults' time windows."""

    def __init__(self) -> None:
        self.answers: list[tuple[float, float, Any]] = []
        self.faults: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()

    def add(self, sent: float, status: Any) -> None:
        with self.lock:
            self.answers.append((sent, time.monotonic(), status))

    def fault(self, what: str, start: float) -> None:
        self.faults.append((what, start, time.monotonic()))

    def outside_faults(self) -> Counter[Any]:
        """The statuses of the requests that overlap no fault window."""
        return Counter(
            status
            for sent, answered, status in self.answers
            if not any(sent <= end and answered >= start for _, start, end in self.faults)
        )

    def all(self) -> Counter[Any]:
        return Counter(status for _, _, status in self.answers)


class Load:
    """Writers and readers through the balancer, with statuses counted per phase."""

    def __init__(self, answers: Answers, writers: int = WRITERS, readers: int = 2) -> None:
        self.answers = answers
        self.phase = "starting"
        self.statuses: dict[str, Counter[Any]] = {}
        self.retry_after_seen = 0
        self.acknowledged: dict[str, int] = {}  # product name -> id, once answered 201
        self.chosen: dict[str, int] = {}  # product name -> the id its writer chose
        self.first_201_after: dict[str, float] = {}
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._write, args=(n == writers,)) for n in range(writers + 1)
        ] + [threading.Thread(target=self._read) for _ in range(readers)]

    def count(self, status: Any, headers: dict[str, str], sent: float) -> None:
        self.answers.add(sent, status)
        with self.lock:
            self.statuses.setdefault(self.phase, Counter())[status] += 1
            if status == 503 and headers.get("Retry-After"):
                self.retry_after_seen += 1

    def _write(self, choosing: bool) -> None:
        next_id = CHOSEN_FROM
        while not self.stopping.is_set():
            name = f"scale-{uuid.uuid4().hex}"
            key = {"Idempotency-Key": name, "Content-Type": "application/json"}
            product: dict[str, Any] = {"product_name": name, "brand": "w"}
            if choosing:
                product["id"] = self.chosen[name] = next_id
                next_id -= 1
            for _attempt in range(100):  # the same key until the write is acknowledged
                sent = time.monotonic()
                status, headers, document = request(BALANCER, "POST", "/api/products", product, key)
                self.count(status, headers, sent)
                if status == 201:
                    with self.lock:
                        self.acknowledged[name] = document["id"]
                        self.first_201_after.setdefault(self.phase, time.monotonic())
                    break
                if self.stopping.is_set():
                    break
                time.sleep(0.2)

    def _read(self) -> None:
        while not self.stopping.is_set():
            sent = time.monotonic()
            status, headers, _ = request(BALANCER, "GET", "/api/products/1")
            self.count(status, headers, sent)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def throughput(
    address: tuple[str, int], seconds: float, answers: Answers, clients: int = 4
) -> float:
    """GETs per second that ``clients`` threads get from ``address``."""
    done = Counter[str]()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            sent = time.monotonic()
            status = request(address, "GET", "/api/products/1")[0]
            answers.add(sent, status)
            done[str(status)] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done["200"] / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="about how long the load runs")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("scaleout: network namespaces need root", file=sys.stderr)
        return 1
    checks: list[tuple[bool, str]] = []
    figures: dict[str, Any] = {}

    def check(passed: bool, what: str) -> None:
        checks.append((passed, what))
        print(f"  [{'ok  ' if passed else 'FAIL'}] {what}", flush=True)

    started = time.monotonic()
    steady = max(4.0, args.seconds * 0.3)
    with tempfile.TemporaryDirectory(prefix="roob-scaleout-") as temporary, ExitStack() as stack:
        folder = pathlib.Path(temporary)
        network = stack.enter_context(Network())
        database = stack.enter_context(
            ThrowawayPostgres("scaleout", host=ADDRESSES["db"], netns=network.namespaces["db"],
                              trusted_network=f"{SUBNET}.0/24")
        )  # fmt: skip
        hosts = [
            Host(name, network.namespaces[name], database.url, folder) for name in ("h1", "h2")
        ]
        for host in hosts:
            host.start()
            stack.callback(host.stop)
        stack.enter_context(
            Nginx(listen=f"{BALANCER[0]}:{BALANCER[1]}", folder=folder / "nginx",
                  upstreams=[f"{host.address}:{HOST_PORT}" for host in hosts],
                  netns=network.namespaces["lb"])
        )  # fmt: skip
        print(f"scaleout: 2 hosts, nginx and PostgreSQL in namespaces on {SUBNET}.0/24")

        answers = Answers()
        one_host = throughput((hosts[0].address, HOST_PORT), 3, answers)
        balanced = throughput(BALANCER, 3, answers)
        figures["GET req/s, one host directly"] = round(one_host)
        figures["GET req/s, through nginx to two hosts"] = round(balanced)

        sent = time.monotonic()
        status, _, written = request(
            (hosts[0].address, HOST_PORT), "POST", "/api/products",
            {"product_name": "across", "brand": "hosts"}, {"Content-Type": "application/json"},
        )  # fmt: skip
        answers.add(sent, status)
        sent = time.monotonic()
        status_read, _, read = request(
            (hosts[1].address, HOST_PORT), "GET", f"/api/products/{written['id']}"
        )
        answers.add(sent, status_read)
        check(status == 201 and status_read == 200 and read == written,
              "a product written through one host is read through the other")  # fmt: skip

        with Load(answers) as load:
            load.phase = "steady"
            time.sleep(steady)
            load.phase = "host killed"
            killed_at = time.monotonic()
            hosts[0].kill9()
            time.sleep(3)
            hosts[0].start()
            answers.fault("host killed", killed_at)
            figures["seconds until the killed host served again"] = round(
                time.monotonic() - killed_at, 2
            )
            time.sleep(2)
            load.phase = "database down"
            stopped_at = time.monotonic()
            database.stop()
            time.sleep(OUTAGE_SECONDS)
            database.start()
            answers.fault("database down", stopped_at)
            back = time.monotonic()
            load.phase = "recovered"
            time.sleep(max(3.0, args.seconds * 0.2))
        if "recovered" in load.first_201_after:
            figures["seconds from the database's return to a write"] = round(
                load.first_201_after["recovered"] - back, 2
            )
        figures["statuses per phase"] = {
            phase: {str(k): v for k, v in counter.items()}
            for phase, counter in load.statuses.items()
        }

        for phase in ("steady", "recovered"):
            errors = {
                k: v
                for k, v in load.statuses.get(phase, Counter()).items()
                if k != 200 and k != 201
            }
            check(not errors, f"{phase}: no error answers ({dict(load.statuses.get(phase, {}))})")
        outside = answers.outside_faults()
        figures["answers outside the faults"] = {str(k): v for k, v in outside.items()}
        failed_outside = {k: v for k, v in outside.items() if k not in (200, 201)}
        check(
            not failed_outside,
            f"outside the faults: every request answered 2xx ({sum(outside.values())} requests, "
            f"failed: {failed_outside})",
        )
        wrong_answers = {
            k: v for k, v in answers.all().items() if isinstance(k, int) and 400 <= k <= 500
        }
        check(not wrong_answers, f"no 4xx and no 500 at all, faults included ({wrong_answers})")
        outage = load.statuses.get("database down", Counter())
        check(outage[503] > 0 and load.retry_after_seen > 0,
              f"database down: 503 with Retry-After ({dict(outage)})")  # fmt: skip
        check(bool(load.first_201_after.get("recovered")), "recovered: writes succeed again")

        engine = connect(database.url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(products.c.product_name, func.count(), func.min(products.c.id))
                .where(products.c.product_name.like("scale-%"))
                .group_by(products.c.product_name)
            ).all()
        engine.dispose()
        stored = {name: (count, first_id) for name, count, first_id in rows}
        lost = [name for name in load.acknowledged if name not in stored]
        doubled = [name for name, (count, _) in stored.items() if count > 1]
        wrong = [n for n, i in load.acknowledged.items() if n in stored and stored[n][1] != i]
        not_chosen = [n for n, i in load.chosen.items() if n in stored and stored[n][1] != i]
        figures["writes acknowledged"] = len(load.acknowledged)
        check(
            not lost,
            f"every acknowledged write is stored ({len(load.acknowledged)}, lost {len(lost)})",
        )
        check(not doubled, f"no write is stored twice (doubled: {len(doubled)})")
        check(not wrong, "each stored write has the id its 201 gave")
        check(
            not not_chosen and bool(set(load.chosen) & set(load.acknowledged)),
            f"client-chosen ids kept ({len(set(load.chosen) & set(load.acknowledged))} written)",
        )
    figures["seconds"] = round(time.monotonic() - started)
    failed = [what for passed, what in checks if not passed]
    print("SCALEOUT SUMMARY " + json.dumps({**figures, "checks failed": len(failed)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
