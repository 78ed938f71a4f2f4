"""A file sent from a view: ``FileResponse``, with its validators, ranges and name.

::

    @app.get("/invoices/{number:int}.pdf")
    def invoice(request, number):
        return FileResponse(f"invoices/{number}.pdf", filename=f"invoice-{number}.pdf")

The answer has the file's ``Content-Type`` (guessed from its name), its
``Content-Length``, a ``Last-Modified`` and a strong ``ETag`` made from its
inode, size and modification time (as nginx and Starlette make theirs),
``Accept-Ranges: bytes`` and ``Cache-Control: no-cache`` (a cache keeps it,
and asks whether it changed before using it: a 304 when it did not).

GET and HEAD requests are answered by the rules of roob/conditional.py, in
the order RFC 9110 (13.2.2) gives: ``If-Match`` / ``If-Unmodified-Since``
that fail are a 412, ``If-None-Match`` / ``If-Modified-Since`` that hold a
304, then a GET's ``Range`` is served: one range is a 206 with its
``Content-Range``; a range that starts past the end (or ``bytes=-0``) a 416
with ``Content-Range: bytes */<size>``. A ``Range`` of several ranges, one
that is not valid (``bytes=5-2``), of another unit, or whose ``If-Range``
does not name the file as it is now, gets the whole file with a 200: RFC
9110 (14.2) lets a server ignore a ``Range``, every client takes the whole
file, and Roob's static files (WhiteNoise) do the same. Several ranges
would need a ``multipart/byteranges`` body, which clients other than old
PDF readers never ask for and which is the shape of a denial of service
(many small or overlapping ranges, CVE-2011-3192).

A file that does not exist, or is not a regular file (a folder, a FIFO, a
device), is a :class:`~roob.NotFound` (404) raised where the response is
made. With ``directory=``, ``path`` is read inside that folder and may not
leave it (``..``, an absolute path): what a client may name safely.

The body is read in blocks of 64 KiB as the server sends it, and the file
is closed when the server closes the body (the client may leave early).
A file cut shorter while it is sent ends the answer there, logged, and the
server aborts the connection so that the client cannot take it for whole.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import mimetypes
import os
import re
import stat
import time
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from roob._types import Headers, StartResponse
from roob.conditional import (
    check_precondition_of,
    etag_of,
    if_range_holds,
    is_not_modified,
    not_modified_response,
)
from roob.exceptions import NotFound, RangeNotSatisfiable
from roob.responses import Response, _header_items

__all__ = ["BLOCK_SIZE", "FileResponse", "byte_range", "content_disposition"]

#: How many bytes of the file are read, and handed to the server, at a time.
BLOCK_SIZE = 64 * 1024

# A compressed file is sent as the file it is (a .tar.gz downloads as a .tar.gz): as a
# Content-Encoding, a browser would unpack it and save the tar under the .gz name.
_COMPRESSED_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
}
# One range-spec of RFC 9110 (14.1.1): int-range or suffix-range, digits only.
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
# RFC 8187 attr-char: what a filename* value keeps unencoded (as Werkzeug's send_file).
_ATTR_CHARS = "!#$&+-.^_`|~"
# What the quoted filename= of an old client may not hold: quotes, backslashes, controls.
_NOT_QUOTABLE = re.compile(r'["\\\x00-\x1f\x7f]')
_NOT_FOUND = "The file was not found"


class FileResponse(Response):
    """The file at ``path``, sent in blocks (see the module for what is answered).

    :param path: the file; with ``directory``, a path relative to it that may
        not leave it (a client's ``..`` or absolute path is a 404).
    :param content_type: the ``Content-Type``; by default guessed from
        ``filename`` or ``path`` (text types in UTF-8), else
        ``application/octet-stream``.
    :param filename: the name a browser saves it under: ``Content-Disposition:
        attachment`` with that name, also in RFC 8187 form (``filename*``)
        when it is not plain ASCII.
    :param inline: with ``filename``, shown in the browser rather than saved
        (``Content-Disposition: inline``).
    :param headers: more headers; one the response sets itself
        (``Cache-Control``, ``ETag``...) is replaced, except ``Content-Length``.
    :raises NotFound: the file does not exist, or is not a regular file.
    """

    block_size = BLOCK_SIZE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        content_type: str | None = None,
        filename: str | None = None,
        inline: bool = False,
        directory: str | os.PathLike[str] | None = None,
        headers: Headers | None = None,
    ) -> None:
        full = _inside(directory, path) if directory is not None else os.fspath(path)
        status = _stat(full)
        self.path = full
        self._stat = status
        self._status = "200 OK"
        self._headerlist = _own_headers(
            status,
            content_type or _guessed_type(filename or full),
            None if filename is None else content_disposition(filename, inline=inline),
        )
        if headers:
            self._replace_headers(_header_items(headers))
        self._body = _FileBody(full, 0, status.st_size, self.block_size)
        self._app_iter = self._body  # type: ignore[assignment]  # WebOb takes any iterable

    def _replace_headers(self, items: list[tuple[str, str]]) -> None:
        given = {name.lower() for name, _ in items} - {"content-length"}
        self._headerlist = [
            *(item for item in self._headerlist if item[0].lower() not in given),
            *(item for item in items if item[0].lower() != "content-length"),
        ]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Send the file, its range, a 304, or raise the 412/416 for the application's
        exception handlers (see the module)."""
        body: Any = self._app_iter
        if body is not self._body:  # a body set on the response replaced the file's
            return super().__call__(environ, start_response)
        method = environ["REQUEST_METHOD"]
        file = None if method == "HEAD" else self._body.open()
        try:
            if file is not None:
                self._follow(os.fstat(file.fileno()))
            status, headers = self._status, self._headerlist
            start, stop = 0, self._stat.st_size
            if status == "200 OK" and method in ("GET", "HEAD"):
                check_precondition_of(environ, headers)  # 412
                if is_not_modified(environ, headers):
                    if file is not None:
                        file.close()
                    return not_modified_response(environ, headers)(environ, start_response)
                if method == "GET" and "HTTP_RANGE" in environ and if_range_holds(environ, headers):
                    part = byte_range(environ["HTTP_RANGE"], stop)
                    if part is not None:
                        status, headers, (start, stop) = "206 Partial Content", [
                            *(item for item in headers if item[0].lower() != "content-length"),
                            ("Content-Length", str(part[1] - part[0])),
                            ("Content-Range", f"bytes {part[0]}-{part[1] - 1}/{stop}"),
                        ], part  # fmt: skip
            start_response(status, headers)
        except BaseException:
            if file is not None:
                file.close()
            raise
        if file is None:
            return []
        return _FileBody(self.path, start, stop, self.block_size, file)

    def _follow(self, now: os.stat_result) -> None:
        """The file may have changed since the response was made: its headers follow
        what is opened, so that its validators never name other bytes."""
        before = self._stat
        if (now.st_ino, now.st_size, now.st_mtime_ns) == (
            before.st_ino,
            before.st_size,
            before.st_mtime_ns,
        ):
            return
        old = dict(_validators(before))
        new = dict(_validators(now))
        self._headerlist[:] = [  # in place: WebOb's response.headers is a view of it
            (name, new.get(name, value) if old.get(name) == value else value)
            for name, value in self._headerlist
        ]
        self._stat = now


def _inside(directory: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` in ``directory``, or NotFound if it would leave it (as Werkzeug's
    ``safe_join``: an absolute path, a ``..`` segment, a NUL, a backslash)."""
    relative = os.fspath(path)
    normal = os.path.normpath(relative)
    if (
        not relative
        or os.path.isabs(relative)
        or "\\" in relative
        or "\0" in relative
        or normal == ".."
        or normal.startswith("../")
    ):
        raise NotFound(_NOT_FOUND)
    return os.path.join(os.fspath(directory), normal)


def _stat(path: str) -> os.stat_result:
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL
        raise NotFound(_NOT_FOUND) from None
    except OSError as exc:  # a name too long, a symlink loop: nothing the client can have
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            raise NotFound(_NOT_FOUND) from None
        raise  # a permission refused: the server's to fix, a 500 that is logged
    if not stat.S_ISREG(status.st_mode):  # a folder, or a FIFO whose reading would block
        raise NotFound(_NOT_FOUND)
    return status


def _guessed_type(name: str) -> str:
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _COMPRESSED_TYPES.get(encoding, "application/octet-stream")
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _validators(status: os.stat_result) -> list[tuple[str, str]]:
    """``Content-Length``, ``Last-Modified`` and ``ETag`` of a file as ``status`` says."""
    items = [("Content-Length", str(status.st_size))]
    # RFC 9110 8.8.2.1: a modification time in the future is sent as the present.
    modified = min(status.st_mtime, time.time())
    with contextlib.suppress(ValueError, OverflowError, OSError):  # before year 1: no date
        items.append(("Last-Modified", email.utils.formatdate(modified, usegmt=True)))
    identity = f"{status.st_ino}:{status.st_size}:{status.st_mtime_ns}"
    items.append(("ETag", f'"{etag_of(identity)}"'))
    return items


def _own_headers(
    status: os.stat_result, content_type: str, disposition: str | None
) -> list[tuple[str, str]]:
    headers = [("Content-Type", content_type), *_validators(status)]
    headers += [("Accept-Ranges", "bytes"), ("Cache-Control", "no-cache")]
    if disposition is not None:
        headers.append(("Content-Disposition", disposition))
    return headers


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="..."`` (or ``inline``) for ``filename``, with the RFC 8187
    ``filename*`` of its UTF-8 when it is not plain printable ASCII (RFC 6266, 4.3).

    The ``filename`` every client reads is an ASCII stand-in: accents dropped
    (NFKD, as Werkzeug), and quotes, backslashes and control characters
    replaced by ``_``, so that no name can end the value or split the header.
    """
    kind = "inline" if inline else "attachment"
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    plain = _NOT_QUOTABLE.sub("_", plain)
    if plain == filename:
        return f'{kind}; filename="{plain}"'
    encoded = quote(filename.encode("utf-8", "replace"), safe=_ATTR_CHARS)
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{encoded}"


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The ``(start, stop)`` of the one byte range ``header`` (a ``Range`` value) asks
    of ``size`` bytes, or None to send them all; :class:`RangeNotSatisfiable` when it
    starts past the end.

    None: a unit other than ``bytes``, a value that is not a range-set, one
    range-spec that is not valid (``bytes=5-2``, ``bytes=1.5-``), several
    range-specs, or an empty file (RFC 9110, 14.2: a server may ignore a
    ``Range``; for an empty file Werkzeug does the same).
    """
    unit, equals, specs = header.partition("=")
    if not equals or unit.strip(" \t").lower() != "bytes" or size == 0:
        return None
    ranges = [spec for spec in (part.strip(" \t") for part in specs.split(",")) if spec]
    if len(ranges) != 1:
        return None
    found = _RANGE_SPEC.fullmatch(ranges[0])
    if found is None or found[0] == "-":
        return None
    first, last = found[1], found[2]
    if not first:  # the last N bytes
        length = _number(last)
        if length == 0:  # bytes=-0 asks for nothing
            raise _unsatisfiable(size)
        return max(size - length, 0), size
    start = _number(first)
    if last and _number(last) < start:
        return None  # not a valid range-spec (14.1.1): ignored
    if start >= size:
        raise _unsatisfiable(size)
    return start, size if not last else min(_number(last) + 1, size)


def _number(digits: str) -> int:
    """``digits`` as an int; past 19 digits, more than any file holds (int() refuses
    strings of more than 4300 digits, and the client chooses them)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 19 else 1 << 64


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        "The range asked starts past the end of the file",
        headers=[("Content-Range", f"bytes */{size}")],
    )


class _FileBody:
    """Bytes ``start`` to ``stop`` of the file at ``path``, a block at a time; ``file``
    is opened on the first iteration unless given, and closed by ``close()``."""

    __slots__ = ("block_size", "file", "path", "start", "stop")

    def __init__(
        self, path: str, start: int, stop: int, block_size: int, file: BinaryIO | None = None
    ) -> None:
        self.path, self.start, self.stop, self.block_size = path, start, stop, block_size
        self.file = file

    def open(self) -> BinaryIO:
        """The file, opened: NotFound if it went away since the response was made."""
        try:
            return open(self.path, "rb", buffering=0)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(_NOT_FOUND) from None

    def __iter__(self) -> Iterator[bytes]:
        if self.file is None:
            self.file = self.open()
        file, remaining = self.file, self.stop - self.start
        if self.start:
            file.seek(self.start)
        while remaining > 0:
            block = file.read(min(self.block_size, remaining))
            if not block:
                raise OSError(
                    f"{self.path} is {remaining} bytes shorter than the Content-Length sent: "
                    "it changed while it was sent"
                )
            remaining -= len(block)
            yield block

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
