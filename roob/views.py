"""Views: what a route calls, worked out once when the route is added.

A *function view* is called as ``view(request, **params)`` for the methods it
was registered with (GET when none were named).

A *class view* is a class whose methods are named after HTTP verbs::

    @app.route("/api/products")
    class Products:
        def get(self, request): ...
        def post(self, request): ...

It answers exactly the verbs it defines (``get``, ``post``, ``put``,
``patch``, ``delete``, ``head``, ``options``, ``trace``); any other attribute
is never reachable from a request. Each request is served by a fresh
instance, so a view may keep per-request state on ``self``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from roob.exceptions import ConfigurationError
from roob.routing import normalize_methods

__all__ = ["HTTP_VERBS", "class_view_methods", "views_for"]

HTTP_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")

View = Callable[..., Any]


def class_view_methods(cls: type) -> dict[str, str]:
    """HTTP method -> attribute name, for the verbs ``cls`` defines as callables."""
    found = {}
    for verb in HTTP_VERBS:
        attribute = verb.lower()
        if callable(getattr(cls, attribute, None)):
            found[verb] = attribute
    return found


def _bind_class_view(cls: type, attribute: str) -> View:
    def dispatch(request: Any, **params: Any) -> Any:
        return getattr(cls(), attribute)(request, **params)

    dispatch.__name__ = f"{cls.__name__}.{attribute}"
    dispatch.__qualname__ = f"{cls.__qualname__}.{attribute}"
    dispatch.__doc__ = getattr(cls, attribute).__doc__
    dispatch.__wrapped__ = getattr(cls, attribute)  # type: ignore[attr-defined]
    return dispatch


def views_for(handler: Any, methods: Iterable[str] | str | None) -> dict[str, View]:
    """The method -> callable table for a function or class ``handler``."""
    if inspect.isclass(handler):
        defined = class_view_methods(handler)
        if not defined:
            raise ConfigurationError(
                f"class view {handler.__qualname__} defines no HTTP verb method "
                f"(one of {', '.join(v.lower() for v in HTTP_VERBS)})"
            )
        if methods is not None:
            wanted = normalize_methods(methods)
            missing = wanted - defined.keys()
            if missing:
                raise ConfigurationError(
                    f"class view {handler.__qualname__} has no method for "
                    f"{', '.join(sorted(missing))}"
                )
            defined = {verb: defined[verb] for verb in wanted}
        return {verb: _bind_class_view(handler, attr) for verb, attr in defined.items()}
    if not callable(handler):
        raise ConfigurationError(f"{handler!r} is neither a function nor a class view")
    wanted = normalize_methods(methods if methods is not None else ["GET"])
    return dict.fromkeys(wanted, handler)
