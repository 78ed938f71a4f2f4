"""Forms and uploads: ``request.form`` and ``request.files``.

::

    @app.post("/notes", max_body_size=20 * 2**20)
    def create(request):
        title = request.form["title"]            # str; a 400 if the form has none
        picture = request.files.get("picture")   # an UploadedFile, or None
        if picture is not None:
            picture.save(f"uploads/{picture.safe_filename}")

Both come from one parse of the body, done the first time either is read:
``application/x-www-form-urlencoded`` bodies are decoded as UTF-8, and
``multipart/form-data`` bodies are read as a stream by the ``multipart``
package's push parser (not the standard library's deprecated ``cgi``). A file
up to :data:`SPOOL_LIMIT` bytes stays in memory; a larger one is spooled to a
temporary file as it arrives, so a 200 MB upload costs about 64 KiB of memory.
Text fields go to ``form`` as ``str`` (at most :data:`FIELD_LIMIT` bytes
each: 413 past it); parts with a filename go to
``files`` (a file input left empty is left out). Another content type gives
two empty multidicts. The body is read once: after ``request.form`` of a
multipart body, ``request.body`` is not available.

``form["name"]`` and ``files["name"]`` for a field the client did not send
raise :class:`~roob.MissingField`, a ``KeyError`` that is also a 400
:class:`~roob.BadRequest`; ``.get()`` gives None.

The body is bounded by the request's ``max_body_size`` (413), and holds at most
:data:`FILE_LIMIT` files (400); a body that is not what its Content-Type says (a
broken multipart body, a missing boundary, text that is not UTF-8) is a 400. A
worker that cannot store a file answers 503 (no file descriptor left) or 507
(no disk left). Every uploaded file is closed, and its
temporary file deleted, when the request ends (:meth:`roob.Request.close`);
the files of a body that failed to parse are closed at once.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Protocol
from urllib.parse import parse_qsl

from roob.exceptions import BadRequest, HTTPError, RequestEntityTooLarge
from roob.logs import logger
from roob.multidicts import FormFields, FormFiles

__all__ = [
    "FIELD_LIMIT",
    "FILE_LIMIT",
    "FORM_CONTENT_TYPES",
    "SAFE_FILENAME_LIMIT",
    "SPOOL_LIMIT",
    "FormRequest",
    "UploadedFile",
    "media_type",
    "parse_form",
]

#: Files larger than this many bytes are kept in a temporary file, not in memory.
SPOOL_LIMIT = 64 * 1024
#: The most parts (fields and files) a multipart body may have.
PART_LIMIT = 1000
#: The most files a multipart body may have (each may hold a temporary file, and a file
#: descriptor, until the request ends): 400 past it, as Django's
#: ``DATA_UPLOAD_MAX_NUMBER_FILES``.
FILE_LIMIT = 100
#: The most bytes a text field (a part without a filename) may have: it becomes a str.
FIELD_LIMIT = 1024 * 1024
#: The media types :func:`parse_form` reads.
FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: The most characters :attr:`UploadedFile.safe_filename` has: well under the 255
#: bytes most file systems (ext4, XFS, APFS, NTFS) allow in a name.
SAFE_FILENAME_LIMIT = 200
_READ_SIZE = 64 * 1024
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Names Windows gives to devices whatever their extension (CON.txt is the console).
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(10))}
)


class UploadedFile:
    """A file from a ``multipart/form-data`` body.

    ``filename`` is what the client sent: never use it as a path as it is
    (``safe_filename`` is a version that can be one). ``file`` is a binary
    file object positioned at the start. The file is closed, and its temporary
    file deleted, when the request ends: save it (:meth:`save`) or read it
    before then.

    Roob makes them; a test can make one too:
    ``UploadedFile(io.BytesIO(b"..."), "notes.txt", content_type="text/plain")``.
    """

    def __init__(
        self,
        file: IO[bytes],
        filename: str,
        *,
        name: str = "",
        content_type: str = "application/octet-stream",
        headers: Mapping[str, str] | None = None,
        size: int | None = None,
    ) -> None:
        self.file = file
        self.filename = filename
        self.name = name
        self.content_type = content_type
        self.headers: dict[str, str] = dict(headers or {})
        if size is None:
            size = file.seek(0, os.SEEK_END)
            file.seek(0)
        self.size: int = size

    @property
    def safe_filename(self) -> str:
        """``filename`` made safe to use as the name of a file in a folder of yours.

        Without folders (``../../x`` is ``x``), in ASCII (``ü`` is ``u``, as
        Werkzeug's ``secure_filename`` does), with only ``A-Za-z0-9._-`` (a run
        of other characters becomes ``_``; control characters are dropped), no
        leading or trailing ``.`` or ``_``, never a Windows device name (``CON``
        is ``_CON``), and at most :data:`SAFE_FILENAME_LIMIT` (200) characters:
        a longer name is cut, keeping its extension. ``"upload"`` if nothing is
        left. Two clients can send the same name: add something unique to it
        if one must not replace the other.
        """
        return _safe_filename(self.filename)

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
        """Close the file (a temporary file is deleted). Roob closes every uploaded
        file when the request ends; closing one twice does nothing."""
        self.file.close()

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


def _safe_filename(filename: str) -> str:
    """See :attr:`UploadedFile.safe_filename`."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    base = os.path.basename(_CONTROL_CHARACTERS.sub("", ascii_name).replace("\\", "/"))
    name = _UNSAFE_FILENAME.sub("_", base).strip("._") or "upload"
    if name.partition(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    if len(name) > SAFE_FILENAME_LIMIT:
        stem, extension = os.path.splitext(name)
        if len(extension) > SAFE_FILENAME_LIMIT // 2:  # no extension: a dot in a long name
            stem, extension = name, ""
        name = stem[: SAFE_FILENAME_LIMIT - len(extension)].rstrip("._") + extension
    return name


class FormRequest(Protocol):
    """What the parser reads of a request; a :class:`roob.Request` is one.

    Spelled here because roob/requests.py imports this module to parse its
    body: this module imports nothing of that one (roob/ has no import cycle).
    """

    environ: dict[str, Any]
    max_body_size: int

    @property
    def body(self) -> bytes: ...

    @property
    def content_length(self) -> int | None: ...

    @property
    def is_body_readable(self) -> bool: ...

    def _bounded_read(self) -> Callable[[int], bytes]: ...

    def _too_large(self) -> RequestEntityTooLarge: ...


def media_type(request: FormRequest) -> str:
    """The request's media type as compared: ``Text/Plain ; charset=x`` is ``text/plain``."""
    return str(request.environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()


def parse_form(request: FormRequest) -> tuple[FormFields, FormFiles]:
    """The body's text fields and files; see the module's documentation."""
    content_type = media_type(request)
    if content_type == "application/x-www-form-urlencoded":
        return _parse_urlencoded(request.body), FormFiles()
    if content_type == "multipart/form-data":
        return _parse_multipart(request)
    return FormFields(), FormFiles()


def _parse_urlencoded(body: bytes) -> FormFields:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict",
                          max_num_fields=PART_LIMIT)  # fmt: skip
    except UnicodeDecodeError:
        raise BadRequest("Form body is not valid UTF-8") from None
    except ValueError:
        raise BadRequest(f"Form body has more than {PART_LIMIT} fields") from None
    return FormFields(pairs)


def _parse_multipart(request: FormRequest) -> tuple[FormFields, FormFiles]:
    import multipart  # only applications that receive multipart bodies load it

    environ = request.environ
    boundary = _boundary(environ.get("CONTENT_TYPE", ""))
    if not boundary:
        raise BadRequest("multipart/form-data body without a boundary in its Content-Type")
    limit = request.max_body_size
    length = request.content_length
    if length is not None and length > limit:
        raise request._too_large()  # before a byte is read
    if length is None and not request.is_body_readable:
        return FormFields(), FormFiles()  # no body (a chunked one this server cannot end: 411)
    # The push parser, not multipart.MultipartParser: that one's parts sit in a reference
    # cycle (a part spooled to disk holds a bound method of itself), so the temporary
    # file of a part nothing closed stayed open until the garbage collector ran. Here
    # every file is an UploadedFile made before its first byte is written, none is in a
    # cycle, and all are closed if the body turns out bad.
    parser = multipart.PushMultipartParser(
        boundary, -1 if length is None else length, max_segment_count=PART_LIMIT
    )
    read = request._bounded_read()
    fields, files = FormFields(), FormFiles()
    made: list[UploadedFile] = []
    try:
        _read_parts(parser.parse_blocking(read, _READ_SIZE), fields, files, made)
    except BaseException as exc:  # a bad body, a 413, the client gone: no file outlives it
        for upload in made:
            upload.close()
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRORS:
            raise _cannot_store(exc) from None
        raise
    return fields, files


# The worker cannot keep an upload: out of file descriptors (503, try again: other
# requests hold them) or out of disk (507).
_STORAGE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOSPC, errno.EDQUOT})


