"""Real servers for tests: start one on 127.0.0.1, talk HTTP to it, stop it by its PID.

with ServerProcess([...gunicorn command...], port=port, log=path) as server:
    response, body = server.request("GET", "/")
"""

from __future__ import annotations

import http.client
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 (gunicorn cannot bind port 0 and report it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time; the message holds its log."""


class ServerProcess:
    """A server started as a child process, listening on ``127.0.0.1:port``."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int,
        log: pathlib.Path,
        env: Mapping[str, str] | None = None,
        ready_path: str = "/",
        cwd: pathlib.Path = REPO_ROOT,
    ) -> None:
        self.command = list(command)
        self.cwd = cwd
        self.port = port
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.ready_path = ready_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"server exited with {self.process.returncode}:\n{self.output}")
            try:
                self.request("GET", self.ready_path)
            except OSError:
                time.sleep(0.05)
            else:
                return self
        self.stop()
        raise ServerFailed(f"server did not answer within {STARTUP_TIMEOUT}s:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Send ``sig`` to the server, wait for it to exit (kill it past ``timeout``)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def raw_request(self, request: bytes, timeout: float = 10.0) -> tuple[int, bytes, bytes]:
        """Send ``request`` as it is (HTTP/1.0 style: the server closes after answering).

        Returns the status, the raw head and the body, for requests http.client
        would refuse to send or would tidy up.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(request)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), head, body

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def inventory_server(folder: pathlib.Path, port: int, env: Mapping[str, str]) -> ServerProcess:
    """The inventory under gunicorn with its production settings (deploy/gunicorn.conf.py),
    2 workers on 127.0.0.1:``port`` and a control socket of its own in ``folder``."""
    command = [
        sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--control-socket", str(folder / "gunicorn.ctl"),
        "inventory.wsgi:app",
    ]  # fmt: skip
    return ServerProcess(
        command, port=port, log=folder / "gunicorn.log", env=env, ready_path="/api/products/1"
    )


#: The WSGI servers Roob is tested under, by the names :func:`server_command` takes.
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "waitress", "granian", "uwsgi")


def server_command(name: str, app_spec: str, port: int, *, threads: int = 4) -> list[str]:
    """The command that serves ``app_spec`` (``"module:attribute"``, importable from the
    server's working folder) with the server ``name`` on 127.0.0.1:``port``, in one
    process (with ``threads`` threads where the server has threads).

    granian needs the bench group and uWSGI its wheel (pyuwsgi, in the test group): a
    test using one of them is skipped without it.
    """
    if name in ("gunicorn-sync", "gunicorn-gthread"):
        workers = ["--worker-class", "gthread", "--threads", str(threads)]
        return [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            *(workers if name == "gunicorn-gthread" else []),
            "--timeout", "60", "--no-control-socket", app_spec,
        ]  # fmt: skip
    if name == "waitress":
        return [
            sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
            f"--threads={threads}", app_spec,
        ]  # fmt: skip
    if name == "granian":
        import pytest

        pytest.importorskip("granian", reason="granian is in the bench dependency group")
        return [
            str(pathlib.Path(sys.executable).with_name("granian")), "--interface", "wsgi",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--blocking-threads", str(threads), "--no-access-log", "--log-level", "warning",
            app_spec,
        ]  # fmt: skip
    if name == "uwsgi":
        import pytest

        pytest.importorskip("pyuwsgi", reason="uWSGI's wheel (pyuwsgi) is in the test group")
        return [
            sys.executable, "-c", "import sys, pyuwsgi; sys.exit(pyuwsgi.run())",
            "--http", f"127.0.0.1:{port}", "--http-keepalive", "--pythonpath", ".",
            "--module", app_spec, "--master", "--processes", "1",
            "--threads", str(threads), "--need-app",
            "--die-on-term",  # SIGTERM stops it (by default uWSGI reloads on SIGTERM)
        ]  # fmt: skip
    raise ValueError(f"no server {name!r}: one of {', '.join(SERVERS)}")
