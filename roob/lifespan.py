"""Startup and shutdown: what a process does before its first request and when it exits.

::

    app = Roob()
    pool = Pool(DATABASE_URL, open=False)

    @app.on_startup
    def open_pool():
        pool.open()

    @app.on_shutdown
    def close_pool():
        pool.close()

Startup and shutdown functions take no argument (a factory's closure holds
what they open). **Startup** runs once in each process that serves the
application, before its first request: under ``gunicorn --preload -w 4`` the
application is built once in the master, and each of the four workers runs
startup after it was forked, so each has a pool of its own and none shares
the master's sockets. Two threads that bring the first requests at once run
it once: the second waits for the first. A server hook may run it earlier,
as the worker boots (deploy/gunicorn.conf.py: :func:`start_process` in
``post_worker_init``), so that the pool is open before traffic arrives.

**Shutdown** runs when a process that ran startup exits normally (through
:mod:`atexit`; a gunicorn worker stopped by ``SIGTERM`` or recycled, a
waitress stopped by ``SIGINT``, the end of a test run) or when
:class:`~roob.testing.TestClient`'s ``with`` block ends: the functions in
the reverse order of their registration, each failure logged without
stopping the others. A process whose startup never ran, or failed, runs no
shutdown.

A **startup that fails** is logged (CRITICAL, the function's name and the
traceback, on the ``roob`` logger) and then:

- called by :meth:`Roob.startup <roob.Roob.startup>` or by the test client:
  the exception propagates;
- run by the first request: the process exits at once with status
  :data:`STARTUP_FAILED` (3) rather than answer with 500s; the request gets
  no answer (the connection closes). gunicorn reads status 3 as a worker
  that failed to boot and stops the whole server ("Worker failed to boot.");
  waitress and any other server exit with it;
- run by :func:`start_process` in a server hook: ``SystemExit(3)``, the same
  boot error, before the worker accepts a connection.

Costs: an application without startup or shutdown functions pays nothing.
One with them is called through a gate (``Roob._first_request``) until its
startup has run in the process, then directly again: the requests after the
first pay nothing either.
"""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

from roob.exceptions import ConfigurationError
from roob.logs import logger

__all__ = ["STARTUP_FAILED", "Lifespan", "lifespan_of", "start_process"]

#: The exit status of a process whose startup failed: gunicorn's "worker failed to
#: boot", on which its master stops rather than fork workers that would fail again.
STARTUP_FAILED = 3

#: How deep :func:`lifespan_of` looks through WSGI middleware wrappers.
_MAX_WRAPPERS = 20

StartupFunction = Callable[[], object]


def _nothing() -> None:
    """The change callback of a Lifespan that no application routes calls through."""


class Lifespan:
    """The startup and shutdown functions of one application, and whether this process
    has run its startup. :class:`~roob.Roob` makes one (``app.lifespan``);
    ``on_change`` is called whenever :attr:`due` may have changed, so that the
    application can route its calls through the startup gate or around it.
    """

    def __init__(self, on_change: Callable[[], None] = _nothing) -> None:
        #: The startup functions, in the order they run.
        self.startup_functions: list[StartupFunction] = []
        #: The shutdown functions, in the order of registration (they run in reverse).
        self.shutdown_functions: list[StartupFunction] = []
        self._on_change = on_change
        # Reentrant, so that a startup function calling the application (a test
        # client request) is an error instead of a deadlock.
        self._lock = threading.RLock()
        self._starting = False
        self._pid: int | None = None  # the process whose startup ran
        _LIFESPANS.add(self)

    @property
    def started(self) -> bool:
        """Whether this process has run startup (and not yet shutdown)."""
        return self._pid == os.getpid()

    @property
    def due(self) -> bool:
        """Whether startup must run before this process serves its next request."""
        return bool(self.startup_functions or self.shutdown_functions) and not self.started

    def add_startup(self, function: StartupFunction) -> None:
        """Run ``function()`` in :meth:`startup`, after the ones added before it."""
        self._check(function, "startup", "on_startup")
        self.startup_functions.append(function)
        self._on_change()

    def add_shutdown(self, function: StartupFunction) -> None:
        """Run ``function()`` in :meth:`shutdown`, before the ones added before it."""
        self._check(function, "shutdown", "on_shutdown")
        self.shutdown_functions.append(function)
        self._on_change()

    def startup(self) -> None:
        """Run the startup functions, unless this process has run them already.

        Idempotent per process, and thread-safe: a second caller waits for the
        first. A function that raises is logged and its exception propagates;
        the process has not started then, and a later call runs every function
        again.
        """
        if self.started or not (self.startup_functions or self.shutdown_functions):
            return
        with self._lock:
            if self.started:  # another thread ran it while this one waited
                return
            if self._starting:
                raise RuntimeError(
                    "the application was called during its own startup (by a startup "
                    "function): it cannot serve a request before its startup has run"
                )
            self._starting = True
            try:
                for function in self.startup_functions:
                    try:
                        function()
                    except Exception:
                        logger.critical(
                            "Startup failed in process %d: the startup function %s raised",
                            os.getpid(),
                            _name(function),
                            exc_info=True,
                        )
                        raise
            finally:
                self._starting = False
            self._pid = os.getpid()
            _STARTED.append(self)
            _shut_down_in_multiprocessing_children()
            self._on_change()

    def shutdown(self) -> None:
        """Run the shutdown functions in the reverse order of their registration, if this
        process has run startup; each failure is logged and the others still run.

        Afterwards the process has not started: a request would run startup again.
        """
        with self._lock:
            if not self.started:
                return
            for function in reversed(self.shutdown_functions):
                try:
                    function()
                except Exception:
                    logger.exception(
                        "Shutdown in process %d: the shutdown function %s failed",
                        os.getpid(),
                        _name(function),
                    )
            self._pid = None
            _STARTED.remove(self)
            self._on_change()

    def start_or_exit(self) -> None:
        """:meth:`startup` for the first request: if it fails, the process exits at once.

        The request may run in any thread of the server, where an exception would
        only be a 500 and ``SystemExit`` is caught (gunicorn's sync worker answers
        it with a 500; a thread just ends): ``os._exit`` is the one way that stops
        the process from there. The logs are flushed first.
        """
        try:
            self.startup()
        except Exception:
            _log_exit()
            logging.shutdown()  # flush every handler: os._exit skips it
            sys.stderr.flush()
            os._exit(STARTUP_FAILED)

    def _check(self, function: Any, kind: str, decorator: str) -> None:
        """Refuse a function startup or shutdown could not run, naming it."""
        if self.started:
            raise ConfigurationError(
                f"@app.{decorator}: the application has run its startup in this process "
                f"already; register {_name(function)} before it serves a request "
                "(where the application is built)"
            )
        if not callable(function):
            raise ConfigurationError(
                f"@app.{decorator}: {function!r} is not callable; register a function "
                f"defined as def open_pool(): ..."
            )
        name = _name(function)
        short = getattr(function, "__name__", "")
        short = short if short.isidentifier() else kind
        called = (function, type(function).__call__)
        if any(inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in called):
            raise ConfigurationError(
                f"the {kind} function {name} is an async def; Roob calls it synchronously "
                f"as {short}(): define it with def"
            )
        if any(inspect.isgeneratorfunction(f) for f in called):
            raise ConfigurationError(
                f"the {kind} function {name} is a generator (it yields); Roob calls it "
                f"once as {short}() and would run none of its body: register what comes "
                "before the yield with @app.on_startup and what comes after with "
                "@app.on_shutdown"
            )
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # a builtin: nothing to read, it will tell when called
            return
        try:
            signature.bind()
        except TypeError as exc:
            raise ConfigurationError(
                f"the {kind} function {name} cannot be called as {short}() ({exc}); "
                f"define it as def {short}(): it takes no argument"
            ) from None

    def __repr__(self) -> str:
        return (
            f"<Lifespan startup={[_name(f) for f in self.startup_functions]} "
            f"shutdown={[_name(f) for f in self.shutdown_functions]} started={self.started}>"
        )


