"""A small notes site: sessions, CSRF-protected forms, an upload, redirects, an event stream.

::

    SECRET_KEY=... NOTES_FOLDER=/var/lib/notes \\
        gunicorn --worker-class gthread --threads 8 examples.website.app:app

Anyone may sign in under any name (a real site would check a password);
signed-in users write notes, each with an optional attachment. Notes and
their attachments are files in ``NOTES_FOLDER`` (a temporary folder when it
is not set), so that every gunicorn worker sees the same ones. ``/events``
streams Server-Sent Events: the page shows how many notes there are, live;
each listener holds a worker thread, hence ``gthread``.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Annotated

from roob import (
    Event,
    EventStream,
    File,
    Form,
    NotFound,
    Request,
    Response,
    Roob,
    UploadedFile,
    redirect_to,
)

logger = logging.getLogger(__name__)

#: The largest note, attachment included, a browser may send.
MAX_NOTE_SIZE = 10 * 2**20
#: How many events /events sends, and the seconds between two of them.
EVENTS, EVENT_INTERVAL = 5, 1.0


@dataclass(frozen=True)
class Note:
    id: int
    title: str
    author: str
    attachment: str | None = None  # the uploaded file's safe_filename
    content_type: str | None = None


class NoteStore:
    """Each note a folder in ``folder``, named by its id: ``note.json`` and ``attachment``."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def all(self) -> list[Note]:
        notes = [self._load(path) for path in self.folder.glob("*/note.json")]
        return sorted(notes, key=lambda note: note.id, reverse=True)

    def get(self, note_id: int) -> Note:
        path = self.folder / str(note_id) / "note.json"
        if not path.is_file():
            raise NotFound(f"There is no note {note_id}")
        return self._load(path)

    def add(self, title: str, author: str, attachment: UploadedFile | None) -> Note:
        folder = self._new_folder()
        note = Note(int(folder.name), title, author)
        if attachment is not None:
            note = replace(
                note, attachment=attachment.safe_filename, content_type=attachment.content_type
            )
            attachment.save(folder / "attachment")
        partial = folder / "note.json.partial"
        partial.write_text(json.dumps(asdict(note)), encoding="utf-8")
        partial.replace(folder / "note.json")  # readers see the whole note or none of it
        return note

    def attachment_path(self, note: Note) -> pathlib.Path:
        if note.attachment is None:
            raise NotFound(f"Note {note.id} has no attachment")
        return self.folder / str(note.id) / "attachment"

    def _new_folder(self) -> pathlib.Path:
        """The next id's folder, made: mkdir fails if another worker took that id first."""
        taken = [int(path.name) for path in self.folder.iterdir() if path.name.isdigit()]
        note_id = max(taken, default=0) + 1
        while True:
            try:
                (self.folder / str(note_id)).mkdir()
            except FileExistsError:
                note_id += 1
            else:
                return self.folder / str(note_id)

    @staticmethod
    def _load(path: pathlib.Path) -> Note:
        return Note(**json.loads(path.read_text(encoding="utf-8")))


def secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    logger.warning(
        "SECRET_KEY is not set: sessions are signed with a development key anyone can "
        "read in the source; set SECRET_KEY to a long random string before deploying"
    )
    return "development-key-not-for-production"


def notes_folder() -> pathlib.Path:
    folder = os.environ.get("NOTES_FOLDER")
    return pathlib.Path(folder) if folder else pathlib.Path(tempfile.mkdtemp(prefix="notes-"))


app = Roob(secret_key=secret_key(), csrf=True)
store = NoteStore(notes_folder())


def signed_in_user(request: Request) -> str | None:
    user = request.session.get("user")
    return user if isinstance(user, str) else None


@app.get("/")
def home(request: Request) -> Response:
    return app.render("index.html", {"notes": store.all(), "user": signed_in_user(request)})


@app.get("/login", name="login")
def login_form(request: Request) -> Response:
    return app.render("login.html", {"user": None})


@app.post("/login", name="login")
def login(request: Request, name: Annotated[str, Form()]) -> Response:
    name = name.strip()
    if not name:
        return app.render("login.html", {"user": None, "error": "Say who you are."}, status=422)
    request.session.clear()  # a new session (and CSRF token) for the new user
    request.session["user"] = name
    return redirect_to("home")


@app.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect_to("home")


@app.get("/notes/new", name="new_note")
def new_note_form(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None:
        return redirect_to("login")
    return app.render("new_note.html", {"user": user})


@app.post("/notes/new", name="new_note", max_body_size=MAX_NOTE_SIZE)
def new_note(
    request: Request,
    title: Annotated[str, Form()],
    attachment: Annotated[UploadedFile | None, File()] = None,
) -> Response:
    user = signed_in_user(request)
    if user is None:
        return redirect_to("login")
    title = title.strip()
    if not title:
        context = {"user": user, "error": "A note needs a title."}
        return app.render("new_note.html", context, status=422)
    note = store.add(title, user, attachment)
    return redirect_to("note", id=note.id)


@app.get("/notes/{id:d}", name="note")
def show_note(request: Request, id: int) -> Response:
    context = {"note": store.get(id), "user": signed_in_user(request)}
    return app.render("note.html", context)


@app.get("/notes/{id:d}/attachment", name="attachment")
def attachment(request: Request, id: int) -> Response:
    note = store.get(id)
    path = store.attachment_path(note)
    # Sent as a download, never shown inline: an uploaded HTML page would run as this site.
    return Response(
        body=path.read_bytes(),
        content_type=note.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{note.attachment}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@app.get("/events")
def events(request: Request) -> EventStream:
    def counts() -> Iterator[Event]:
        for n in range(EVENTS):
            if n:
                time.sleep(EVENT_INTERVAL)
            yield Event({"notes": len(store.all())}, event="count", id=str(n))
        yield Event("bye", event="end")  # the page closes its EventSource, which won't retry

    return EventStream(counts())
