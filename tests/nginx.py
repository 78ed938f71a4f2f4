"""nginx started with the project's deploy/nginx.conf, for tests and load runs.

with Nginx(listen="127.0.0.1:8080", upstreams=["127.0.0.1:8000"], folder=tmp) as nginx:
    ...                                   # nginx.pid, nginx.port

Runs Debian's nginx in the foreground (``daemon off``), so that it is stopped
by its own PID; its pid file, logs and temporary files go to ``folder``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from types import TracebackType

from tests.servers import REPO_ROOT

CONFIG = REPO_ROOT / "deploy" / "nginx.conf"
STARTUP_TIMEOUT = 15.0


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.path.exists(path)), None
    )


def render(listen: str, upstreams: Sequence[str], runtime: pathlib.Path) -> str:
    """deploy/nginx.conf with its placeholders filled in."""
    servers = " ".join(f"server {address} max_fails=1 fail_timeout=2s;" for address in upstreams)
    return (
        CONFIG.read_text()
        .replace("@LISTEN@", listen)
        .replace("@UPSTREAMS@", servers)
        .replace("@RUNTIME@", str(runtime))
    )


class Nginx:
    """A running nginx on ``listen`` in front of ``upstreams``."""

    def __init__(
        self,
        *,
        listen: str,
        upstreams: Sequence[str],
        folder: pathlib.Path,
        netns: str | None = None,
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is needed: apt-get install nginx")
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "nginx.conf"
        self.config.write_text(render(listen, upstreams, folder))
        self.host, _, port = listen.rpartition(":")
        self.port = int(port)
        command = [binary, "-c", str(self.config), "-p", str(folder), "-g", "daemon off;"]
        self.command = ["ip", "netns", "exec", netns, *command] if netns else command
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        log = (self.folder / "nginx.out").open("ab")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.folder / 'nginx.out').read_text()}")
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish in-flight requests
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
