"""Redirect targets, link values and event data from a hostile client, through a real
gunicorn: what goes out on the wire, byte for byte.

The outside review's attack (defects 1, 3, 4, 8, 12) read the bytes gunicorn sent: a
leading space that Roob let through was stripped by gunicorn, so the wire carried
``Location: //evil.example``; a lone CR in a chat message split an event for the
browser. These tests send the same requests and read the same bytes.
"""

from __future__ import annotations

import re
import sys
from urllib.parse import quote

import pytest

from tests.event_source import parse_event_stream
from tests.servers import ServerProcess, free_port
from tests.test_urls import DISGUISED_TARGETS

APP = """
from roob import Event, EventStream, Roob, redirect, redirect_to, url_has_allowed_host_and_scheme

app = Roob(static_dir=None)


@app.get("/")
def home(request):
    return {"home": True}


@app.get("/go")
def go(request):
    return redirect(request.GET["to"])


@app.get("/login")
def login(request):
    target = request.GET.get("next")
    if url_has_allowed_host_and_scheme(target):
        return redirect(target)
    return redirect_to("home")


@app.get("/tags/{tag}")
def tag(request, tag):
    return {"tag": tag}


@app.get("/link")
def link(request):
    return {"link": request.url_for("tag", tag=request.GET["tag"])}


@app.get("/chat")
def chat(request):
    def events():
        yield Event(request.GET["msg"], event="message", id="1")
        yield Event("bye", event="end")

    return EventStream(events())


@app.get("/named")
def named(request):
    return EventStream([Event("m", event=request.GET["event"])])
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-targets")
    (folder / "hostile_app.py").write_text(APP)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--chdir", str(folder), "hostile_app:app"]  # fmt: skip
    with ServerProcess(command, port=port, log=folder / "gunicorn.log") as running:
        yield running


def get(server, path: str) -> tuple[int, list[bytes], bytes]:
    """The status, the raw header lines and the body, as gunicorn sent them."""
    status, head, body = server.raw_request(
        f"GET {path} HTTP/1.0\r\nHost: site.example\r\n\r\n".encode("ascii")
    )
    return status, head.split(b"\r\n")[1:], body


def location_lines(lines: list[bytes]) -> list[bytes]:
    return [line for line in lines if line.lower().startswith(b"location:")]


@pytest.mark.parametrize("target", DISGUISED_TARGETS)
def test_a_disguised_target_never_reaches_the_wire(server, target):
    status, lines, body = get(server, "/go?to=" + quote(target, safe=""))
    assert status == 400
    assert location_lines(lines) == []
    assert b"Traceback" not in body


@pytest.mark.parametrize("target", DISGUISED_TARGETS)
def test_the_documented_next_check_lands_on_the_site(server, target):
    status, lines, _ = get(server, "/login?next=" + quote(target, safe=""))
    assert status == 303
    assert location_lines(lines) == [b"Location: /"]


@pytest.mark.parametrize(
    "target", ["/notes/1?x=y", "https://example.com/x", "evil.example", "note", "?page=2"]
)
def test_an_accepted_target_goes_out_as_it_was_given(server, target):
    status, lines, _ = get(server, "/go?to=" + quote(target, safe=""))
    assert status == 303
    assert location_lines(lines) == [f"Location: {target}".encode("ascii")]


@pytest.mark.parametrize("value", ["a/b", "", ".", ".."])
def test_a_link_value_a_route_cannot_hold_is_a_400(server, value):
    status, _, body = get(server, "/link?tag=" + quote(value, safe=""))
    assert status == 400
    assert b"Cannot build a link with tag" in body


def test_a_lone_cr_in_a_chat_message_stays_in_its_event(server):
    status, lines, body = get(server, "/chat?msg=" + quote("x\rid: 666\r\revent: evil\rdata: pwn"))
    assert status == 200
    assert b"Content-Type: text/event-stream; charset=utf-8" in lines
    assert parse_event_stream(body.decode("utf-8")) == [
        {"type": "message", "data": "x\nid: 666\n\nevent: evil\ndata: pwn", "id": "1"},
        {"type": "end", "data": "bye", "id": "1"},
    ]
    assert not re.search(rb"\r", body)


@pytest.mark.parametrize("name", ["bad\nname", "bad\rname", "bad\x00name"])
def test_a_clients_event_name_with_a_line_break_is_a_400(server, name):
    status, _, body = get(server, "/named?event=" + quote(name))
    assert status == 400
    assert b"line break" in body
    assert b"Traceback" not in body
    assert "Traceback" not in server.output
