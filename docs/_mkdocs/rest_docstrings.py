"""A griffe extension: Roob's reST-flavoured docstrings, rendered as Markdown.

Roob's docstrings are written for ``help()`` and Sphinx habits: ``::``
literal blocks, ``>>>`` examples, ``:class:`X``` roles, a simple table and a
definition list. mkdocstrings renders docstrings as Markdown, where those come
out as stray colons, block quotes and run-together paragraphs. This extension
rewrites them when the ``roob`` package is loaded (mkdocs.yml), leaving the
``:param x:`` fields to griffe's Sphinx parser:

* special methods other than ``__call__`` are left out, like private names;
* ``:class:`~roob.Router``` becomes a cross-reference to the rendered object,
  so a reference to something renamed or removed fails ``mkdocs build --strict``;
  names outside Roob (``webob.Request``, ``ValueError``) become code;
* a paragraph ending in ``::`` and the indented block after it become a fenced
  code block (Python when it parses as Python);
* ``>>>`` examples become a ``pycon`` block;
* a simple table (``====  ====``) becomes a definition list (two columns, no
  header) or a Markdown table;
* a definition list (a term, its definition indented on the next lines)
  becomes a Markdown definition list.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import textwrap
from typing import Any

from griffe import Alias, Extension, GriffeLoader, Module, NameResolutionError, Object, logger

PACKAGE = "roob"
# Special methods are hidden like private names, except the WSGI entry point.
SHOWN_DUNDERS = {"__call__"}
ROLE = re.compile(r":(?:class|meth|func|attr|data|mod|exc|obj):`(~?)([\w.]+)(?:\(\))?`")
TABLE_BORDER = re.compile(r"^=+( +=+)+$")
NOT_A_TERM = re.compile(r"^(?:[:*\->|#]|\d+\.|```)")


class RestDocstrings(Extension):
    """Rewrite the docstrings of the ``roob`` package once it is loaded."""

    def on_package(self, *, pkg: Module, loader: GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        for obj in _objects(pkg):
            if (
                obj.parent is not None
                and obj.parent.is_class
                and _is_dunder(obj.name)
                and obj.name not in SHOWN_DUNDERS
            ):
                obj.public = False
            if obj.docstring is not None:
                obj.docstring.value = to_markdown(obj.docstring.value, obj, loader)


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _objects(obj: Object) -> list[Object]:
    found = [obj]
    for member in obj.members.values():
        if not isinstance(member, Alias):
            found.extend(_objects(member))
    return found


def to_markdown(text: str, obj: Object, loader: GriffeLoader) -> str:
    text = _literal_blocks(text)
    text = _doctests(text)
    text = _simple_tables(text)
    text = _definition_lists(text)
    return _roles(text, obj, loader)


def _literal_blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.rstrip().endswith("::") or (i + 1 < len(lines) and lines[i + 1].strip()):
            out.append(line)
            i += 1
            continue
        block_start = i + 1
        end = block_start
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
            end += 1
        while end > block_start and not lines[end - 1].strip():
            end -= 1
        block = textwrap.dedent("\n".join(lines[block_start:end])).strip("\n")
        if not block:
            out.append(line)
            i += 1
            continue
        intro = line.rstrip()[:-2].rstrip()
        if intro:
            out.append(intro + ":" if not intro.endswith(":") else intro)
            out.append("")
        out.extend([f"```{_language(block)}", block, "```"])
        i = end
    return "\n".join(out)


def _language(block: str) -> str:
    try:
        ast.parse(block)
    except SyntaxError:
        return "text"
    return "python"


def _doctests(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            fenced = not fenced
        if fenced or not lines[i].startswith(">>> "):
            out.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and lines[end].strip():
            end += 1
        out.extend(["```pycon", *lines[i:end], "```"])
        i = end
    return "\n".join(out)


def _simple_tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not TABLE_BORDER.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        columns = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[i])]
        sections: list[list[list[str]]] = [[]]
        end = i + 1
        while end < len(lines) and lines[end].strip():
            if TABLE_BORDER.match(lines[end]):
                sections.append([])
            else:
                cells = _cells(lines[end], columns)
                if not cells[0] and sections[-1]:  # a continuation of the row above
                    sections[-1][-1] = [
                        f"{a} {b}".strip() for a, b in zip(sections[-1][-1], cells, strict=True)
                    ]
                else:
                    sections[-1].append(cells)
            end += 1
        sections = [s for s in sections if s]
        out.extend(_render_table(sections))
        i = end
    return "\n".join(out)


def _cells(line: str, columns: list[tuple[int, int]]) -> list[str]:
    starts = [start for start, _ in columns]
    bounds = [*starts[1:], None]
    return [line[start:stop].strip() for start, stop in zip(starts, bounds, strict=True)]


def _render_table(sections: list[list[list[str]]]) -> list[str]:
    if len(sections) == 1 and len(sections[0][0]) == 2:
        rendered: list[str] = []
        for term, definition in sections[0]:
            rendered.extend([term, f":   {definition}", ""])
        return rendered[:-1]
    header, *bodies = sections if len(sections) > 1 else [[[""] * len(sections[0][0])], *sections]
    rows = [*header[:1], ["---"] * len(header[0]), *(row for body in bodies for row in body)]
    return ["| " + " | ".join(row) + " |" for row in rows]


def _definition_lists(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            fenced = not fenced
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        is_term = (
            not fenced
            and line.strip()
            and not line[0].isspace()
            and not NOT_A_TERM.match(line)
            and nxt.startswith("    ")
            and nxt.strip()
        )
        if not is_term:
            out.append(line)
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].startswith("    "):
            end += 1
        definition = textwrap.dedent("\n".join(lines[i + 1 : end]))
        out.extend([line, ":   " + definition.replace("\n", "\n    ")])
        i = end
    return "\n".join(out)


def _roles(text: str, obj: Object, loader: GriffeLoader) -> str:
    def replace(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2)
        shown = f"`{target.rsplit('.', 1)[-1] if short else target}`"
        path = _resolve(target, obj, loader)
        if path is None:
            return shown
        if not path.startswith(PACKAGE + "."):
            return shown
        return f"[{shown}][{path}]"

    return ROLE.sub(replace, text)


def _resolve(target: str, obj: Object, loader: GriffeLoader) -> str | None:
    """The canonical path ``target`` names, or None when it is not Roob's."""
    first, _, rest = target.partition(".")
    if first == PACKAGE:
        path = target
    else:
        try:
            path = obj.resolve(first) + (f".{rest}" if rest else "")
        except NameResolutionError:
            if hasattr(builtins, first) or (rest and importlib.util.find_spec(first)):
                return None
            logger.warning(f"{obj.path}: {target!r} in a docstring names nothing")
            return None
        if not path.startswith(PACKAGE + "."):
            return None
    try:
        found = loader.modules_collection[path]
    except KeyError:
        logger.warning(f"{obj.path}: {target!r} in a docstring names nothing in {PACKAGE}")
        return path
    return found.final_target.path if isinstance(found, Alias) else found.path
