"""Attacks on Server-Sent Events (issue 18, class 5), written by someone who did not
write roob/events.py: what a client can put in an event's data, name and id, checked
against the parser of the HTML standard in tests/event_source.py ("Server-sent events",
9.2.6: only CRLF, a lone CR and a lone LF end a line; U+2028, U+2029, U+0085, VT and
FF do not) and, under gunicorn, against Chromium's EventSource
(tests/integration/test_attack_gunicorn.py).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import Field

from roob import Event, EventStream, Header, InvalidEvent, Roob
from roob.testing import TestClient
from tests.event_source import parse_event_stream

# What a line end is to someone, somewhere: the three of the SSE grammar, the Unicode
# ones str.splitlines() knows (U+2028/2029, NEL, VT, FF, FS/GS/RS), and field lookalikes.
TRICKY = [
    "\r", "\n", "\r\n", "\n\r", "\r\r", "\n\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c",
    "\x1c", "\x1d", "\x1e", "\x00", "\ufeff", ":", " ", "data:", "id:", "event:", "retry:",
    "data: x", "id: 666", "event: evil", "retry: 1",
]  # fmt: skip
# Lone surrogates are refused (test below): the rest of Unicode may come from a client.
characters = st.characters(exclude_categories=("Cs",))
texts = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(characters, max_size=4)), max_size=8)
texts = texts.map("".join)


def browser_reads(data: str) -> str:
    """The data a browser dispatches for ``data``: every line end made LF."""
    return re.sub(r"\r\n|\r", "\n", data)


@settings(max_examples=500, deadline=None)
@given(texts, st.none() | texts, st.none() | texts)
@example("x\rid: 666\r\revent: evil\rdata: pwn", "message", "1")  # the outside review's
@example("a\u2028b\x85c\u2029d", "\u2028", "\x85")
@example("", None, "")
def test_a_clients_text_is_one_event_whatever_it_holds(data, event, id) -> None:
    if any(value is not None and re.search("[\r\n\0]", value) for value in (event, id)):
        with pytest.raises(InvalidEvent) as refused:
            Event(data, event=event, id=id)
        assert refused.value.status == 400
        return
    sent = Event(data, event=event, id=id).encode().decode("utf-8")
    assert parse_event_stream(sent) == [
        {"type": event or "message", "data": browser_reads(data), "id": id or ""}
    ]
    # Nothing but the fields Roob writes starts a line, whatever a line end is to a reader.
    lines = re.split(r"\r\n|\r|\n", sent)
    assert all(line == "" or line.startswith(("data: ", "event: ", "id: ")) for line in lines)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(characters),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(characters), inner),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
@example({"text": "\r\nid: 666\r\n\r\ndata: pwn", "sep": "\u2028\u2029\x85"})
@example({"lone": "\ud800"})  # JSON escapes a lone surrogate: sent, and read back
def test_json_data_is_one_data_line_read_back_as_the_same_value(value: Any) -> None:
    sent = Event({"v": value}).encode()
    assert sent.count(b"\n") == 2
    assert b"\r" not in sent
    [dispatched] = parse_event_stream(sent.decode("utf-8"))
    assert json.loads(dispatched["data"]) == {"v": value}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(texts, st.none() | st.sampled_from(["a", "b", ""])), max_size=6))
def test_a_stream_of_client_messages_keeps_every_event_and_its_last_id(messages) -> None:
    app = Roob(static_dir=None)

    @app.get("/chat")
    def chat(request):
        return EventStream(Event(data, event="message", id=id) for data, id in messages)

    text = TestClient(app).get("/chat").text
    expected, last_id = [], ""
    for data, id in messages:
        last_id = last_id if id is None else id
        expected.append({"type": "message", "data": browser_reads(data), "id": last_id})
    assert parse_event_stream(text) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"data": "hi \ud800"},
        {"data": "\udfff"},
        {"data": "ok", "event": "room-\udc80"},
        {"data": "ok", "id": "\ud83d"},  # half of an emoji, as a JavaScript string splits it
    ],
)
def test_a_lone_surrogate_is_refused_when_the_event_is_made(fields) -> None:
    """A lone surrogate ("\\ud800" is a valid JSON string, RFC 8259 8.2) has no UTF-8 form:
    it was taken, then broke the stream of every listener when the event was encoded (a
    500 before the first event, a cut connection after it)."""
    with pytest.raises(InvalidEvent, match="cannot hold a lone surrogate") as refused:
        Event(**fields)
    assert refused.value.status == 400


def test_a_relay_refuses_a_message_no_listener_could_receive() -> None:
    """A chat relay as docs/streaming.md suggests: the poster of a message with a lone
    surrogate gets a 400, and the listeners' stream carries every other message."""
    app = Roob(static_dir=None)
    room: list[Event] = []

    @app.post("/say")
    def say(request):
        body = request.json
        room.append(Event(body["text"], event="message", id=str(body["n"])))

    @app.get("/listen")
    def listen(request):
        return EventStream(iter(list(room)))

    client = TestClient(app)
    headers = {"Content-Type": "application/json"}
    assert client.post("/say", data='{"text": "hello\\rid: 9", "n": 1}', headers=headers)
    refused = client.post("/say", data='{"text": "\\ud800", "n": 2}', headers=headers)
    assert refused.status_code == 400
    assert refused.json() == {"message": "An event's data cannot hold a lone surrogate"}
    refused_id = client.post("/say", data='{"text": "ok", "n": "\\udc00"}', headers=headers)
    assert refused_id.status_code == 400
    client.post("/say", data='{"text": "bye", "n": 3}', headers=headers)
    listened = client.get("/listen")
    assert listened.status_code == 200
    assert parse_event_stream(listened.text) == [
        {"type": "message", "data": "hello\nid: 9", "id": "1"},
        {"type": "message", "data": "bye", "id": "3"},
    ]


@pytest.mark.parametrize("retry", [True, -1, 1.5, "10", 2**63 * -1])
def test_a_retry_that_is_not_milliseconds_is_refused(retry) -> None:
    with pytest.raises(InvalidEvent, match="number of milliseconds"):
        Event("x", retry=retry)


@pytest.mark.parametrize(
    "last_event_id",
    ["abc", "9" * 5000, "-1", "4", "\u0661", "1e3", " ", "0x1", "1\x00"],
)
def test_the_documented_last_event_id_is_never_a_500(last_event_id: str) -> None:
    """docs/streaming.md reads Last-Event-ID as a typed header (it was int(...) and a 500
    on 'abc'): anything that is not a step is a 422."""
    app = Roob(static_dir=None)

    @app.get("/progress")
    def progress(request, last_event_id: Annotated[int, Header(), Field(ge=0, le=3)] = 0):
        return EventStream(Event(str(step), id=str(step)) for step in range(last_event_id, 4))

    response = TestClient(app).get("/progress", headers={"Last-Event-ID": last_event_id})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "last-event-id"]
