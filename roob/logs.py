"""The ``roob`` logger: readable without any set-up, out of the way once there is one.

Roob logs unhandled exceptions (with the request line and the traceback) and
refused input as warnings on the ``roob`` logger. When the application has
configured no logging of its own (no handler on the root logger or on
``roob``), the records still go somewhere, with a timestamp and a level: to the
server's error log under gunicorn (its ``gunicorn.error`` handlers and
format), to standard error elsewhere. Once the application configures logging
(``logging.basicConfig``, a ``dictConfig``, a handler on ``roob``), the records
go only where it says.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["FORMAT", "logger"]

FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
logger = logging.getLogger("roob")


class _UnlessConfigured(logging.Handler):
    """Emits a ``roob`` record only while no other handler would."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger().handlers or any(h is not self for h in logger.handlers):
            return  # the application's logging has it
        server = logging.getLogger("gunicorn.error")
        if server.handlers:
            server.handle(record)  # its handlers, their levels and format
            return
        sys.stderr.write(self.format(record) + "\n")


logger.addHandler(_UnlessConfigured())
