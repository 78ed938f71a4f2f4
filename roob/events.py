"""Server-Sent Events: a response that streams events to ``EventSource`` clients.

::

    @app.get("/clock")
    def clock(request):
        def ticks():
            for n in itertools.count():
                yield Event({"now": time.time()}, event="tick", id=str(n))
                time.sleep(1)
        return EventStream(ticks())

Each item of the iterable is sent as it comes: an :class:`Event`, or a
``str`` (the data of an unnamed event), or a dict or list (JSON data). The
response is ``text/event-stream``, not cached, and tells nginx not to buffer
it (``X-Accel-Buffering: no``); it opens with a comment line, so that its
status and headers reach the client at once, on every server. A sync worker
(gunicorn's ``sync`` or a ``gthread`` thread) is held for as long as a
client listens: see docs/streaming.md for what that costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from roob._types import Headers
from roob.exceptions import InvalidEvent
from roob.responses import Response, dump_json

__all__ = ["OPENING", "Event", "EventStream"]


@dataclass(frozen=True, slots=True)
class Event:
    """One event: ``data`` (str, or a value sent as JSON), and optionally its
    ``event`` name, ``id`` (what a reconnecting client sends back as
    ``Last-Event-ID``) and ``retry`` (milliseconds before a client reconnects).

    ``data`` may hold line breaks: each line (ended by CR, LF or CRLF, as a
    browser reads them) is sent as a ``data:`` line of its own, so no text in
    the data can start a field or an event. An ``event`` or ``id`` with a
    line break or a NUL, a lone surrogate in the data, ``event`` or ``id`` (it
    has no UTF-8 form), or a ``retry`` that is not a non-negative integer,
    is refused with :class:`~roob.InvalidEvent`, since such a value usually
    comes from the client: a 400 when the event is made in the view; in the
    stream, which has started by then, the stream ends there and the error
    is logged.
    """

    data: Any = ""
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def __post_init__(self) -> None:
        for name, value in (("event", self.event), ("id", self.id)):
            if value is not None and (not isinstance(value, str) or _BREAKS.search(value)):
                raise InvalidEvent(f"An event's {name} cannot hold a line break or NUL: {value!r}")
        for name, value in (("data", self.data), ("event", self.event), ("id", self.id)):
            # A lone surrogate ("\ud800" is valid in a JSON string) has no UTF-8 form: it
            # would break the stream when the event is sent, for every listener.
            if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
                raise InvalidEvent(f"An event's {name} cannot hold a lone surrogate")
        retry = self.retry
        if retry is not None and (type(retry) is not int or retry < 0):
            raise InvalidEvent(f"An event's retry is a number of milliseconds, not {retry!r}")

    def encode(self) -> bytes:
        """The event in the ``text/event-stream`` format."""
        lines = []
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        data = self.data if isinstance(self.data, str) else dump_json(self.data).decode()
        lines.extend(f"data: {line}" for line in _LINE_ENDS.split(data))
        return ("\n".join(lines) + "\n\n").encode("utf-8")


# The line ends of text/event-stream (HTML, "Server-sent events", parsing an event
# stream): CRLF, a lone CR and a lone LF each end a line.
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
# What ends a field early, or makes a browser ignore an id.
_BREAKS = re.compile(r"[\r\n\0]")
_SURROGATE = re.compile("[\ud800-\udfff]")


#: The first line of every stream: a comment, which ``EventSource`` ignores. It makes the
#: response start at once, status and headers included, without waiting for an event.
OPENING = b": stream opened\n\n"


class _Encoded:
    """The body of an :class:`EventStream`: :data:`OPENING`, then each event encoded as it
    comes. ``close()`` closes the source (a generator's ``finally`` blocks run when the
    client leaves), iterated or not."""

    __slots__ = ("events",)

    def __init__(self, events: Iterable[Any]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        yield OPENING
        for item in self.events:
            yield (item if isinstance(item, Event) else Event(item)).encode()

    def close(self) -> None:
        close = getattr(self.events, "close", None)
        if close is not None:
            close()


class EventStream(Response):
    """A ``text/event-stream`` response of ``events``, sent as they come.

    It starts with a comment line (:data:`OPENING`), so that the status and
    headers go out at once: a client sees the stream open (``EventSource``'s
    ``open`` event) before the first event is ready.
    """

    def __init__(
        self, events: Iterable[Any], *, status: int = 200, headers: Headers | None = None
    ) -> None:
        super().__init__(
            status=status,
            app_iter=_Encoded(events),
            content_type="text/event-stream",
            charset="utf-8",
            headers=[("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no"),
                     *(headers.items() if isinstance(headers, dict) else headers or ())],
        )  # fmt: skip
