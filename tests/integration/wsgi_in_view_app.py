"""A view returning a WSGI application, with an after hook, for a real server
(test_wsgi_in_view_gunicorn).

``/stream`` returns a generator application that starts its response lazily,
sends ``first``, then waits for the file ``go`` in the folder named by
``ROOB_TEST_GATE`` before it sends ``last``, and writes ``closed`` there when
the server closes its body. The after hook copies the status it saw into
``X-Seen-Status``.
"""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob import Roob

GATE_TIMEOUT = 10.0

app = Roob(static_dir=None)


@app.after_request
def stamp(request: Any, response: Any) -> None:
    response.headers["X-Seen-Status"] = str(response.status_code)


def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    folder = pathlib.Path(os.environ["ROOB_TEST_GATE"])

    def body() -> Iterator[bytes]:
        try:
            start_response("201 Created", [("Content-Type", "text/plain")])
            yield b"first\n"
            deadline = time.monotonic() + GATE_TIMEOUT
            while not (folder / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            yield b"last\n"
        finally:
            (folder / "closed").write_text("yes")

    return body()


@app.get("/stream")
def stream(request: Any) -> Any:
    return gated


@app.get("/")
def index(request: Any) -> str:
    return "up"
