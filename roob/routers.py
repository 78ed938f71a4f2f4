"""Routers: a group of routes with a prefix, hooks and exception handlers of its own.

::

    from roob import Roob, Router

    users = Router("/users", name="users")

    @users.get("/{id:d}")
    def show(request, id):
        return {"id": id}

    @users.exception_handler(KeyError)
    def no_such_user(request, exc):
        return {"message": "No such user"}, 404

    app = Roob()
    app.include_router(users, prefix="/api")    # GET /api/users/7
    app.url_for("users.show", id=7)              # "/api/users/7"

A :class:`Router` has the registration API of :class:`~roob.Roob` (both
inherit :class:`~roob.registration.RegistrationAPI`) and holds what is
registered on it, checked, until an application includes it; routers nest
with :meth:`Router.include_router`. Convertors belong to the application, so a
router's patterns are compiled, and conflicts found, when it is included.
From then on the router accepts no more registrations.

Each inclusion of a router becomes an :class:`Inclusion`: its full prefix, the
hooks its routes inherit (outer routers' before hooks first, inner routers'
after hooks first), its exception handler tables, innermost first and the
application's last, and its ``teardown_request`` functions and ``on_exception``
listeners, innermost first (the application adds its own after them: they run
for the requests a route of the router serves, roob/lifecycle.py). Hooks are
applied by wrapping the views once, at inclusion, and only when the chain has
hooks: a route of a router without hooks costs what an application route
costs. Handlers are looked up only when something raises (``Route.owner``),
or, for a 404 or 405, from the prefix of the path (:func:`inclusion_for_path`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Unpack

from roob._types import (
    AfterHook,
    BeforeHook,
    ExceptionHandler,
    ExceptionListener,
    Methods,
    TeardownFunction,
)
from roob.convertors import Convertor
from roob.dependencies import Depends, check_dependencies
from roob.exceptions import ConfigurationError, HTTPError, InvalidRoute
from roob.registration import (
    Registration,
    RegistrationAPI,
    RouteOptions,
    register,
    tags_problem,
)
from roob.routing import PathPrefix, split_path

__all__ = ["Inclusion", "Router", "inclusion_for_path", "mount"]


def normalize_prefix(prefix: str) -> str:
    """``''`` or ``'/a/b'``: no trailing slash, so prefixes and paths join by concatenation."""
    if not isinstance(prefix, str) or (prefix and not prefix.startswith("/")):
        raise InvalidRoute(f"router prefix {prefix!r} must be empty or start with '/'")
    return prefix[:-1] if prefix.endswith("/") else prefix


class Router(RegistrationAPI):
    """Routes, hooks and exception handlers grouped under a prefix.

    :param prefix: put before every path of the router (``/users``); it may
        hold parameters (``/orgs/{org}``), which every view then receives,
        but not a ``{name:path}`` one.
    :param name: qualifies the names of its routes for ``url_for``
        (``"users.show"``), and nothing else: it is not a tag.
    :param tags: the OpenAPI tags of its routes' operations; a nested
        router's routes have the outer routers' tags first, then its own.
    :param dependencies: a list of :class:`~roob.Depends` that each of its
        routes (and its nested routers' routes) runs before the view, for their
        effect (roob/dependencies.py): after the outer routers' and before the
        route's own.

    Include it with ``app.include_router(router)`` (or in another router).
    Its ``before_request`` / ``after_request`` hooks and exception handlers
    apply to its own routes only, and (the after hooks and handlers) to 404
    and 405 answers for paths under its prefix; its ``teardown_request``
    functions and ``on_exception`` listeners to its own routes only.
    """

    def __init__(
        self,
        prefix: str = "",
        *,
        name: str | None = None,
        tags: Sequence[str] | None = None,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigurationError(f"router name {name!r} must be a non-empty string")
        problem = tags_problem(tags)
        if problem:
            raise ConfigurationError(f"Router(prefix={prefix!r}, name={name!r}): {problem}")
        self.prefix = normalize_prefix(prefix)
        self.name = name
        self.dependencies = check_dependencies(dependencies, f"Router({prefix!r})")
        self.tags: tuple[str, ...] = tuple(tags or ())
        self.registrations: list[Registration] = []
        self.routers: list[tuple[Router, str, str | None]] = []
        self._before = []
        self._after = []
        self._exception_handlers = {}
        self._teardown = []
        self._listeners = []
        self._included = False
        self._where = f"{self!r}: "

    def _check_open(self) -> None:
        if self._included:
            raise ConfigurationError(
                f"{self!r} was already included in an application: register its routes, "
                "hooks, exception handlers and routers before app.include_router()"
            )

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, **options: Unpack[RouteOptions]
    ) -> None:
        """Serve ``prefix + path`` with a function or class view, once the router is included.

        The view is checked here; the pattern is compiled when the router is
        included, with the application's convertors.
        """
        self._check_open()
        self.registrations.append(register(path, handler, methods, options, f" of {self!r}"))

    def include_router(self, router: Router, prefix: str = "", *, name: str | None = None) -> None:
        """Nest ``router`` in this one, under ``prefix`` (then its own prefix).

        ``name`` replaces the nested router's name for this inclusion.
        """
        self._check_open()
        if not isinstance(router, Router):
            raise ConfigurationError(f"{router!r} is not a roob.Router")
        if router is self or self in router._nested():
            raise ConfigurationError(
                f"including {router!r} in {self!r} would make a loop: "
                "a router cannot contain itself"
            )
        self.routers.append((router, normalize_prefix(prefix), name))

    def _nested(self) -> Iterator[Router]:
        for router, _, _ in self.routers:
            yield router
            yield from router._nested()

    def __repr__(self) -> str:
        return f"Router(prefix={self.prefix!r}, name={self.name!r})"


class Inclusion:
    """One inclusion of a router in an application, and what its routes inherit.

    ``prefix_text`` is the full prefix (``''`` for none) and ``prefix`` its
    compiled form; ``names`` qualify route names; ``tags`` are the OpenAPI tags
    of its routes (the outer routers' first); ``before`` holds the before
    hooks of the outer routers and then the router's; ``after`` the router's
    after hooks and then the outer ones'; ``handler_tables`` the exception
    handler tables, the router's first and the application's last;
    ``teardown`` and ``listeners`` the router's ``teardown_request`` functions
    and ``on_exception`` listeners and then the outer ones'; ``dependencies``
    the outer routers' ``dependencies=`` and then the router's.
    ``handles_errors`` says whether the router itself has exception handlers
    or after hooks.
    """

    __slots__ = (
        "after",
        "before",
        "dependencies",
        "handler_tables",
        "handles_errors",
        "listeners",
        "names",
        "parent",
        "prefix",
        "prefix_text",
        "router",
        "tags",
        "teardown",
    )

    def __init__(
        self,
        router: Router,
        parent: Inclusion | None,
        prefix_text: str,
        name: str | None,
        app_handlers: dict[type[BaseException], ExceptionHandler],
        convertors: dict[str, Convertor],
    ) -> None:
        self.router = router
        self.parent = parent
        self.prefix_text = prefix_text
        self.prefix = PathPrefix(prefix_text, convertors) if prefix_text else None
        outer_names = parent.names if parent is not None else ()
        self.names: tuple[str, ...] = (*outer_names, name) if name else outer_names
        self.tags: tuple[str, ...] = (*(parent.tags if parent is not None else ()), *router.tags)
        self.before: tuple[BeforeHook, ...] = (
            *(parent.before if parent is not None else ()),
            *router._before,
        )
        self.after: tuple[AfterHook, ...] = (
            *router._after,
            *(parent.after if parent is not None else ()),
        )
        self.dependencies: tuple[Depends, ...] = (
            *(parent.dependencies if parent is not None else ()),
            *router.dependencies,
        )
        self.teardown: tuple[TeardownFunction, ...] = (
            *router._teardown,
            *(parent.teardown if parent is not None else ()),
        )
        self.listeners: tuple[ExceptionListener, ...] = (
            *router._listeners,
            *(parent.listeners if parent is not None else ()),
        )
        self.handles_errors = bool(router._exception_handlers or router._after)
        outer_tables = parent.handler_tables if parent is not None else (app_handlers,)
        self.handler_tables: tuple[dict[type[BaseException], ExceptionHandler], ...] = (
            router._exception_handlers,
            *outer_tables,
        )

    def encloses(self, other: Inclusion) -> bool:
        """Whether ``other`` is this inclusion or lies inside it."""
        inclusion: Inclusion | None = other
        while inclusion is not None and inclusion is not self:
            inclusion = inclusion.parent
        return inclusion is self

    def __repr__(self) -> str:
        return f"Inclusion({self.router!r}, prefix={self.prefix_text!r})"


def mount(
    router: Router,
    prefix: str,
    name: str | None,
    app_handlers: dict[type[BaseException], ExceptionHandler],
    convertors: dict[str, Convertor],
    parent: Inclusion | None = None,
) -> Iterator[Inclusion]:
    """The inclusions of ``router`` under ``prefix``, then of its nested routers.

    Marks each router included, so that it takes no more registrations.
    """
    router._included = True
    outer = parent.prefix_text if parent is not None else ""
    text = outer + normalize_prefix(prefix) + router.prefix
    name = name if name is not None else router.name
    inclusion = Inclusion(router, parent, text, name, app_handlers, convertors)
    yield inclusion
    for child, child_prefix, child_name in router.routers:
        yield from mount(child, child_prefix, child_name, app_handlers, convertors, inclusion)


def inclusion_for_path(inclusions: Sequence[Inclusion], path_info: str) -> Inclusion | None:
    """The inclusion a path no route serves falls in; None for the application.

    That is the router whose prefix is the longest one the path lies under.
    When several have a prefix that long (siblings sharing ``/api``, or a
    router whose prefix adds nothing to its parent's), the innermost one
    enclosing them all. A router without a prefix claims no path of its own.
    """
    try:
        parts = split_path(path_info)[1][1:]  # '/api/' lies under '/api'
    except HTTPError:  # not UTF-8: no router claims it
        return None
    longest: list[Inclusion] = []
    depth = 0
    for inclusion in inclusions:
        prefix = inclusion.prefix
        if prefix is None or prefix.depth < depth or not prefix.contains(parts):
            continue
        if prefix.depth > depth:
            depth, longest = prefix.depth, [inclusion]
        else:
            longest.append(inclusion)
    if not longest:
        return None
    common: Inclusion | None = longest[0]
    for inclusion in longest[1:]:
        while common is not None and not common.encloses(inclusion):
            common = common.parent
    return common