def lifespan_of(app: object) -> Lifespan | None:
    """The :class:`Lifespan` of the Roob application ``app`` is or wraps (through WSGI
    middleware that keeps the application it wraps as ``.app`` or ``.application``,
    as Roob's own middleware do), or None."""
    for _ in range(_MAX_WRAPPERS):
        lifespan = getattr(app, "lifespan", None)
        if isinstance(lifespan, Lifespan):
            return lifespan
        app = getattr(app, "app", None) or getattr(app, "application", None)
        if app is None:
            return None
    return None


def start_process(app: object) -> None:
    """Run the startup of the application ``app`` (is or wraps) in this process now.

    For a server hook that runs as a worker boots, in its main thread, before it
    accepts a connection (gunicorn's ``post_worker_init``, see
    deploy/gunicorn.conf.py). A failing startup is logged and raises
    ``SystemExit(3)`` (:data:`STARTUP_FAILED`): gunicorn sees a worker that failed
    to boot and stops. Anything else than a Roob application is left alone.
    """
    lifespan = lifespan_of(app)
    if lifespan is None:
        return
    try:
        lifespan.startup()
    except Exception:
        _log_exit()
        raise SystemExit(STARTUP_FAILED) from None


def _log_exit() -> None:
    logger.critical(
        "Process %d exits with status %d instead of serving requests: its startup failed",
        os.getpid(),
        STARTUP_FAILED,
    )


def _name(function: object) -> str:
    return getattr(function, "__qualname__", None) or repr(function)


# Every Lifespan, to be reset in a forked child; and the ones started in this process,
# in the order they started, for the shutdown at exit.
_LIFESPANS: weakref.WeakSet[Lifespan] = weakref.WeakSet()
_STARTED: list[Lifespan] = []


def _after_fork_in_child() -> None:
    """In a process just forked: nothing has started here, whatever the parent did.

    The started list is the parent's, and a lock may have been held by one of its
    threads (gone in the child); each application routes its calls through the
    startup gate again, so that its first request here runs startup here.
    """
    _STARTED.clear()
    for lifespan in list(_LIFESPANS):
        lifespan._lock = threading.RLock()
        lifespan._starting = False
        lifespan._on_change()


def _shut_down_all() -> None:
    """At normal exit: the shutdown of every application started here, last started first."""
    for lifespan in reversed(_STARTED[:]):
        lifespan.shutdown()


_finalizer_pid: int | None = None


def _shut_down_in_multiprocessing_children() -> None:
    """In a process that ``multiprocessing`` started (granian's workers), shutdown at its
    normal end too: such a process ends with ``os._exit``, which runs no atexit function,
    after running multiprocessing's own finalizers. Shutdown runs once either way."""
    global _finalizer_pid
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None or _finalizer_pid == os.getpid():
        return
    if multiprocessing.parent_process() is None:  # the main process: atexit is enough
        return
    import multiprocessing.util

    multiprocessing.util.Finalize(None, _shut_down_all, exitpriority=0)
    _finalizer_pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork_in_child)
# Registered after logging's own exit handler (logging is imported above), so it runs
# before it: the shutdown functions may still log.
atexit.register(_shut_down_all)
