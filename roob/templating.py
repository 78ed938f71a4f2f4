"""Jinja2 templates, loaded from the application's ``template_dir``.

Templates whose names end in ``.html``, ``.htm`` or ``.xml`` are autoescaped,
so a value such as ``<script>`` reaches the page as text, never as markup.
The Jinja2 environment is built on first use: an application that renders
nothing pays nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["Templates"]


class Templates:
    """The template set of one application."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        auto_reload: bool = False,
        globals: dict[str, Any] | None = None,
    ) -> None:
        self.directory = os.fspath(directory)
        self.auto_reload = auto_reload
        self.globals = dict(globals or {})
        self._environment: jinja2.Environment | None = None
        self._mentions: dict[tuple[str, str], bool] = {}

    @property
    def environment(self) -> jinja2.Environment:
        """The Jinja2 environment; add filters and globals to it."""
        if self._environment is None:
            import jinja2  # on first use: an application that renders nothing never loads it

            self._environment = jinja2.Environment(
                loader=jinja2.FileSystemLoader(self.directory),
                autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
                auto_reload=self.auto_reload,
            )
            self._environment.globals.update(self.globals)
        return self._environment

    def mentions(self, name: str, word: str) -> bool:
        """Whether ``word`` is in the source of template ``name`` or of a template it
        extends, includes or imports (a dynamic name counts as yes). Remembered, except
        with ``auto_reload``."""
        key = (name, word)
        found = None if self.auto_reload else self._mentions.get(key)
        if found is None:
            found = self._mentions[key] = self._scan(name, word, {name})
        return found

    def _scan(self, name: str, word: str, seen: set[str]) -> bool:
        import jinja2
        import jinja2.meta

        environment = self.environment
        try:
            source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
            if word in source:
                return True
            parsed = environment.parse(source)
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            return False  # rendering it says so, naming the template and the line
        for other in jinja2.meta.find_referenced_templates(parsed):
            if other is None:
                return True
            if other not in seen:
                seen.add(other)
                if self._scan(other, word, seen):
                    return True
        return False

    def render(self, name: str, context: dict[str, Any] | None = None) -> str:
        """Render the template ``name`` with ``context``."""
        return self.environment.get_template(name).render(context or {})

    def __repr__(self) -> str:
        return f"Templates(directory={self.directory!r})"
