"""The request's life: its context, the listeners that see its errors, and its end.

::

    from roob import Roob, current_request

    app = Roob()

    @app.on_exception
    def record(request, exc):
        tracer_span(request).record_exception(exc)    # every exception, handled or not

    @app.teardown_request
    def close_session(request, exc):                  # once per request, after the answer
        session = request.environ.pop("db", None)
        if session is not None:
            (session.rollback if exc else session.commit)()
            session.close()

One owner: :meth:`Roob._dispatch <roob.Roob>` (roob/app.py) runs each
request's life with the pieces of this module.

1. **Context.** The request becomes the current request (:data:`REQUEST`, a
   :class:`contextvars.ContextVar`) until dispatch returns: the view, the hooks,
   the exception handlers, templates, ``app.url_for``, ``redirect_to`` and
   :func:`current_request` find it, and so does a thread whose function runs in
   ``contextvars.copy_context().run(...)``.
2. **Route.** The matched :class:`~roob.Route` goes into the environ under
   :data:`ROUTE_KEY` (``request.route``): None for a 404; for a 405 a route of
   the path (another method's).
3. **Errors.** An exception raised by a view, a hook, an exception handler or a
   streamed body goes to the ``on_exception`` listeners (:func:`notify`), the
   route's routers' innermost first and then the application's, before its
   handler makes the answer. A 404 or 405 that routing raised is not one: no
   application code raised it.
4. **End.** A body in a list is finished when dispatch returns, and the
   request ends then. A streamed body is wrapped once, in :class:`StreamedBody`:
   each chunk is produced inside a copy of the request's context (as Flask's
   ``stream_with_context``, without being asked), an exception it raises goes to
   the listeners, and its ``close()``, which the server calls whatever happened
   (sent whole, broken, the client gone), ends the request. Ending
   (:func:`end_request`) runs the code after the ``yield`` of the generator
   dependencies (roob/dependencies.py, :func:`finish_at_end`), the last entered
   first, with the exception that made the answer an error thrown in, closes
   the uploaded files and calls each ``teardown_request`` function once, the
   route's routers' innermost first and then the application's, with ``exc``
   the exception that made the answer an error (None otherwise, also when the
   client left).

Listeners, teardown functions and generator dependencies that raise are logged
on the ``roob`` logger, and the others still run. An application that registers
none pays nothing for them: the plain path pays the ContextVar's ``set`` and
``reset``, one store in the environ and one key test (``roob.requests.ENDS_KEY``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from roob._types import ExceptionListener, TeardownFunction
from roob.logs import logger
from roob.requests import ENDS_KEY, ROUTE_KEY, UPLOADS_KEY

if TYPE_CHECKING:
    from roob.requests import Request

__all__ = [
    "EXITS_KEY",
    "REQUEST",
    "ROUTE_KEY",
    "StreamedBody",
    "current_request",
    "end_request",
    "finish_at_end",
    "notify",
    "reset_request",
    "set_request",
]

#: The request being served in this context; None outside a request.
REQUEST: contextvars.ContextVar[Request | None] = contextvars.ContextVar(
    "roob.request", default=None
)
# For speed: REQUEST.set and REQUEST.reset bound once (each call of the attribute binds a
# new method object); dispatch calls them for every request.
set_request = REQUEST.set
reset_request = REQUEST.reset
#: The environ key of the request's entered generator dependencies (roob/dependencies.py),
#: in the order they were entered; absent for a request that entered none.
EXITS_KEY = "roob.exits"


def current_request() -> Request | None:
    """The request being served, or None outside a request.

    Set for the view, the hooks, the exception handlers, templates and the
    ``teardown_request`` functions, and for each chunk of a streamed body. A
    thread sees it when its function runs in a copy of the request's context::

        context = contextvars.copy_context()
        pool.submit(context.run, build_report, report_id)
    """
    return REQUEST.get()


def notify(listeners: Sequence[ExceptionListener], request: Request, exc: Exception) -> None:
    """Give ``exc`` to each ``on_exception`` listener; one that raises is logged."""
    for listener in listeners:
        try:
            listener(request, exc)
        except Exception:
            logger.exception("The on_exception listener %r failed on %r", listener, exc)


def finish_at_end(request: Request, generator: Generator[Any, Any, Any]) -> None:
    """Run the code after the ``yield`` of ``generator`` (a generator dependency's, which
    has yielded its value) when ``request`` ends (:func:`end_request`)."""
    environ = request.environ
    exits = environ.get(EXITS_KEY)
    if exits is None:
        exits = environ[EXITS_KEY] = []
        environ[ENDS_KEY] = True
    exits.append(generator)


def _name(generator: Generator[Any, Any, Any]) -> str:
    return getattr(generator, "__qualname__", None) or repr(generator)


def _finish(generator: Generator[Any, Any, Any], exc: BaseException | None) -> None:
    """Run the rest of ``generator``: ``exc`` thrown in at its ``yield``, if any. Raising
    ``exc`` again is what a ``try``/``finally`` (or an ``except`` that re-raises) does,
    not a failure; another exception, or a second ``yield``, is logged."""
    try:
        if exc is None:
            next(generator)
        else:
            generator.throw(exc)
    except StopIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return
        if not isinstance(raised, Exception):  # a worker's timeout, Ctrl-C: not ours to log
            raise
        logger.exception("The generator dependency %s failed", _name(generator))
        return
    generator.close()
    logger.error(
        "The generator dependency %s yielded twice; a dependency yields its value once",
        _name(generator),
    )


def end_request(
    request: Request, exc: BaseException | None, teardowns: Sequence[TeardownFunction]
) -> None:
    """End ``request``: finish its generator dependencies, the last entered first, close
    its uploaded files, then call each teardown function once as ``teardown(request,
    exc)``; one that raises is logged, the others still run."""
    exits = request.environ.pop(EXITS_KEY, None)
    if exits is not None:
        for generator in reversed(exits):
            _finish(generator, exc)
    if UPLOADS_KEY in request.environ:
        try:
            request.close()
        except Exception:  # the disk went away under a temporary file: the teardowns still run
            logger.exception("Closing the uploaded files of the request failed")
    for teardown in teardowns:
        try:
            teardown(request, exc)
        except Exception:
            logger.exception("The teardown_request function %r failed", teardown)


class StreamedBody:
    """A streamed answer's body, produced inside the request's context; its ``close()``
    ends the request (:func:`end_request`), once.

    ``error`` is the exception that made the answer an error (an exception
    handler's streamed answer; a body that broke before its first byte), or
    None; one the body raises while it is sent replaces it, after going to
    ``listeners``.
    """

    __slots__ = ("body", "chunks", "context", "error", "listeners", "request", "teardowns")

    def __init__(
        self,
        body: Iterable[bytes],
        request: Request,
        context: contextvars.Context,
        listeners: Sequence[ExceptionListener],
        teardowns: Sequence[TeardownFunction],
        error: BaseException | None = None,
    ) -> None:
        self.body = body
        self.chunks: Iterator[bytes] | None = None
        self.request = request
        self.context = context
        self.listeners = listeners
        self.teardowns: Sequence[TeardownFunction] | None = teardowns
        self.error = error

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunks = self.chunks
        if chunks is None:
            chunks = self.chunks = self.context.run(iter, self.body)
        try:
            chunk: bytes = self.context.run(next, chunks)
        except StopIteration:
            raise
        except Exception as exc:  # the answer is cut short: the server aborts the connection
            self.error = exc
            if self.listeners:
                self.context.run(notify, self.listeners, self.request, exc)
            raise
        return chunk

    def close(self) -> None:
        """Close the body, then end the request (the server calls it once it is done
        with the body, PEP 3333; a second call does nothing)."""
        teardowns = self.teardowns
        if teardowns is None:
            return
        self.teardowns = None
        self.context.run(self._close, teardowns)

    def _close(self, teardowns: Sequence[TeardownFunction]) -> None:
        try:
            close: Any = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            end_request(self.request, self.error, teardowns)
