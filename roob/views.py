"""Views: what a route calls, and the checks their signatures pass when added.

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
instance, so a view may keep per-request state on ``self``. Either kind takes
the request first (after ``self``) and is a plain ``def``: an ``async def``
view is refused when it is added. Hooks and exception handlers are checked
the same way (:func:`check_hook`) when they are registered.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from roob._types import Methods, View
from roob.exceptions import ConfigurationError

__all__ = ["HTTP_VERBS", "ViewMethod", "check_hook", "normalize_methods", "views_for"]

#: Every verb Roob knows, in the one order used wherever methods are listed.
HTTP_VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
_METHOD = re.compile(r"[A-Za-z][A-Za-z-]*\Z")
_TAKES_REQUEST = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.VAR_POSITIONAL,
)


class ViewMethod(NamedTuple):
    """One method of a route: the callable, the user's function and its signature.

    ``signature`` is the function's, without ``self`` for a class view's
    method; its first parameter receives the request.
    """

    view: View
    function: Callable[..., Any]
    signature: inspect.Signature


def normalize_methods(methods: Iterable[str] | str) -> frozenset[str]:
    """Upper-case and check a ``methods=`` argument."""
    if isinstance(methods, str):
        methods = [methods]
    result = set()
    for method in methods:
        if not isinstance(method, str) or not _METHOD.match(method):
            raise ConfigurationError(f"{method!r} is not an HTTP method name")
        result.add(method.upper())
    if not result:
        raise ConfigurationError("methods= must name at least one HTTP method")
    return frozenset(result)


def _signature(
    function: Callable[..., Any], where: str, example: str, *, method: bool = False
) -> inspect.Signature:
    """``function``'s signature (without ``self`` for a ``method``), checked: a plain
    function taking the request first; ``example`` shows the right definition."""
    name = getattr(function, "__qualname__", repr(function))
    if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        raise ConfigurationError(
            f"{where}: the view {name} is an async def; Roob is a WSGI framework and "
            "calls views synchronously: define it with def"
        )
    try:
        signature = inspect.signature(function, eval_str=True)
    except (NameError, TypeError):  # an annotation that does not resolve: taken as written
        signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if method:
        parameters = parameters[1:]
    if not parameters or parameters[0].kind not in _TAKES_REQUEST:
        raise ConfigurationError(
            f"{where}: the view {name} takes no request; views are called with the "
            f"request first: {example}"
        )
    return signature.replace(parameters=parameters)


def check_hook(
    hook: Any, kind: str, arguments: tuple[str, ...], where: str = "", of: str = ""
) -> None:
    """Refuse, with a :class:`ConfigurationError`, a hook or exception handler that
    cannot be called as ``hook(*arguments)``, as the view checks refuse a view.

    ``kind`` names it (``before_request hook``), ``of`` may follow its name
    (`` for KeyError``), ``where`` says whose it is (``Router(...): ``). One
    whose signature cannot be read (a builtin) passes.
    """
    if not callable(hook):
        raise ConfigurationError(f"{where}the {kind} {hook!r}{of} is not callable")
    name = (getattr(hook, "__qualname__", None) or repr(hook)) + of
    short = getattr(hook, "__name__", "")
    short = short if short.isidentifier() else kind.split()[-1]
    call = ", ".join(arguments)
    # An object's __call__ too: an instance with an async or generator __call__ would
    # register, then answer every request with a coroutine or generator (a 500).
    called = (hook, type(hook).__call__)  # callable(hook): its type has a __call__
    if any(inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in called):
        raise ConfigurationError(
            f"{where}the {kind} {name} is an async def; Roob calls it synchronously as "
            f"{short}({call}): define it with def"
        )
    if any(inspect.isgeneratorfunction(function) for function in called):
        raise ConfigurationError(
            f"{where}the {kind} {name} is a generator (it yields); Roob calls it once as "
            f"{short}({call}) and sends what it returns: return instead of yielding"
        )
    try:
        signature = inspect.signature(hook)
    except (TypeError, ValueError):  # a builtin: nothing to read, it will tell when called
        return
    try:
        signature.bind(*arguments)
    except TypeError as exc:
        raise ConfigurationError(
            f"{where}the {kind} {name} cannot be called as {short}({call}) ({exc}); "
            f"define it as def {short}({call})"
        ) from None


def _class_view(cls: type, attribute: str, where: str) -> ViewMethod:
    function = getattr(cls, attribute)
    is_method = inspect.isfunction(function) and not isinstance(
        inspect.getattr_static(cls, attribute), staticmethod
    )
    example = f"def {attribute}(self, request, ...)" if is_method else f"{attribute}(request, ...)"
    signature = _signature(function, where, example, method=is_method)

    def dispatch(request: Any, **params: Any) -> Any:
        return getattr(cls(), attribute)(request, **params)

    dispatch.__name__ = f"{cls.__name__}.{attribute}"
    dispatch.__qualname__ = f"{cls.__qualname__}.{attribute}"
    dispatch.__doc__ = function.__doc__
    return ViewMethod(dispatch, function, signature)


def views_for(handler: Any, methods: Methods, where: str) -> dict[str, ViewMethod]:
    """The method -> :class:`ViewMethod` table of a function or class ``handler``.

    ``where`` names the route in the messages of the :class:`ConfigurationError`
    raised for a handler that cannot serve it.
    """
    if inspect.isclass(handler):
        for attribute in dir(handler):
            if attribute.upper() in HTTP_VERBS and attribute != attribute.lower():
                raise ConfigurationError(
                    f"{where}: class view {handler.__qualname__} defines {attribute}; verb "
                    f"methods are lower case: def {attribute.lower()}(self, request, ...)"
                )
        defined = [verb for verb in HTTP_VERBS if callable(getattr(handler, verb.lower(), None))]
        if not defined:
            raise ConfigurationError(
                f"{where}: class view {handler.__qualname__} defines no HTTP verb method "
                f"(one of {', '.join(v.lower() for v in HTTP_VERBS)})"
            )
        if methods is not None:
            wanted = normalize_methods(methods)
            missing = wanted - set(defined)
            if missing:
                raise ConfigurationError(
                    f"{where}: class view {handler.__qualname__} has no method for "
                    f"{', '.join(sorted(missing))}"
                )
            defined = [verb for verb in defined if verb in wanted]
        return {verb: _class_view(handler, verb.lower(), where) for verb in defined}
    if not callable(handler):
        raise ConfigurationError(f"{where}: {handler!r} is neither a function nor a class view")
    name = getattr(handler, "__name__", "view")
    name = name if name.isidentifier() else "view"
    view = ViewMethod(handler, handler, _signature(handler, where, f"def {name}(request, ...)"))
    return dict.fromkeys(normalize_methods(methods if methods is not None else ["GET"]), view)
