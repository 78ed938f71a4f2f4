"""The ``roob`` command.

``roob run MODULE:APP``
    Serve an application with gunicorn, set up for development: 127.0.0.1:8000,
    one worker, restarted (by watchfiles) when a Python file, a template or a
    static file under the current folder or the application's changes; a
    syntax error waits for the next change. ``--debug`` turns the debug page
    on and makes templates and static files be read afresh on each request
    (``ROOB_DEBUG=1`` for the application), so that only Python files restart
    it. gunicorn reads no settings file: ``./gunicorn.conf.py`` is not picked
    up. ``MODULE:factory()`` calls an application factory. For production, run
    gunicorn with its own settings.

``roob routes MODULE:APP``
    Print every route: its methods, its full pattern (router prefixes
    included), its name for ``url_for`` and the view that serves it. With
    ``--source``, the Python source of the search function the route table
    generated instead (to see why a path goes where it goes).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import roob
from roob.app import DEBUG_VARIABLE, Roob

#: The name Roob is installed by (``pip install roob-web``); the package imported is ``roob``.
DISTRIBUTION = "roob-web"

__all__ = [
    "DISTRIBUTION",
    "WATCHED_SUFFIXES",
    "build_parser",
    "gunicorn_argv",
    "load_app",
    "main",
    "print_routes",
    "watched_folders",
]


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


#: The empty settings file ``roob run`` gives gunicorn (part of the package, not writable
#: by others as a file in a shared temporary folder would be).
NO_SETTINGS = os.path.join(os.path.dirname(__file__), "_no_gunicorn_settings.py")
#: What ``roob run`` restarts for: source, templates and the usual static files.
WATCHED_SUFFIXES = frozenset({
    ".py", ".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml", ".txt", ".css", ".js", ".mjs",
    ".svg", ".ico", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2",
})  # fmt: skip


def gunicorn_argv(args: argparse.Namespace) -> list[str]:
    """The gunicorn command line ``roob run`` stands for (restarts are watchfiles' job)."""
    return [
        "gunicorn",
        "--config", NO_SETTINGS,  # no ./gunicorn.conf.py picked up by chance
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers),
        "--access-logfile", "-",
        "--no-control-socket",
        args.app,
    ]  # fmt: skip


def watched_folders(target: str) -> list[str]:
    """The current folder, and the folder of ``target``'s module if it is elsewhere."""
    folders = [os.getcwd()]
    module = target.partition(":")[0]
    try:
        spec = importlib.util.find_spec(module.partition(".")[0])
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and spec.origin not in ("built-in", "frozen"):
        folder = os.path.dirname(os.path.abspath(spec.origin))
        if spec.submodule_search_locations:  # a package: its parent holds its files too
            folder = os.path.dirname(folder)
        if os.path.commonpath([folder, os.getcwd()]) != os.getcwd():  # not under it
            folders.append(folder)
    return folders


def _run(args: argparse.Namespace) -> None:
    try:
        from gunicorn.app.wsgiapp import WSGIApplication
    except ImportError:  # pragma: no cover - depends on the environment
        raise SystemExit("roob run needs gunicorn: pip install 'roob-web[server]'") from None
    if args.debug:
        os.environ[DEBUG_VARIABLE] = "1"
    argv = gunicorn_argv(args)
    if args.reload:
        _run_reloading(args, argv)
    else:
        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]", prog="roob run").run()


def _run_reloading(args: argparse.Namespace, argv: list[str]) -> None:
    try:
        import watchfiles
    except ImportError:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "roob run --reload needs watchfiles: pip install 'roob-web[server]'"
        ) from None
    command = shlex.join([sys.executable, "-m", "gunicorn", *argv[1:]])
    folders = watched_folders(args.app)
    ignored = watchfiles.DefaultFilter()  # .git, .venv, __pycache__, ...

    # In debug mode templates and static files are read afresh on each request: only
    # Python code needs a restart (and a restart would only make the page wait).
    suffixes = {".py"} if args.debug else WATCHED_SUFFIXES

    def source_changed(change: Any, path: str) -> bool:
        return ignored(change, path) and os.path.splitext(path)[1] in suffixes

    print(f"roob run: restarting on changes under {', '.join(folders)}", flush=True)
    watchfiles.run_process(
        *folders, target=command, target_type="command", watch_filter=source_changed
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``roob`` command's arguments."""
    parser = argparse.ArgumentParser(prog="roob", description="The Roob web framework.")
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s ({DISTRIBUTION}) {roob.__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="serve an application for development",
        description="Serve an application with gunicorn for development.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("app", help="MODULE:APP or MODULE:factory(), e.g. inventory.wsgi:app")
    run.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    run.add_argument("--port", type=int, default=8000, help="the port to listen on")
    run.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    run.add_argument(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="restart when a Python file, a template or a static file changes",
    )
    run.add_argument(
        "--debug",
        action="store_true",
        default=False,
        help="the debug page, and templates and static files read afresh (ROOB_DEBUG=1)",
    )
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
