"""An application whose teardown writes a line per call, for the lifecycle tests under a
real server (tests/integration/test_lifecycle_gunicorn.py).

Each request carries ``?id=``; the teardown appends ``<id> <exc class or None>
<what current_request() was>`` to the file ``LIFECYCLE_LOG`` names (one write per
line, O_APPEND: whole lines from every worker and thread).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from roob import Response, Roob, current_request

LOG = os.environ.get("LIFECYCLE_LOG", os.devnull)
CHUNK = b"x" * 65536
BIG = 200  # chunks: 12.5 MiB, more than the socket buffers hold

app = Roob(static_dir=None)


@app.teardown_request
def write_down(request, exc):
    line = f"{request.GET.get('id', '-')} {type(exc).__name__ if exc else None} "
    line += f"{current_request() is request}\n"
    descriptor = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)


@app.get("/json")
def json_view(request):
    return {"ok": True}


@app.get("/fails")
def fails(request):
    raise RuntimeError("the view broke")


@app.get("/note/{n:int}")
def note(request, n):
    return {"n": n}


@app.get("/stream")
def stream(request):
    def body() -> Iterator[bytes]:
        for _ in range(BIG):
            yield CHUNK

    return Response(app_iter=body(), content_type="application/octet-stream")


@app.get("/breaks")
def breaks(request):
    def body() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("the stream broke")

    return Response(app_iter=body(), content_type="text/plain")


@app.get("/links")
def links(request):
    def body() -> Iterator[bytes]:
        for n in (1, 2, 3):  # the first is made before the answer starts, the others after
            yield f"{app.url_for('note', n=n)}\n".encode()

    return Response(app_iter=body(), content_type="text/plain")
