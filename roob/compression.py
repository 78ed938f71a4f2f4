"""Response compression: :class:`GZipMiddleware`.

::

    app.add_middleware(GZipMiddleware, minimum_size=500)

A response is compressed when the client accepts an encoding Roob can give
(``br`` with the ``brotli`` package installed, ``zstd`` with ``zstandard``, and
``gzip`` always), its type is one that compresses (text, JSON, JavaScript, XML,
SVG), and it is at least ``minimum_size`` bytes. Left as they are: responses
that are small, already encoded, partial (206, or a ``Range`` request),
without a body (HEAD, 204, 304), and event streams (``text/event-stream``,
whose events must not wait in a compressor). A body of unknown length is
compressed as it streams (gzip). Every response of a compressible type says
``Vary: Accept-Encoding``, and an ``ETag`` becomes weak once the body is
compressed (it no longer names these exact bytes).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob._types import StartResponse, WSGIApp
from roob.responses import add_vary

__all__ = ["COMPRESSIBLE_TYPES", "GZipMiddleware"]

#: Media types worth compressing (a ``text/`` type always is).
COMPRESSIBLE_TYPES = frozenset({
    "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
    "application/rss+xml", "application/atom+xml", "application/ld+json",
    "application/problem+json", "application/wasm", "image/svg+xml",
})  # fmt: skip
_NO_BODY = ("1", "204", "304")


def _encoders() -> dict[str, Callable[[bytes], bytes]]:
    """The encodings this installation can give, preferred first."""
    found: dict[str, Callable[[bytes], bytes]] = {}
    try:
        import brotli

        found["br"] = brotli.compress
    except ImportError:
        pass
    try:
        import zstandard

        found["zstd"] = zstandard.ZstdCompressor().compress
    except ImportError:
        pass
    found["gzip"] = lambda data: gzip.compress(data, compresslevel=6, mtime=0)
    return found


def _accepted(header: str) -> set[str]:
    """The codings an ``Accept-Encoding`` header accepts (q above 0)."""
    accepted = set()
    for item in header.lower().split(","):
        coding, _, params = item.strip().partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            if float(quality) > 0:
                accepted.add(coding.strip())
        except ValueError:
            continue
    if "*" in accepted:
        accepted |= {"br", "zstd", "gzip"}
    return accepted


class GZipMiddleware:
    """Compress the responses of ``app`` for clients that accept it (see the module)."""

    def __init__(self, app: WSGIApp, *, minimum_size: int = 500) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.encoders = _encoders()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        accepted = _accepted(environ.get("HTTP_ACCEPT_ENCODING", ""))
        encoding = next((name for name in self.encoders if name in accepted), None)
        skip = environ.get("REQUEST_METHOD") == "HEAD" or "HTTP_RANGE" in environ
        held: list[Any] = []
        written: list[bytes] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            held[:] = [status, headers, exc_info]  # nothing is sent before the app is done
            return written.append  # the legacy write(): kept, and sent with the body

        body = self.app(environ, hold)
        if not held:  # start_response comes with the first chunk (a held streamed body)
            chunks = iter(body)
            for chunk in chunks:
                written.append(chunk)
                if held:
                    break
            body = _Chained([], chunks, closing=body)
            if not held:
                return _chain(written, body)  # no response started: the server's to refuse
        status, headers, exc_info = held
        plan = self._plan(status, headers, None if skip else encoding)
        if plan is None:
            start_response(status, _with_vary(headers), exc_info)
            return _chain(written, body)
        if _length(headers) is not None or isinstance(body, list | tuple):
            try:
                data = b"".join([*written, *body])
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            if len(data) < self.minimum_size:
                start_response(status, _with_vary(headers), exc_info)
                return [data]
            packed = self.encoders[plan](data)
            start_response(status, _encoded(headers, plan, len(packed)), exc_info)
            return [packed]
        # A body of unknown length, streamed: gzip as it comes.
        start_response(status, _encoded(headers, "gzip", None), exc_info)
        return _GzipStream(_chain(written, body))

    def _plan(self, status: str, headers: list[tuple[str, str]], encoding: str | None) -> Any:
        """The encoding to give this response, or None to leave it as it is."""
        if status[:3].startswith(_NO_BODY) or status.startswith("206"):
            return None
        media, encoded = "", False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                media = value.split(";", 1)[0].strip().lower()
            elif lowered == "content-encoding":
                encoded = True
        if encoded or media == "text/event-stream" or not _compressible(media):
            return None
        length = _length(headers)
        if length is not None and length < self.minimum_size:
            return None
        return encoding


def _compressible(media: str) -> bool:
    return media.startswith("text/") or media in COMPRESSIBLE_TYPES or media.endswith("+json")


def _length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length" and value.isdigit():
            return int(value)
    return None


def _with_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with ``Vary: Accept-Encoding`` when their type could be compressed."""
    media = next((v for k, v in headers if k.lower() == "content-type"), "")
    if not _compressible(media.split(";", 1)[0].strip().lower()):
        return headers
    return add_vary(headers, "Accept-Encoding")


def _encoded(
    headers: list[tuple[str, str]], encoding: str, length: int | None
) -> list[tuple[str, str]]:
    out = []
    for name, value in _with_vary(headers):
        lowered = name.lower()
        if lowered == "content-length":
            continue
        if lowered == "etag" and not value.startswith("W/"):
            value = "W/" + value  # these bytes are not the ones the tag named
        out.append((name, value))
    out.append(("Content-Encoding", encoding))
    if length is not None:
        out.append(("Content-Length", str(length)))
    return out


def _chain(first: list[bytes], body: Iterable[bytes]) -> Iterable[bytes]:
    """The chunks written with the legacy ``write()``, then ``body`` (closed with it)."""
    if not first:
        return body
    return _Chained(first, body)


class _Chained:
    """``first``, then ``body``; ``close()`` closes ``closing`` (``body`` by default)."""

    def __init__(
        self, first: list[bytes], body: Iterable[bytes], closing: Iterable[bytes] | None = None
    ) -> None:
        self.first, self.body = first, body
        self.closing = body if closing is None else closing

    def __iter__(self) -> Iterator[bytes]:
        yield from self.first
        yield from self.body

    def close(self) -> None:
        close = getattr(self.closing, "close", None)
        if close is not None:
            close()


class _GzipStream(_Chained):
    """A body gzipped chunk by chunk, each flushed so that nothing waits."""

    def __init__(self, body: Iterable[bytes]) -> None:
        super().__init__([], body)

    def __iter__(self) -> Iterator[bytes]:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
        for chunk in self.body:
            if chunk:
                yield compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
        yield compressor.flush()
