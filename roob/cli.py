"""The ``roob`` command.

``roob run MODULE:APP``
    Serve an application with gunicorn, set up for development: 127.0.0.1:8000,
    one worker, reloading when the code changes. ``--host``, ``--port``,
    ``--workers`` and ``--no-reload`` change that; ``MODULE:factory()`` calls an
    application factory. For production, run gunicorn with a config file.

``roob routes MODULE:APP``
    Print every route: its methods, its full pattern (router prefixes
    included), its name for ``url_for`` and the view that serves it. With
    ``--source``, the Python source of the search function the route table
    generated instead (to see why a path goes where it goes).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import roob
from roob.app import Roob

__all__ = ["build_parser", "gunicorn_argv", "load_app", "main", "print_routes"]


def load_app(target: str) -> Any:
    """Import ``module:attribute`` (or ``module:factory()``) and return it."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"roob: expected MODULE:APP, got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the target itself: a module the app imports that is missing keeps its traceback.
        if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
            raise
        raise SystemExit(f"roob: no module named {exc.name!r} (from {target!r})") from None
    call = attribute.endswith("()")
    try:
        app = getattr(module, attribute.removesuffix("()"))
    except AttributeError:
        raise SystemExit(f"roob: module {module_name!r} has no {attribute!r}") from None
    return app() if call else app


def _find_roob(app: Any) -> Roob:
    """The Roob application inside ``app``, looking through middleware wrappers."""
    seen = 0
    while not isinstance(app, Roob):
        app = getattr(app, "app", None) or getattr(app, "application", None)
        seen += 1
        if app is None or seen > 20:
            raise SystemExit("roob: that object is not a Roob application")
    return app


def print_routes(app: Any, out: TextIO | None = None) -> None:
    """Write the route table of ``app`` (to standard output by default)."""
    out = out or sys.stdout
    rows = []
    for route in _find_roob(app).routes:
        handler = route.handler
        where = f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"
        rows.append((",".join(sorted(route.served_methods)), route.path, route.name, where))
    header = ("METHODS", "PATH", "NAME", "VIEW")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    for row in [header, *rows]:
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")


def gunicorn_argv(args: argparse.Namespace) -> list[str]:
    """The gunicorn command line ``roob run`` stands for."""
    argv = [
        "gunicorn",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers),
        "--access-logfile", "-",
    ]  # fmt: skip
    if args.reload:
        argv.append("--reload")
    argv.append(args.app)
    return argv


def _run(args: argparse.Namespace) -> None:
    try:
        from gunicorn.app.wsgiapp import WSGIApplication
    except ImportError:  # pragma: no cover - depends on the environment
        raise SystemExit("roob run needs gunicorn: pip install 'roob[server]'") from None
    sys.argv = gunicorn_argv(args)
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]", prog="roob run").run()


def build_parser() -> argparse.ArgumentParser:
    """The ``roob`` command's arguments."""
    parser = argparse.ArgumentParser(prog="roob", description="The Roob web framework.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {roob.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve an application for development")
    run.add_argument("app", help="MODULE:APP, e.g. inventory.wsgi:app")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--reload", action=argparse.BooleanOptionalAction, default=True)
    routes = commands.add_parser("routes", help="print the routes of an application")
    routes.add_argument("app", help="MODULE:APP")
    routes.add_argument(
        "--source", action="store_true", help="print the generated route search function instead"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``roob`` command with ``argv`` (``sys.argv[1:]`` when None)."""
    args = build_parser().parse_args(argv)
    if args.command == "run":
        _run(args)
    elif args.source:
        print(_find_roob(load_app(args.app)).route_table.search_source)
    else:
        print_routes(load_app(args.app))


if __name__ == "__main__":  # pragma: no cover
    main()
