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
inherit :class:`RegistrationAPI`) and holds what is registered on it until an
application includes it; routers nest with :meth:`Router.include_router`.
Convertors belong to the application, so a router's patterns are compiled,
and conflicts found, when it is included. From then on the router accepts no
more registrations.

Each inclusion of a router becomes a :class:`Scope`: its full prefix, the
hooks its routes inherit (outer routers' before hooks first, inner routers'
after hooks first) and its exception handler tables, innermost first and the
application's last. Hooks are applied by wrapping the views once, at
inclusion, and only when the chain has hooks: a route of a router without
hooks costs what an application route costs. Handlers are looked up only
when something raises (``Route.scope``), or, for a 404 or 405, from the
prefix of the path (:func:`scope_for_path`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from roob.convertors import Convertor
from roob.exceptions import ConfigurationError, InvalidRoute
from roob.responses import to_response
from roob.routing import PathPrefix
from roob.views import views_for

__all__ = [
    "RegistrationAPI",
    "Router",
    "Scope",
    "mount",
    "run_after_hooks",
    "run_before_hooks",
    "scope_for_path",
]

F = TypeVar("F", bound=Callable[..., Any])
View = Callable[..., Any]
ExceptionHandler = Callable[[Any, Any], Any]
BeforeHook = Callable[[Any], Any]
AfterHook = Callable[[Any, Any], Any]
Methods = Iterable[str] | str | None


def run_before_hooks(hooks: Sequence[BeforeHook], request: Any) -> Any:
    """The first value other than None a hook returns (sent instead of the view's), or None."""
    for hook in hooks:
        early = hook(request)
        if early is not None:
            return early
    return None


def run_after_hooks(hooks: Sequence[AfterHook], request: Any, response: Any) -> Any:
    """``response`` passed through each hook in turn."""
    for hook in hooks:
        response = to_response(hook(request, response))
    return response


class RegistrationAPI:
    """The registration methods :class:`~roob.Roob` and :class:`Router` share.

    A subclass provides :meth:`add_route` and the hook and handler tables.
    """

    _before: list[BeforeHook]
    _after: list[AfterHook]
    _exception_handlers: dict[type[BaseException], ExceptionHandler]

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, *, name: str | None = None
    ) -> object:
        raise NotImplementedError  # pragma: no cover - Roob and Router define it

    def _check_open(self) -> None:
        """Raise :class:`ConfigurationError` if registrations are no longer accepted."""

    def route(
        self, path: str, methods: Methods = None, *, name: str | None = None
    ) -> Callable[[F], F]:
        """Decorator form of :meth:`add_route`, for functions and classes."""

        def register(handler: F) -> F:
            self.add_route(path, handler, methods, name=name)
            return handler

        return register

    def get(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self.route(path, ["GET"], name=name)

    def post(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self.route(path, ["POST"], name=name)

    def put(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self.route(path, ["PUT"], name=name)

    def patch(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self.route(path, ["PATCH"], name=name)

    def delete(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self.route(path, ["DELETE"], name=name)

    def add_exception_handler(
        self,
        exc_class_or_handler: type[BaseException] | ExceptionHandler,
        handler: ExceptionHandler | None = None,
    ) -> None:
        """Send ``handler(request, exc)``'s return value for exceptions of a class.

        ``add_exception_handler(handler)`` alone handles every exception that
        has no more specific handler (HTTP errors keep theirs).
        """
        self._check_open()
        if handler is None:
            exc_class: type[BaseException] = Exception
            handler = exc_class_or_handler
        elif isinstance(exc_class_or_handler, type) and issubclass(
            exc_class_or_handler, BaseException
        ):
            exc_class = exc_class_or_handler
        else:
            raise ConfigurationError(f"{exc_class_or_handler!r} is not an exception class")
        if not callable(handler):
            raise ConfigurationError(f"exception handler {handler!r} is not callable")
        if not issubclass(exc_class, Exception):
            raise ConfigurationError(
                f"{exc_class.__name__} is not an Exception subclass; it cannot be handled"
            )
        self._exception_handlers[exc_class] = handler

    def exception_handler(self, exc_class: type[BaseException]) -> Callable[[F], F]:
        """Decorator form of :meth:`add_exception_handler` for one class."""

        def register(handler: F) -> F:
            self.add_exception_handler(exc_class, handler)
            return handler

        return register

    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each view; a value other than None is sent instead."""
        self._check_open()
        self._before.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` on each response; it returns the response to send."""
        self._check_open()
        self._after.append(hook)
        return hook


class Registration(NamedTuple):
    """A route added to a router, waiting for an application to include it."""

    path: str
    handler: Any
    methods: Methods
    name: str | None


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
        (``"users.show"``).

    Include it with ``app.include_router(router)`` (or in another router).
    Its ``before_request`` / ``after_request`` hooks and exception handlers
    apply to its own routes only, and to 404 and 405 answers for paths under
    its prefix.
    """

    def __init__(self, prefix: str = "", *, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigurationError(f"router name {name!r} must be a non-empty string")
        self.prefix = normalize_prefix(prefix)
        self.name = name
        self.registrations: list[Registration] = []
        self.routers: list[tuple[Router, str, str | None]] = []
        self._before = []
        self._after = []
        self._exception_handlers = {}
        self._included = False

    def _check_open(self) -> None:
        if self._included:
            raise ConfigurationError(
                f"{self!r} was already included in an application: register its routes, "
                "hooks, exception handlers and routers before app.include_router()"
            )

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, *, name: str | None = None
    ) -> None:
        """Serve ``prefix + path`` with a function or class view, once the router is included.

        The pattern is compiled when the router is included, with the
        application's convertors; a view that cannot be served fails here.
        """
        self._check_open()
        if not isinstance(path, str) or not path.startswith("/"):
            raise InvalidRoute(f"route path {path!r} must be a string starting with '/'")
        if methods is not None and not isinstance(methods, str):
            methods = tuple(methods)
        views_for(handler, methods)
        self.registrations.append(Registration(path, handler, methods, name))

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


class Scope:
    """One inclusion of a router in an application, and what its routes inherit.

    ``path`` is the full prefix (``''`` for none); ``names`` qualify route
    names; ``before`` holds the before hooks of the outer routers and then
    the router's; ``after`` the router's after hooks and then the outer
    ones'; ``handler_tables`` the exception handler tables, the router's
    first and the application's last. ``handles_errors`` says whether the
    router itself has exception handlers or after hooks.
    """

    __slots__ = (
        "after",
        "before",
        "handler_tables",
        "handles_errors",
        "names",
        "parent",
        "path",
        "prefix",
        "router",
    )

    def __init__(
        self,
        router: Router,
        parent: Scope | None,
        path: str,
        name: str | None,
        app_handlers: dict[type[BaseException], ExceptionHandler],
        convertors: dict[str, Convertor],
    ) -> None:
        self.router = router
        self.parent = parent
        self.path = path
        self.prefix = PathPrefix(path, convertors) if path else None
        outer_names = parent.names if parent is not None else ()
        self.names: tuple[str, ...] = (*outer_names, name) if name else outer_names
        self.before: tuple[BeforeHook, ...] = (
            *(parent.before if parent is not None else ()),
            *router._before,
        )
        self.after: tuple[AfterHook, ...] = (
            *router._after,
            *(parent.after if parent is not None else ()),
        )
        self.handles_errors = bool(router._exception_handlers or router._after)
        outer_tables = parent.handler_tables if parent is not None else (app_handlers,)
        self.handler_tables: tuple[dict[type[BaseException], ExceptionHandler], ...] = (
            router._exception_handlers,
            *outer_tables,
        )

    def full_path(self, path: str) -> str:
        """The application path of the router's ``path``."""
        return (self.path or "/") if path == "/" else self.path + path

    def route_name(self, name: str | None, handler: Any) -> str | None:
        """``name`` (the view's name by default) qualified by the router names."""
        base = name or getattr(handler, "__name__", None)
        return ".".join((*self.names, base)) if base and self.names else base

    def wrap(self, view: View) -> View:
        """``view`` with the scope's hooks around it, or ``view`` itself when there are none."""
        before, after = self.before, self.after
        if not before and not after:
            return view

        @functools.wraps(view)
        def scoped_view(request: Any, **params: Any) -> Any:
            result = run_before_hooks(before, request) if before else None
            if result is None:
                result = view(request, **params)
            return run_after_hooks(after, request, to_response(result)) if after else result

        return scoped_view

    def encloses(self, other: Scope) -> bool:
        """Whether ``other`` is this scope or lies inside it."""
        scope: Scope | None = other
        while scope is not None and scope is not self:
            scope = scope.parent
        return scope is self

    def __repr__(self) -> str:
        return f"Scope({self.router!r}, path={self.path!r})"


def mount(
    router: Router,
    prefix: str,
    name: str | None,
    app_handlers: dict[type[BaseException], ExceptionHandler],
    convertors: dict[str, Convertor],
    parent: Scope | None = None,
) -> Iterator[Scope]:
    """The scopes of ``router`` included under ``prefix``, then of its nested routers.

    Marks each router included, so that it takes no more registrations.
    """
    router._included = True
    path = (parent.path if parent is not None else "") + normalize_prefix(prefix) + router.prefix
    scope = Scope(
        router, parent, path, name if name is not None else router.name, app_handlers, convertors
    )
    yield scope
    for child, child_prefix, child_name in router.routers:
        yield from mount(child, child_prefix, child_name, app_handlers, convertors, scope)


def scope_for_path(scopes: Sequence[Scope], path_info: str) -> Scope | None:
    """The scope a path no route serves falls in; None for the application.

    That is the router whose prefix is the longest one the path lies under.
    When several have a prefix that long (siblings sharing ``/api``, or a
    router whose prefix adds nothing to its parent's), the innermost scope
    enclosing them all. A router without a prefix claims no path of its own.
    """
    try:
        path = path_info.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None
    parts = path.split("/")[1:]
    if parts and not parts[-1]:
        parts.pop()  # '/api/' lies under '/api'
    longest: list[Scope] = []
    depth = 0
    for scope in scopes:
        prefix = scope.prefix
        if prefix is None or prefix.depth < depth or not prefix.contains(parts):
            continue
        if prefix.depth > depth:
            depth, longest = prefix.depth, [scope]
        else:
            longest.append(scope)
    if not longest:
        return None
    common: Scope | None = longest[0]
    for scope in longest[1:]:
        while common is not None and not common.encloses(scope):
            common = common.parent
    return common
