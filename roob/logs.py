"""The ``roob`` logger: readable without any set-up, out of the way once there is one.

Roob logs unhandled exceptions (with the request line and the traceback) and
refused input as warnings on the ``roob`` logger. When the application has
configured no logging of its own (no handler on the root logger or on
``roob``), the records still go somewhere, with a timestamp and a level: to the
server's error log under gunicorn (its ``gunicorn.error`` handlers and
format), to standard error elsewhere. Once the application configures logging
(``logging.basicConfig``, a ``dictConfig``, a handler on ``roob``), the records
go only where it says.

With :class:`~roob.RequestIDMiddleware`, every record Roob writes while it
serves a request carries that request's id as ``record.request_id`` (None
outside a request): use ``%(request_id)s`` in a format, or add a
:class:`RequestIDFilter` to a handler to give the application's own records
the same attribute. The output used when nothing is configured shows it as
``[request_id=...]`` before the message.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

__all__ = ["FORMAT", "REQUEST_ID", "RequestIDFilter", "logger"]

FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
logger = logging.getLogger("roob")

#: The id of the request being served, set by :class:`~roob.RequestIDMiddleware`
#: while the application runs and while its body is produced; None outside.
REQUEST_ID: ContextVar[str | None] = ContextVar("roob.request_id", default=None)


class RequestIDFilter(logging.Filter):
    """Puts ``request_id`` on every record it sees: the id of the request being
    served (:data:`REQUEST_ID`), None outside a request. The ``roob`` logger has
    one; add one to a handler (``handler.addFilter(RequestIDFilter())``) and the
    application's own records get the attribute too."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record already given one keeps it: a handler that runs in another thread
        # (a QueueHandler's listener) must not read that thread's context instead.
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class _UnlessConfigured(logging.Handler):
    """Emits a ``roob`` record only while no other handler would."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger().handlers or any(h is not self for h in logger.handlers):
            return  # the application's logging has it
        request_id = getattr(record, "request_id", None)
        if request_id is not None:  # shown in any format, the server's included
            record = logging.makeLogRecord(record.__dict__)
            record.msg, record.args = f"[request_id={request_id}] {record.getMessage()}", None
        server = logging.getLogger("gunicorn.error")
        if server.handlers:
            server.handle(record)  # its handlers, their levels and format
            return
        sys.stderr.write(self.format(record) + "\n")


def _install() -> None:
    """Put the filter and the handler on ``logger``, in place of the ones an earlier run
    of this module put there: a tool that imports and then forgets modules (coverage
    finding a source package) runs it twice, and the first filter would read a
    ``REQUEST_ID`` nothing sets any more, the first handler silence the second."""
    ours = {RequestIDFilter.__qualname__, _UnlessConfigured.__qualname__}
    for old in [*logger.filters, *logger.handlers]:
        if type(old).__module__ == __name__ and type(old).__qualname__ in ours:
            logger.removeFilter(old)
            logger.removeHandler(old)  # type: ignore[arg-type]
    logger.addFilter(RequestIDFilter())
    logger.addHandler(_UnlessConfigured())


_install()
