"""The application tests/integration/test_streaming_servers.py serves under each server.

``/stream``: a generator body with its own status (202) and headers; ``/events``: an
``EventStream`` whose source waits ``FIRST_EVENT_DELAY`` before its first event and
``EVENT_PAUSE`` between the others; ``/file``: ``FileResponse`` of the file
``STREAMING_TEST_FILE`` names; ``/fails``: a body that raises before its first byte.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from roob import Event, EventStream, FileResponse, Response, Roob

FIRST_EVENT_DELAY = 2.0
EVENT_PAUSE = 0.4
EVENTS = 3
CHUNKS = [b"id,name\n", b"1,pen\n", b"2,ink\n"]

app = Roob(static_dir=None)


@app.get("/stream")
def stream(request: Any) -> Response:
    def rows() -> Iterator[bytes]:
        for chunk in CHUNKS:
            yield chunk
            time.sleep(0.05)

    return Response(
        app_iter=rows(),
        status=202,
        content_type="text/csv",
        charset="utf-8",
        headers={"X-Stream": "rows"},
    )


@app.get("/events")
def events(request: Any) -> EventStream:
    def source() -> Iterator[Event]:
        time.sleep(FIRST_EVENT_DELAY)  # the work before the first event
        for n in range(EVENTS):
            if n:
                time.sleep(EVENT_PAUSE)
            yield Event({"n": n, "at": time.time()}, event="tick", id=str(n))

    return EventStream(source(), headers={"X-Stream": "events"})


@app.get("/file")
def file(request: Any) -> FileResponse:
    return FileResponse(os.environ["STREAMING_TEST_FILE"], filename="données.bin")


@app.get("/fails")
def fails(request: Any) -> Response:
    def broken() -> Iterator[bytes]:
        raise RuntimeError("the body broke before its first byte")
        yield b"never"  # pragma: no cover - a generator

    return Response(app_iter=broken(), headers={"Set-Cookie": "session=of-the-failed-answer"})
