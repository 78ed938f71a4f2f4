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

    def render(self, name: str, context: dict[str, Any] | None = None) -> str:
        """Render the template ``name`` with ``context``."""
        return self.environment.get_template(name).render(context or {})

    def __repr__(self) -> str:
        return f"Templates(directory={self.directory!r})"