def _cannot_store(exc: OSError) -> HTTPError:
    logger.warning("An upload could not be stored in a temporary file: %s", exc)
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return HTTPError(
            503, "The server cannot store the upload now; try again", headers={"Retry-After": "1"}
        )
    return HTTPError(507, "The server has no room to store the upload")


def _read_parts(
    events: Iterator[Any], fields: FormFields, files: FormFiles, made: list[UploadedFile]
) -> None:
    """Fill ``fields`` and ``files`` from the push parser's events; every file made goes
    to ``made`` before its first byte is written."""
    import multipart

    segment: Any = None
    upload: UploadedFile | None = None
    text: list[bytes] = []
    try:
        for event in events:
            if isinstance(event, multipart.MultipartSegment):  # a part's headers
                segment = event
                if segment.filename is None:
                    upload, text = None, []
                elif len(made) == FILE_LIMIT:  # each may hold a file descriptor until the end
                    raise BadRequest(f"The form has more than {FILE_LIMIT} files")
                else:
                    upload = UploadedFile(
                        # Closed by the request when it ends, or below if the body is bad.
                        tempfile.SpooledTemporaryFile(SPOOL_LIMIT),  # noqa: SIM115
                        segment.filename,
                        name=segment.name,
                        content_type=segment.content_type or "application/octet-stream",
                        headers=dict(segment.headerlist),
                        size=0,
                    )
                    made.append(upload)
            elif event is None:  # the end of the part
                if upload is None:
                    fields.add(segment.name, b"".join(text).decode("utf-8"))
                elif upload.filename or upload.size:  # a file input left empty sends neither
                    upload.file.seek(0)
                    files.add(upload.name, upload)
                else:
                    upload.close()
            elif upload is not None:  # a piece of the part's content
                upload.file.write(event)
                upload.size += len(event)
            elif segment.bytes_received > FIELD_LIMIT:  # a text field becomes a str in memory
                raise RequestEntityTooLarge(
                    f"The form field {segment.name!r} is larger than {FIELD_LIMIT} bytes; "
                    "send large content as a file"
                )
            else:
                text.append(event)
    except UnicodeDecodeError:
        raise BadRequest("A multipart form field is not valid UTF-8") from None
    except multipart.MultipartError as exc:
        raise BadRequest(f"Malformed multipart/form-data body: {exc}") from None


def _boundary(content_type: str) -> str:
    import multipart

    _, options = multipart.parse_options_header(content_type)
    return str(options.get("boundary", ""))
