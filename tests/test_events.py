"""EventStream: Server-Sent Events formatted and sent as they come."""

from __future__ import annotations

import pytest

from roob import Event, EventStream, Roob
from roob.testing import TestClient


def test_events_are_formatted_for_event_source() -> None:
    app = Roob(static_dir=None)

    @app.get("/events")
    def events(request):
        return EventStream(
            [
                Event({"n": 1}, event="tick", id="1", retry=2000),
                "two\nlines",
                ["json", 3],
                Event("windows\r\nline end"),
            ],
            headers={"X-Stream": "yes"},
        )

    response = TestClient(app).get("/events")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers["X-Stream"] == "yes"
    assert "Content-Length" not in response.headers
    assert response.text == (
        'event: tick\nid: 1\nretry: 2000\ndata: {"n":1}\n\n'
        "data: two\ndata: lines\n\n"
        'data: ["json",3]\n\n'
        "data: windows\ndata: line end\n\n"
    )


def test_the_source_is_closed_when_the_stream_ends() -> None:
    closed = []

    def source():
        try:
            yield "a"
            yield "b"
        finally:
            closed.append(True)

    body = EventStream(source()).app_iter
    assert next(iter(body)) == b"data: a\n\n"
    body.close()
    assert closed == [True]


@pytest.mark.parametrize(
    "event", [Event("x", event="a\nb"), Event("x", id="1\r2"), Event("x", id="a\0")]
)
def test_a_line_break_in_a_name_or_id_is_refused(event: Event) -> None:
    with pytest.raises(ValueError, match="cannot hold a line break"):
        event.encode()
