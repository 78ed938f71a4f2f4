"""Forms and uploads: ``request.form`` and ``request.files``.

::

    @app.post("/notes", max_body_size=20 * 2**20)
    def create(request):
        title = request.form["title"]            # str
        picture = request.files.get("picture")   # an UploadedFile, or None
        if picture is not None:
            picture.save(f"uploads/{picture.safe_filename}")

Both come from one parse of the body, done the first time either is read:
``application/x-www-form-urlencoded`` bodies are decoded as UTF-8, and
``multipart/form-data`` bodies are read as a stream by the ``multipart``
package (not the standard library's deprecated ``cgi``). A part up to
:data:`SPOOL_LIMIT` bytes stays in memory; a larger one is spooled to a
temporary file as it arrives, so a 200 MB upload costs about 64 KiB of memory.
Text fields go to ``form`` as ``str`` (at most :data:`FIELD_LIMIT` bytes
each: 413 past it); parts with a filename go to
``files`` (a file input left empty is left out). Another content type gives
two empty multidicts. The body is read once: after ``request.form`` of a
multipart body, ``request.body`` is not available.

The body is bounded by the request's ``max_body_size`` (413); a body that is
not what its Content-Type says (a broken multipart body, a missing boundary,
text that is not UTF-8) is a 400.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from webob.multidict import MultiDict

from roob.exceptions import BadRequest, RequestEntityTooLarge
from roob.requests import BoundedInput

if TYPE_CHECKING:
    from roob.requests import Request

__all__ = [
    "FIELD_LIMIT",
    "FORM_CONTENT_TYPES",
    "SPOOL_LIMIT",
    "UploadedFile",
    "media_type",
    "parse_form",
]

#: Parts larger than this many bytes are kept in a temporary file, not in memory.
SPOOL_LIMIT = 64 * 1024
#: The most parts (fields and files) a multipart body may have.
PART_LIMIT = 1000
#: The most bytes a text field (a part without a filename) may have: it becomes a str.
FIELD_LIMIT = 1024 * 1024
#: The media types :func:`parse_form` reads.
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadedFile:
    """A file from a ``multipart/form-data`` body.

    ``filename`` is what the client sent: never use it as a path as it is
    (``safe_filename`` is a version that can be one). ``file`` is a binary
    file object positioned at the start.
    """

    def __init__(self, part: Any) -> None:
        self._part = part
        self.name: str = part.name
        self.filename: str = part.filename
        self.content_type: str = part.content_type
        self.size: int = part.size
        self.headers: dict[str, str] = dict(part.headerlist)

    @property
    def file(self) -> IO[bytes]:
        return self._part.file  # type: ignore[no-any-return]

    @property
    def safe_filename(self) -> str:
        """``filename`` without folders and with only ``A-Za-z0-9._-`` (``"upload"`` if
        nothing is left)."""
        base = os.path.basename(self.filename.replace("\\", "/"))
        cleaned = _UNSAFE_FILENAME.sub("_", base).strip("._")
        return cleaned or "upload"

    def read(self, size: int = -1) -> bytes:
        """Read from the file (all of it by default)."""
        return self.file.read(size)

    def save(self, path: str | os.PathLike[str]) -> int:
        """Copy the file to ``path``; the number of bytes written."""
        source = self.file
        position = source.tell()
        source.seek(0)
        try:
            with open(path, "wb") as target:
                shutil.copyfileobj(source, target)
        finally:
            source.seek(position)
        return self.size

    def close(self) -> None:
        """Free the file (its temporary file is deleted; this happens anyway once the
        request is over and nothing refers to it)."""
        self._part.close()

    def __repr__(self) -> str:
        return (
            f"UploadedFile(name={self.name!r}, filename={self.filename!r}, "
            f"content_type={self.content_type!r}, size={self.size})"
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A typed ``File()`` parameter takes an UploadedFile as it is."""
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}


def media_type(request: Request) -> str:
    """The request's media type as compared: ``Text/Plain ; charset=x`` is ``text/plain``."""
    return str(request.environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()


def parse_form(request: Request) -> tuple[MultiDict, MultiDict]:
    """The body's text fields and files; see the module's documentation."""
    content_type = media_type(request)
    if content_type == "application/x-www-form-urlencoded":
        return _parse_urlencoded(request.body), MultiDict()
    if content_type == "multipart/form-data":
        return _parse_multipart(request)
    return MultiDict(), MultiDict()


def _parse_urlencoded(body: bytes) -> MultiDict:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict",
                          max_num_fields=PART_LIMIT)  # fmt: skip
    except UnicodeDecodeError:
        raise BadRequest("Form body is not valid UTF-8") from None
    except ValueError:
        raise BadRequest(f"Form body has more than {PART_LIMIT} fields") from None
    return MultiDict(pairs)


def _parse_multipart(request: Request) -> tuple[MultiDict, MultiDict]:
    import multipart  # only applications that receive multipart bodies load it

    environ = request.environ
    boundary = _boundary(environ.get("CONTENT_TYPE", ""))
    if not boundary:
        raise BadRequest("multipart/form-data body without a boundary in its Content-Type")
    limit = request.max_body_size
    length = request.content_length
    if length is not None and length > limit:
        raise request._too_large()  # before a byte is read
    if length is None and not environ.get("wsgi.input_terminated"):
        return MultiDict(), MultiDict()  # no length and no end: WebOb's empty body
    parser = multipart.MultipartParser(
        BoundedInput(request, environ["wsgi.input"], limit),
        boundary,
        -1 if length is None else length,
        spool_limit=SPOOL_LIMIT,
        memory_limit=max(limit, SPOOL_LIMIT),
        part_limit=PART_LIMIT,
    )
    fields, files = MultiDict(), MultiDict()
    try:
        for part in parser:
            if part.filename is not None:
                if part.filename or part.size:  # a file input left empty sends neither
                    files.add(part.name, UploadedFile(part))
            else:
                if part.size > FIELD_LIMIT:  # it would be read into memory whole
                    raise RequestEntityTooLarge(
                        f"The form field {part.name!r} is larger than {FIELD_LIMIT} bytes; "
                        "send large content as a file"
                    )
                fields.add(part.name, part.raw.decode("utf-8"))
                part.close()
    except UnicodeDecodeError:
        raise BadRequest("A multipart form field is not valid UTF-8") from None
    except multipart.MultipartError as exc:
        raise BadRequest(f"Malformed multipart/form-data body: {exc}") from None
    return fields, files


def _boundary(content_type: str) -> str:
    import multipart

    _, options = multipart.parse_options_header(content_type)
    return str(options.get("boundary", ""))
