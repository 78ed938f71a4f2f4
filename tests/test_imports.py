"""roob/ has no import cycle: not at module level, not under TYPE_CHECKING, not inside a
function. Each module can then be read, and reasoned about, after the ones it imports
(issue 19: one ran through requests, app, csrf, forms, sessions, urls, registration and
routers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOB = Path(__file__).resolve().parent.parent / "roob"


def _module_name(path: Path) -> str:
    return "roob" if path.stem == "__init__" else f"roob.{path.stem}"


def _imported(tree: ast.AST, modules: set[str]) -> set[str]:
    """Every module of ``modules`` the code imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(tree):  # every statement: top level, TYPE_CHECKING, functions
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = node.module or ""
            if node.level:  # from . import x, from .x import y
                package = "roob" + (f".{package}" if package else "")
            # "from roob import app" imports roob.app; "from roob import Roob" imports roob.
            names = [package, *(f"{package}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in modules:  # roob.app.Roob -> roob.app
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph(folder: Path = ROOB) -> dict[str, set[str]]:
    """module -> the modules of the package it imports."""
    paths = {_module_name(path): path for path in folder.glob("*.py")}
    modules = set(paths)
    return {
        name: _imported(ast.parse(path.read_text(encoding="utf-8")), modules) - {name}
        for name, path in paths.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles (each a path back to its start) found by a depth-first walk: at least one
    in each group of modules that import each other."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def test_roob_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "roob.app" in graph
    assert graph["roob.app"]
    assert cycles(graph) == [], "import cycles in roob/: break each one"


@pytest.mark.parametrize(
    ("source", "imported"),
    [
        ("import roob.app", {"roob.app"}),
        ("from roob.app import Roob", {"roob.app"}),
        ("from roob import Roob", {"roob"}),
        ("from roob import app", {"roob", "roob.app"}),
        ("from . import app", {"roob", "roob.app"}),
        ("from .app import Roob", {"roob.app"}),
        ("if TYPE_CHECKING:\n    from roob.app import Roob", {"roob.app"}),
        ("def f():\n    from roob.app import Roob", {"roob.app"}),
        ("import webob", set()),
    ],
)
def test_every_kind_of_import_is_seen(source: str, imported: set[str]) -> None:
    assert _imported(ast.parse(source), {"roob", "roob.app"}) == imported


def test_a_cycle_is_found_whatever_its_length(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from roob.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from roob.c import y\n")
    (tmp_path / "c.py").write_text("if TYPE_CHECKING:\n    from roob.a import z\n")
    (tmp_path / "d.py").write_text("import roob.a\n")
    assert cycles(import_graph(tmp_path)) == [["roob.a", "roob.b", "roob.c", "roob.a"]]
