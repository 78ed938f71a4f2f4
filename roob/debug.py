"""The debug page: what an unhandled exception gets with ``Roob(debug=True)``.

A client that prefers HTML (``Accept: text/html`` first, as browsers send)
gets a page with the exception's type and message, the request line, and
every frame of the traceback: its file, line, function and the source around
the line (for an error in a Jinja2 template: the template and its line). Any
other client (curl, an API client) gets JSON ``{"message": "<Type>: <text>",
"traceback": "<the formatted traceback>"}``. The page is self-contained, and
everything on it is escaped. Without ``debug=True`` none of this is built:
the 500 says ``Internal Server Error`` and no more.
"""

from __future__ import annotations

import linecache
import traceback
from html import escape
from typing import Any

from roob.responses import Response, prefers_html

__all__ = ["debug_response"]

CONTEXT_LINES = 3

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2327; background: #f6f7f7; }
header { background: #b32d2e; color: #fff; padding: 1.2em 2em; }
header h1 { margin: 0; font-size: 1.4em; } header p { margin: .3em 0 0; font-family: monospace; }
main { padding: 1em 2em 3em; } h2 { font-size: 1.1em; margin: 1.5em 0 .5em; }
.frame { background: #fff; border: 1px solid #dcdcde; border-radius: 4px; margin: .6em 0; }
.frame > summary { padding: .5em .8em; cursor: pointer; font-family: monospace; }
.frame.library > summary { color: #646970; }
.where { font-weight: bold; } .template { background: #fcf0c3; padding: .4em .8em; }
pre { margin: 0; padding: .5em .8em; overflow-x: auto; background: #f6f7f7; font-size: 13px; }
pre .error { background: #facfd2; display: inline-block; min-width: 100%; }
pre .number { color: #8c8f94; }
.text { white-space: pre-wrap; font-family: monospace; background: #fff; padding: 1em;
        border: 1px solid #dcdcde; }
"""


def debug_response(request: Any, exc: BaseException) -> Response:
    """The 500 that shows ``exc``, as HTML or JSON by what the client accepts."""
    summary = f"{type(exc).__name__}: {exc}"
    report = traceback.TracebackException.from_exception(exc)
    if not prefers_html(request):
        text = "".join(report.format())
        return Response(json={"message": summary, "traceback": text}, status=500)
    return Response(text=_page(request, exc, summary, report), status=500)


def _template_location(exc: BaseException) -> str | None:
    """``name``, line N, for a Jinja2 error that knows its template."""
    name = getattr(exc, "name", None) or getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if type(exc).__module__.startswith("jinja2") and name and line:
        return f"Template {name}, line {line}"
    return None


def _source(filename: str, number: int | None) -> str:
    if number is None:  # pragma: no cover - a frame Python gives no line for
        return ""
    lines = linecache.getlines(filename)
    first = max(1, number - CONTEXT_LINES)
    shown = []
    for at in range(first, min(len(lines), number + CONTEXT_LINES) + 1):
        text = escape(lines[at - 1].rstrip("\n"))
        row = f'<span class="number">{at:>5}</span>  {text}'
        shown.append(f'<span class="error">{row}</span>' if at == number else row)
    return f"<pre>{chr(10).join(shown)}</pre>" if shown else ""


def _frame(frame: traceback.FrameSummary, last: bool) -> str:
    library = "site-packages" in frame.filename or "/lib/python" in frame.filename
    where = (
        f'<span class="where">{escape(frame.filename)}</span>, line {frame.lineno}, '
        f"in {escape(frame.name)}"
    )
    template = ""
    if frame.filename.endswith((".html", ".htm", ".xml", ".txt", ".jinja", ".j2")):
        template = (
            f'<div class="template">Template {escape(frame.filename)}, line {frame.lineno}</div>'
        )
    classes = "frame library" if library else "frame"
    opened = "" if library and not last else " open"
    return (
        f'<details class="{classes}"{opened}><summary>{where}</summary>'
        f"{template}{_source(frame.filename, frame.lineno)}</details>"
    )


def _page(
    request: Any, exc: BaseException, summary: str, report: traceback.TracebackException
) -> str:
    frames = list(report.stack)
    shown = "".join(_frame(frame, i == len(frames) - 1) for i, frame in enumerate(frames))
    template = _template_location(exc)
    chain = "".join(report.format())
    request_line = f"{request.method} {request.path_qs}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(summary)} // Roob debug page</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>{escape(summary)}</h1>
<p>{escape(request_line)}</p>
</header>
<main>
{f'<p class="template">{escape(template)}</p>' if template else ""}
<h2>Traceback, most recent call last</h2>
{shown}
<h2>As text</h2>
<div class="text">{escape(chain)}</div>
<p>This page is shown because the application runs with <code>debug=True</code>
(or <code>ROOB_DEBUG=1</code>). Never in production.</p>
</main>
</body>
</html>
"""
