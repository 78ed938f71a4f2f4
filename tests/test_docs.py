"""Every ```python example in docs/ runs, so the documentation cannot rot."""

from __future__ import annotations

import pathlib
import re
import sys
import types

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
EXAMPLE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("**/*.md")):
        where = page.relative_to(DOCS).as_posix()
        if where.startswith("recipes/"):  # each page one script, in a process of its own:
            continue  # tests/test_recipes.py
        for number, match in enumerate(EXAMPLE.finditer(page.read_text()), start=1):
            found.append((f"{where}#{number}", match.group(1)))
    return found


EXAMPLES = _examples()


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize(("where", "source"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_example_runs(where: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run as a real module would: importable by name (pydantic resolves types there).
    module = types.ModuleType(f"docs_example_{where}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, where, "exec"), module.__dict__)
