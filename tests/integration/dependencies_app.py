"""An application with a generator dependency that writes a line when it is entered and
when its code after ``yield`` runs, for tests/integration/test_dependencies_gunicorn.py.

Each request carries ``?id=``; the lines ``<id> open`` and ``<id> closed <exc class or
None> <whether the body was sent whole>`` go to the file ``DEPENDENCIES_LOG`` names
(one write per line, O_APPEND).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Annotated

from roob import Depends, Request, Response, Roob

LOG = os.environ.get("DEPENDENCIES_LOG", os.devnull)
CHUNK = b"x" * 65536
BIG = 200  # chunks: 12.5 MiB, more than the socket buffers hold

app = Roob(static_dir=None)


def _write(line: str) -> None:
    descriptor = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, f"{line}\n".encode())
    finally:
        os.close(descriptor)


class Session:
    """What a database session would be: the body reads from it while it is sent."""

    def __init__(self) -> None:
        self.sent = 0

    def rows(self) -> Iterator[bytes]:
        for _ in range(BIG):
            yield CHUNK
            self.sent += 1


def session(request: Request) -> Iterator[Session]:
    name = request.GET.get("id", "-")
    _write(f"{name} open")
    value = Session()
    error: BaseException | None = None
    try:
        yield value
    except Exception as exc:
        error = exc
        raise
    finally:
        _write(f"{name} closed {type(error).__name__ if error else None} {value.sent == BIG}")


@app.get("/json")
def json_view(request, db: Annotated[Session, Depends(session)]):
    return {"ok": True}


@app.get("/stream")
def stream(request, db: Annotated[Session, Depends(session)]):
    return Response(app_iter=db.rows(), content_type="application/octet-stream")
