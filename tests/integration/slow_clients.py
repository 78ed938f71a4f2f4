"""Slow and idle HTTP clients on loopback, a bounded number of sockets: for tests only.

with SlowClients("127.0.0.1", port, idle=50, slowloris=50, slow_posts=40) as attack:
    attack.trickle()          # one more byte on every slow socket; call about once a second

``idle`` sockets connect and send nothing; ``slowloris`` ones send a request
line and then a header byte at each ``trickle()``; ``slow_posts`` send whole
headers announcing a 1,000-byte body, then a body byte at each ``trickle()``.
Every socket is closed on exit.

    python -m tests.integration.slow_clients PORT    # the same load for 10 s, and
                                                     # how long a normal GET takes meanwhile
"""

from __future__ import annotations

import http.client
import socket
import sys
import time
from types import TracebackType


class SlowClients:
    def __init__(self, host: str, port: int, *, idle: int, slowloris: int, slow_posts: int):
        self.address = (host, port)
        self.counts = {"idle": idle, "slowloris": slowloris, "slow_posts": slow_posts}
        self.sockets: dict[str, list[socket.socket]] = {kind: [] for kind in self.counts}

    def __enter__(self) -> SlowClients:
        for kind, count in self.counts.items():
            for _ in range(count):
                sock = socket.create_connection(self.address, timeout=5)
                sock.setblocking(False)
                if kind == "slowloris":
                    self._send(sock, b"GET /api/products/1 HTTP/1.1\r\nHost: localhost\r\n")
                elif kind == "slow_posts":
                    self._send(
                        sock,
                        b"POST /api/products HTTP/1.1\r\nHost: localhost\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
                    )
                self.sockets[kind].append(sock)
        return self

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> bool:
        try:
            sock.send(data)
            return True
        except OSError:  # closed by the server (a timeout): counted by open_connections
            return False

    def trickle(self) -> None:
        for sock in self.sockets["slowloris"]:
            self._send(sock, b"X")
        for sock in self.sockets["slow_posts"]:
            self._send(sock, b" ")

    def open_connections(self) -> int:
        """How many of the sockets the server has not closed."""
        alive = 0
        for sock in (s for sockets in self.sockets.values() for s in sockets):
            try:
                alive += sock.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                alive += 1  # nothing to read: still open
            except OSError:
                pass
        return alive

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for sockets in self.sockets.values():
            for sock in sockets:
                sock.close()


def main(port: int, seconds: float = 10.0) -> None:  # pragma: no cover - run by hand
    with SlowClients("127.0.0.1", port, idle=50, slowloris=50, slow_posts=40) as attack:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            attack.trickle()
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/products/1")
                status = connection.getresponse().status
                connection.close()
            except OSError as exc:
                status = type(exc).__name__
            print(f"GET /api/products/1: {status} in {time.monotonic() - started:.2f} s")
            time.sleep(0.5)


if __name__ == "__main__":  # pragma: no cover
    main(int(sys.argv[1]))
