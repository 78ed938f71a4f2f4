"""What a browser's EventSource makes of a text/event-stream body, for the tests."""

from __future__ import annotations

import re


def parse_event_stream(text: str) -> list[dict[str, str]]:
    """What a browser's EventSource dispatches for ``text``, written from the HTML
    standard ("Server-sent events", 9.2.6 Interpreting an event stream): lines end
    at CRLF, a lone CR or a lone LF; "data" lines are joined with LF; an id with a
    NUL is ignored; each blank line dispatches the event being built."""
    events, data, kind, last_id = [], [], "", ""
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if data:
                events.append({"type": kind or "message", "data": "\n".join(data), "id": last_id})
            data, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        elif name == "id" and "\0" not in value:
            last_id = value
    return events
