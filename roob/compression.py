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
compressed as it streams, in gzip, for a client that accepts gzip (others get
it as it is). Every response of a compressible type says ``Vary:
Accept-Encoding``, and an ``ETag`` becomes weak once the body is compressed
(it no longer names these exact bytes).

A 304 has no body and no type, but it must say what the 200 it replaces
would have said (RFC 9110, 15.4.5): a 304 made by Roob (conditional views,
static files) leaves that 200's headers in the environ
(:data:`~roob.conditional.REPLACED_HEADERS_KEY`), and the middleware adds
``Vary: Accept-Encoding`` to the 304, and makes its ETag weak, exactly when it
would have done so to the 200.

``Accept-Encoding`` is read as RFC 9110 (12.5.3) says: codings are named in
any case, ``q=0`` refuses one, ``*`` stands only for the codings not named,
and the highest weight wins (ties go to ``br``, then ``zstd``, then
``gzip``). A weight that is not a valid qvalue refuses its coding.
"""

from __future__ import annotations

import functools
import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from roob._types import StartResponse, WSGIApp
from roob.conditional import REPLACED_HEADERS_KEY
from roob.responses import add_vary

__all__ = ["COMPRESSIBLE_TYPES", "GZipMiddleware", "accepted_codings"]

#: Media types worth compressing (a ``text/`` type always is).
COMPRESSIBLE_TYPES = frozenset({
    "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
    "application/rss+xml", "application/atom+xml", "application/ld+json",
    "application/problem+json", "application/wasm", "image/svg+xml",
})  # fmt: skip
_NO_BODY = ("1", "204", "304")
# A qvalue (RFC 9110, 12.4.2): 0 to 1 with at most three decimals; not ".5", "1.5", "5".
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


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


@functools.lru_cache(maxsize=64)  # a few distinct headers make most requests' traffic
def accepted_codings(header: str, codings: tuple[str, ...]) -> tuple[str, ...]:
    """The ``codings`` an ``Accept-Encoding`` value accepts, the client's preferred first
    (ties in the order of ``codings``).

    A coding named with ``q=0`` is refused, whatever ``*`` says; ``*`` gives its
    weight to the codings the value does not name; ``x-gzip`` is ``gzip``.
    """
    weights: dict[str, float] = {}
    for element in header.split(","):
        coding, *params = element.split(";")
        coding = coding.strip(" \t").lower()
        if not coding:
            continue  # an empty list element
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip(" \t").lower() == "q":
                value = value.strip(" \t")
                weight = float(value) if _QVALUE.fullmatch(value) else 0.0
        coding = "gzip" if coding == "x-gzip" else coding
        weights[coding] = min(weight, weights.get(coding, weight))  # a refusal wins
    rest = weights.get("*", 0.0)
    ranked = sorted(
        (-weights.get(coding, rest), position, coding) for position, coding in enumerate(codings)
    )
    return tuple(coding for weight, _, coding in ranked if weight < 0)


class GZipMiddleware:
    """Compress the responses of ``app`` for clients that accept it (see the module)."""

    def __init__(self, app: WSGIApp, *, minimum_size: int = 500) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.encoders = _encoders()
        self._codings = tuple(self.encoders)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        accepted = accepted_codings(environ.get("HTTP_ACCEPT_ENCODING", ""), self._codings)
        encoding = accepted[0] if accepted else None
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
        if status.startswith("304") and REPLACED_HEADERS_KEY in environ:
            replaced = environ[REPLACED_HEADERS_KEY]
            headers = self._not_modified(headers, replaced, None if skip else encoding)
            start_response(status, headers, exc_info)
            return _chain(written, body)
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
        # A body of unknown length, streamed: gzip as it comes, for a client that takes
        # gzip (one that takes only br or zstd gets it as it is).
        if "gzip" not in accepted:
            start_response(status, _with_vary(headers), exc_info)
            return _chain(written, body)
        start_response(status, _encoded(headers, "gzip", None), exc_info)
        return _GzipStream(_chain(written, body))

    def _not_modified(
        self,
        headers: list[tuple[str, str]],
        replaced: list[tuple[str, str]],
        encoding: str | None,
    ) -> list[tuple[str, str]]:
        """The headers of a 304 that replaces a 200 with ``replaced``: the Vary and the
        weak ETag that 200 would have been given here."""
        if self._plan("200 OK", replaced, encoding) is not None:
            headers = _weak_etag(headers)
        return _with_vary(headers, media=_media_type(replaced))

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


def _media_type(headers: list[tuple[str, str]]) -> str:
    media = next((v for k, v in headers if k.lower() == "content-type"), "")
    return media.split(";", 1)[0].strip().lower()


def _with_vary(headers: list[tuple[str, str]], media: str | None = None) -> list[tuple[str, str]]:
    """``headers`` with ``Vary: Accept-Encoding`` when their type (or ``media``, the
    type of the 200 a 304 replaces) could be compressed."""
    if not _compressible(_media_type(headers) if media is None else media):
        return headers
    return add_vary(headers, "Accept-Encoding")


def _encoded(
    headers: list[tuple[str, str]], encoding: str, length: int | None
) -> list[tuple[str, str]]:
    out = [(name, value) for name, value in _weak_etag(_with_vary(headers))
           if name.lower() != "content-length"]  # fmt: skip
    out.append(("Content-Encoding", encoding))
    if length is not None:
        out.append(("Content-Length", str(length)))
    return out


def _weak_etag(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with their ETag weak: compressed bytes are not the ones it named."""
    return [
        (name, "W/" + value)
        if name.lower() == "etag" and not value.startswith("W/")
        else (name, value)
        for name, value in headers
    ]


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
