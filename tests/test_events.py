"""EventStream: Server-Sent Events formatted and sent as they come."""

from __future__ import annotations

import re

import pytest
import webob
from hypothesis import given
from hypothesis import strategies as st

from roob import Event, EventStream, InvalidEvent, Roob
from roob.events import OPENING
from roob.testing import TestClient
from tests.event_source import parse_event_stream


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
    assert response.text == ": stream opened\n\n" + (
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
    chunks = iter(body)
    assert next(chunks) == OPENING
    assert next(chunks) == b"data: a\n\n"
    body.close()
    assert closed == [True]


def test_the_source_is_closed_when_the_stream_is_closed_before_any_event() -> None:
    """A HEAD request, or a client gone before the first event: the source's finally
    blocks run when the server closes the body, not when the collector gets to it."""
    closed = []

    def source():
        try:
            yield "a"
        finally:
            closed.append(True)

    events = source()
    next(events)  # started: its finally block is pending
    EventStream(events).app_iter.close()
    assert closed == [True]


def test_the_status_and_headers_go_out_before_the_first_event_is_ready() -> None:
    """The stream opens with a comment line: the server gets the status and headers when
    the application returns, before the source is asked for an event (granian sends a
    bare 200 for a start that comes later, emmett-framework/granian#845)."""
    app = Roob(static_dir=None)
    asked = []

    @app.get("/events")
    def events(request):
        def source():
            asked.append("first event")
            yield "one"

        return EventStream(source(), headers={"X-Stream": "yes"})

    started = []
    environ = webob.Request.blank("/events").environ
    body = app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    [(status, headers)] = started
    assert status == "200 OK"
    assert ("Content-Type", "text/event-stream; charset=utf-8") in headers
    assert ("X-Stream", "yes") in headers
    assert asked == []
    assert list(body) == [OPENING, b"data: one\n\n"]
    assert asked == ["first event"]


def test_a_lone_cr_in_data_cannot_inject_an_event_or_an_id() -> None:
    """The chat relay of the attack: a message with lone CRs (defect 3 of the outside
    review; sse-starlette splits data on \r\n, \r and \n alike)."""
    app = Roob(static_dir=None)

    @app.get("/chat")
    def chat(request):
        message = request.GET["msg"]
        return EventStream([Event(message, event="message", id="1"), Event("bye", event="end")])

    injected = "x\rid: 666\r\revent: evil\rdata: pwn"
    response = TestClient(app).get("/chat", query={"msg": injected})
    assert parse_event_stream(response.text) == [
        {"type": "message", "data": "x\nid: 666\n\nevent: evil\ndata: pwn", "id": "1"},
        {"type": "end", "data": "bye", "id": "1"},
    ]


@given(
    data=st.text(),
    kind=st.none() | st.text().filter(lambda s: not re.search("[\r\n\0]", s)),
    ident=st.none() | st.text().filter(lambda s: not re.search("[\r\n\0]", s)),
)
def test_a_browser_reads_back_exactly_the_event_that_was_sent(data, kind, ident) -> None:
    """Whatever the text, one Event is one event to the browser, with its data (line
    ends read as LF), its type and its id; never a second event or another field."""
    sent = Event(data, event=kind, id=ident).encode().decode("utf-8")
    received = parse_event_stream(sent + Event("after").encode().decode("utf-8"))
    assert received == [
        {"type": kind or "message", "data": re.sub(r"\r\n|\r", "\n", data), "id": ident or ""},
        {"type": "message", "data": "after", "id": ident or ""},
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"event": "a\nb"},
        {"event": "a\rb"},
        {"event": "a\0b"},
        {"id": "1\r2"},
        {"id": "1\n2"},
        {"id": "a\0"},
        {"id": 5},
        {"retry": "abc"},
        {"retry": -1},
        {"retry": 1.5},
        {"retry": True},
    ],
)
def test_fields_that_cannot_be_sent_are_refused_when_the_event_is_made(fields) -> None:
    with pytest.raises(InvalidEvent) as raised:
        Event("x", **fields)
    assert raised.value.status == 400
    assert isinstance(raised.value, ValueError)


def test_a_clients_bad_event_name_is_a_400_not_a_500(caplog) -> None:
    """?event=bad%0Aname was a 500 with a traceback (defect 8 of the outside review)."""
    app = Roob(static_dir=None)

    @app.get("/made-in-the-view")
    def made_in_the_view(request):
        return EventStream([Event("m", event=request.GET["event"])])

    response = TestClient(app).get("/made-in-the-view?event=bad%0Aname")
    assert response.status_code == 400
    assert "line break" in response.json()["message"]
    assert "Traceback" not in caplog.text


def test_a_bad_event_made_in_the_stream_ends_the_stream_it_cannot_undo(caplog) -> None:
    """The stream has opened (status 200, its first line sent) before the source makes
    its first event: a bad one can only end the stream, logged. Check the client's
    values in the view (a typed Header, or an Event made there) to answer 400."""
    app = Roob(static_dir=None)

    @app.get("/made-in-the-stream")
    def made_in_the_stream(request):
        def events():
            yield Event("m", id=request.GET["id"])

        return EventStream(events())

    started = []
    environ = webob.Request.blank("/made-in-the-stream?id=1%0D2").environ
    body = app(environ, lambda status, headers, exc_info=None: started.append(status))
    assert started == ["200 OK"]
    chunks = iter(body)
    assert next(chunks) == OPENING
    with pytest.raises(InvalidEvent, match="line break"):
        next(chunks)
    body.close()
    assert "Error after the response started, connection aborted: GET /made-in-the-stream" in (
        caplog.text
    )
