"""Registration: the verbs :class:`~roob.Roob` and :class:`~roob.Router` share, and the
one pipeline every route goes through.

1. :func:`register` checks what needs no application: the path, the name, and
   the view (roob/views.py: a plain function, or a class with verb methods,
   taking the request first). A router runs it when a route is added to it.
2. :func:`prepare_route` makes the :class:`~roob.routing.Route` record once the
   full path is known: the pattern compiled, the path parameters checked
   against the view's parameters and the others typed (roob/params.py), the
   router's hooks put around the view, the name defaulted and qualified. The
   route table, error dispatch, OpenAPI and ``roob routes`` read that record.

Each mistake is a :class:`~roob.ConfigurationError` naming the route, the view
and what to change.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict, TypeVar, Unpack

import webob

from roob._types import (
    AfterHook,
    BeforeHook,
    Environ,
    ExceptionHandler,
    ExceptionListener,
    Methods,
    TeardownFunction,
    View,
    WSGIApp,
)
from roob.conditional import conditional_view
from roob.convertors import Convertor
from roob.csrf import SAFE_METHODS, csrf_protected
from roob.dependencies import (
    Depends,
    bind_dependencies,
    check_dependencies,
    resolve_view,
    with_dependencies,
)
from roob.exceptions import ConfigurationError, HTTPError, InvalidRoute, UnprocessableEntity
from roob.params import TypedErrorHandler, filter_response, response_model, view_signature
from roob.responses import Response, to_response
from roob.routing import Endpoint, Route, compile_pattern
from roob.views import ViewMethod, check_hook, views_for

__all__ = [
    "AfterHookFailed",
    "AppDefaults",
    "Registration",
    "RegistrationAPI",
    "RouteOptions",
    "prepare_route",
    "register",
    "run_after_hooks",
    "run_before_hooks",
    "with_hooks",
    "with_status",
    "wsgi_response",
]

F = TypeVar("F", bound=Callable[..., Any])

#: What ``status=`` (on a route or in ``@operation``) must be.
STATUS_RULE = "status= must be a final HTTP status, an int from 200 to 599"


#: What an ``operation_id=`` may hold: it names a function in generated clients and is
#: part of Swagger UI's links.
_OPERATION_ID = re.compile(r"[A-Za-z0-9_.\-]+")


def tags_problem(tags: object) -> str | None:
    """Why ``tags=`` cannot be an operation's tags (a list of non-empty strings), or None."""
    if tags is None:
        return None
    if isinstance(tags, str):  # would be taken as a list of one-letter tags
        return f"tags= is a list of strings: tags=[{tags!r}], not tags={tags!r}"
    if not isinstance(tags, list | tuple) or not all(
        isinstance(tag, str) and tag.strip() for tag in tags
    ):
        return f"tags= must be a list of non-empty strings, not {tags!r}"
    return None


def operation_id_problem(operation_id: object) -> str | None:
    """Why ``operation_id=`` cannot be an operationId, or None."""
    if operation_id is None or (
        isinstance(operation_id, str) and _OPERATION_ID.fullmatch(operation_id)
    ):
        return None
    return (
        "operation_id= must be a non-empty string of letters, digits, '_', '.' and '-' "
        f"(generated clients name a function after it), not {operation_id!r}"
    )


def is_success_status(status: object) -> bool:
    """Whether ``status`` may be a route's ``status=``: an int from 200 to 599 (a 1xx
    is never a final answer, and a bool is not a status), ``HTTPStatus.CREATED`` too."""
    return isinstance(status, int) and not isinstance(status, bool) and 200 <= status <= 599


class RouteOptions(TypedDict, total=False):
    """What a route may be given besides its path, view and methods.

    ``name``: its name for ``url_for`` (the view's name by default).
    ``max_body_size``: the most bytes of body its requests may send, in place
    of the application's (413 past it, before the body is read).
    ``csrf``: require a CSRF token (roob/csrf.py) on its unsafe methods, or
    not, whatever the application's default.
    ``conditional``: ETags and 304s for its GET answers (roob/conditional.py),
    or not, whatever the application's default.
    ``status``: its success status (``201``), sent when the view returns a body
    without one of its own (a tuple's status, a ``Response``'s, a WSGI
    application's are kept; ``None`` is sent as an empty body with it) and
    written in the OpenAPI document.
    ``dependencies``: a list of :class:`~roob.Depends` run before its view, for
    their effect (roob/dependencies.py), after the application's and the routers'.
    ``tags``: its operations' tags in the OpenAPI document, after its routers'
    (``Router(tags=...)``) and before its views' (``@operation(tags=...)``).
    ``operation_id``: its operation's ``operationId`` in the OpenAPI document
    (for a route of one method; ``@operation(operation_id=...)`` names each
    method of a class view).
    """

    name: str | None
    max_body_size: int | None
    csrf: bool | None
    conditional: bool | None
    status: int | None
    dependencies: Sequence[Depends] | None
    tags: Sequence[str] | None
    operation_id: str | None


@dataclass(frozen=True)
class AppDefaults:
    """What an application gives the routes that do not say otherwise."""

    csrf: bool = False
    conditional: bool = False
    sessions: bool = False  # whether it has a secret key (CSRF needs one)


class Registration(NamedTuple):
    """A route as it was registered, checked as far as it can be without the application."""

    path: str
    handler: Any
    views: dict[str, ViewMethod]
    name: str | None
    where: str  # how messages name the route
    options: RouteOptions


def register(
    path: str, handler: Any, methods: Methods, options: RouteOptions, where: str = ""
) -> Registration:
    """Check a registration; ``where`` says whose route it is (``of Router(...)``)."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidRoute(f"route path {path!r} must be a string starting with '/'")
    described = f"route {path!r}{where}"
    unknown = set(options) - set(RouteOptions.__annotations__)
    if unknown:
        raise ConfigurationError(
            f"{described}: unknown option {', '.join(sorted(unknown))}; a route takes "
            f"{', '.join(RouteOptions.__annotations__)}"
        )
    name = options.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ConfigurationError(f"{described}: name= must be a non-empty string")
    limit = options.get("max_body_size")
    if limit is not None and (type(limit) is not int or limit < 0):
        raise ConfigurationError(
            f"{described}: max_body_size= must be a number of bytes (an int >= 0), not {limit!r}"
        )
    for flag in ("csrf", "conditional"):
        if not any(options.get(flag) is allowed for allowed in (None, True, False)):
            raise ConfigurationError(f"{described}: {flag}= must be True, False or None")
    status = options.get("status")
    if status is not None and not is_success_status(status):
        raise ConfigurationError(f"{described}: {STATUS_RULE}, not {status!r}")
    check_dependencies(options.get("dependencies"), described)
    problem = tags_problem(options.get("tags")) or operation_id_problem(options.get("operation_id"))
    if problem:
        raise ConfigurationError(f"{described}: {problem}")
    views = views_for(handler, methods, described)
    if status is not None and len({id(view.function) for view in views.values()}) > 1:
        raise ConfigurationError(
            f"{described}: status={status} would be the answer of each of its methods "
            f"({', '.join(views)}); put @operation(status={status}) on the method it is for"
        )
    _check_operation_ids(options.get("operation_id"), views, described)
    return Registration(path, handler, views, name, described, options)


def _check_operation_ids(
    route_id: str | None, views: dict[str, ViewMethod], described: str
) -> None:
    """An operationId names one operation: one method of one route. A route's ``operation_id=``
    and its view's ``@operation(operation_id=...)`` must agree."""
    documented = sorted(method for method in views if method not in ("HEAD", "OPTIONS"))
    if route_id is not None and len(documented) > 1:
        raise ConfigurationError(
            f"{described}: operation_id={route_id!r} would name each of its methods "
            f"({', '.join(documented)}); an operationId names one: put "
            "@operation(operation_id=...) on each method of a class view, or add the "
            "route once per method"
        )
    for method in documented:
        function = views[method].function
        declared = getattr(getattr(function, "__roob_operation__", None), "operation_id", None)
        if declared is None:
            continue
        name = getattr(function, "__qualname__", repr(function))
        if route_id is not None and declared != route_id:
            raise ConfigurationError(
                f"{described}: operation_id={route_id!r} and @operation(operation_id="
                f"{declared!r}) of the view {name} differ; give the operationId once"
            )
        if sum(views[other].function is function for other in documented) > 1:
            raise ConfigurationError(
                f"{described}: @operation(operation_id={declared!r}) of the view {name} "
                f"would name each of its methods ({', '.join(documented)}); an operationId "
                "names one: add the route once per method, each with its operation_id="
            )


def prepare_route(
    registration: Registration,
    convertors: dict[str, Convertor],
    *,
    prefix: str = "",
    names: tuple[str, ...] = (),
    before: tuple[BeforeHook, ...] = (),
    after: tuple[AfterHook, ...] = (),
    owner: object = None,
    defaults: AppDefaults = AppDefaults(),
    dependencies: tuple[Depends, ...] = (),
    tags: tuple[str, ...] = (),
) -> Route:
    """The route record of ``registration`` served under ``prefix``.

    ``names`` qualify the route's name (the routers' names, outermost first);
    ``tags`` are the routers' tags, outermost first;
    ``before`` and ``after`` are the router hooks its views run with;
    ``owner`` is the router inclusion it belongs to; ``defaults`` the
    application's for the route's options; ``dependencies`` the application's
    and the routers' (outermost first), which its views run before the route's
    own (roob/dependencies.py).
    """
    path = registration.path
    full_path = (prefix or "/") if path == "/" else prefix + path
    pattern = compile_pattern(full_path, convertors)
    base = registration.name or getattr(registration.handler, "__name__", None) or full_path
    route = Route(
        pattern,
        registration.handler,
        ".".join((*names, base)),
        explicit_name=registration.name is not None,
        owner=owner,
        tags=tuple(dict.fromkeys((*tags, *(registration.options.get("tags") or ())))),
        operation_id=registration.options.get("operation_id"),
    )
    where = registration.where if full_path == path else f"route {full_path!r}"
    options = registration.options
    csrf = options.get("csrf")
    csrf = defaults.csrf if csrf is None else csrf
    if csrf and not defaults.sessions:
        raise ConfigurationError(
            f"{where}: csrf=True needs sessions, where the token is kept: give the "
            "application a secret key, Roob(secret_key=...)"
        )
    conditional = options.get("conditional")
    conditional = defaults.conditional if conditional is None else conditional
    max_body_size = options.get("max_body_size")
    dependencies = (*dependencies, *check_dependencies(options.get("dependencies"), where))
    signatures: dict[int, Any] = {}  # a function serving several methods is read once
    for method, found in registration.views.items():
        read = signatures.get(id(found.function))
        if read is None:
            # Its Depends parameters and the route's dependencies become trees of providers;
            # the other parameters are typed as a view's (roob/params.py).
            own, trees = resolve_view(
                found.function, found.signature, pattern.names, where, dependencies
            )
            own_signature = view_signature(found.function, own, pattern.names, where)
            read = (own_signature, trees, with_dependencies(own_signature, trees, where))
            signatures[id(found.function)] = read
        own_signature, trees, signature = read
        view = bind_dependencies(found.view, own_signature, trees)
        status = _success_status(options.get("status"), found.function, signature.status, where)
        model = response_model(found.function, signature)
        if model is not None:  # only views that declare a model pay for it
            view = filter_response(view, model, where, status)
        if status is not None:  # only views that declare a status pay for it
            view = with_status(view, status)
            signature = dataclasses.replace(signature, status=status)
        view = with_hooks(view, before, after)
        if conditional and method == "GET":  # HEAD is served by the GET endpoint
            view = conditional_view(view)
        if csrf and method not in SAFE_METHODS:
            view = csrf_protected(view)
        if max_body_size is not None:
            view = with_body_limit(view, max_body_size)
        route.endpoints[method] = Endpoint(
            method, view, route=route, function=found.function, signature=signature
        )
    return route


def _success_status(
    route_status: int | None, function: Any, annotated: int | None, where: str
) -> int | None:
    """The status the route's ``status=`` or the view's ``@operation(status=...)`` gives
    (each is checked when given); one that differs from another, or from the
    ``Literal`` status of a ``-> tuple[Model, Literal[201]]`` annotation, is refused."""
    declared = getattr(getattr(function, "__roob_operation__", None), "status", None)
    given = [
        (status, said)
        for status, said in (
            (route_status, f"status={route_status}"),
            (declared, f"@operation(status={declared})"),
            (annotated, f"the return annotation's status {annotated}"),
        )
        if status is not None
    ]
    if len({status for status, _ in given}) > 1:
        name = getattr(function, "__qualname__", repr(function))
        raise ConfigurationError(
            f"{where}: {' and '.join(said for _, said in given)} of the view {name} differ; "
            "give the status once"
        )
    status = route_status if route_status is not None else declared
    return None if status is None else int(status)  # HTTPStatus.CREATED is 201


def with_status(view: View, status: int) -> View:
    """``view`` whose bodies are sent with ``status``.

    A ``(body, status)`` tuple, a ``Response`` and any other WSGI application
    keep their own status; ``None`` becomes an empty answer with ``status``.
    """

    @functools.wraps(view)
    def view_with_status(request: Any, **params: Any) -> Any:
        result = view(request, **params)
        if isinstance(result, tuple) or (callable(result) and not hasattr(result, "model_dump")):
            return result
        return result, status

    return view_with_status


def with_body_limit(view: View, limit: int) -> View:
    """``view`` whose requests may have a body of up to ``limit`` bytes (413 past it)."""

    @functools.wraps(view)
    def limited_view(request: Any, **params: Any) -> Any:
        request.max_body_size = limit
        length = request.content_length
        if length is not None and length > limit:
            raise request._too_large()  # before a byte is read, whether the view reads or not
        return view(request, **params)

    return limited_view


class AfterHookFailed(Exception):
    """An ``after_request`` hook raised ``error``; the error response skips the hooks."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _hook_response(hook: Callable[..., Any], kind: str, value: Any) -> Any:
    try:
        return to_response(value)
    except TypeError:
        raise TypeError(
            f"the {kind} hook {getattr(hook, '__qualname__', hook)!r} returned "
            f"{type(value).__name__}; return None to "
            f"{'let the view answer' if kind == 'before_request' else 'keep the response'}, "
            "or a Response, dict, list, str, bytes or (body, status[, headers]) tuple"
        ) from None


def run_before_hooks(hooks: Sequence[BeforeHook], request: Any) -> Any:
    """The response of the first hook returning something other than None, or None."""
    for hook in hooks:
        early = hook(request)
        if early is not None:
            return _hook_response(hook, "before_request", early)
    return None


def run_after_hooks(hooks: Sequence[AfterHook], request: Any, response: Any) -> Any:
    """``response`` passed through each hook in turn; a hook returning None keeps it.

    Hooks always get a Response: a bare WSGI application (a view may return
    one) is called first, for its status and headers (:func:`wsgi_response`).
    A hook that raises, or an application that fails then, is reported as
    :class:`AfterHookFailed`, so that the error response does not run the
    hooks a second time.
    """
    try:
        for hook in hooks:
            if not isinstance(response, webob.Response):  # the view's, or a hook's
                response = wsgi_response(response, request.environ)
            returned = hook(request, response)
            if returned is not None:
                response = _hook_response(hook, "after_request", returned)
    except Exception as exc:
        raise AfterHookFailed(exc) from exc
    return response


def wsgi_response(app: WSGIApp, environ: Environ) -> Response:
    """A :class:`~roob.Response` for the WSGI application ``app``, called now.

    The application runs until it has called ``start_response`` (at once, or
    when a generator yields its first chunk), so that its status and headers
    are the Response's, as Werkzeug's ``Response.from_app`` does. The rest of
    its body is produced as it is sent; closing the Response's body closes
    the application's. An application that ends without starting a response
    is a ``RuntimeError``.
    """
    started: list[Any] = []
    early: list[bytes] = []  # written with write(), or produced before it started

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]  # nothing is sent yet: exc_info may replace them
        return early.append

    body = app(environ, start_response)
    rest: Iterator[bytes] | None = None
    try:
        if not started:
            rest = iter(body)
            for chunk in rest:
                early.append(chunk)
                if started:
                    break
            if not started:
                raise RuntimeError(
                    f"the WSGI application {app!r} ended without calling start_response"
                )
    except BaseException:
        close = getattr(body, "close", None)
        if close is not None:
            close()
        raise
    if early or rest is not None:
        body = _ApplicationBody(early, iter(body) if rest is None else rest, body)
    status, headers = started
    return Response(status=status, headerlist=list(headers), app_iter=body)


class _ApplicationBody:
    """The body of :func:`wsgi_response`: the chunks read early, then the rest; ``close()``
    closes the application's own body (PEP 3333)."""

    def __init__(self, early: list[bytes], rest: Iterator[bytes], body: Iterable[bytes]) -> None:
        self.early, self.rest, self.body = early, rest, body

    def __iter__(self) -> Iterator[bytes]:
        yield from self.early
        yield from self.rest

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def with_hooks(view: View, before: tuple[BeforeHook, ...], after: tuple[AfterHook, ...]) -> View:
    """``view`` with router hooks around it, or ``view`` itself when there are none."""
    if not before and not after:
        return view

    @functools.wraps(view)
    def hooked_view(request: Any, **params: Any) -> Any:
        result = run_before_hooks(before, request) if before else None
        if result is None:
            result = view(request, **params)
        return run_after_hooks(after, request, to_response(result)) if after else result

    return hooked_view


class RegistrationAPI:
    """The registration methods :class:`~roob.Roob` and :class:`~roob.Router` share.

    A subclass provides :meth:`add_route` and the hook and handler tables.
    """

    _before: list[BeforeHook]
    _after: list[AfterHook]
    _exception_handlers: dict[type[BaseException], ExceptionHandler]
    _teardown: list[TeardownFunction]
    _listeners: list[ExceptionListener]
    #: Whether a teardown function may run for a request (the application's is
    #: also set when it includes a router that has one): requests of an
    #: application without any pay nothing for them.
    _ends_requests = False
    #: Whether an ``on_exception`` listener may hear of a request's exception (set as
    #: ``_ends_requests`` is).
    _listening = False

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, **options: Unpack[RouteOptions]
    ) -> Route | None:
        """Serve ``path`` with ``handler``: the route (None on a router, until included)."""
        raise NotImplementedError  # pragma: no cover - Roob and Router define it

    def _check_open(self) -> None:
        """Raise :class:`ConfigurationError` if registrations are no longer accepted."""

    #: How messages about its hooks and handlers start: whose they are.
    _where = ""

    def route(
        self, path: str, methods: Methods = None, **options: Unpack[RouteOptions]
    ) -> Callable[[F], F]:
        """Decorator form of :meth:`add_route`, for functions and classes.

        Decorators may be stacked: one function can serve several paths.
        ``options`` are a route's (:class:`RouteOptions`): ``name``,
        ``max_body_size``, ``csrf``, ``conditional``, ``status``, ``tags``,
        ``operation_id``.
        """

        def register(handler: F) -> F:
            self.add_route(path, handler, methods, **options)
            return handler

        return register

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["PUT"], **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["PATCH"], **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["DELETE"], **options)

    def add_exception_handler(
        self,
        exc_class_or_handler: type[BaseException] | ExceptionHandler,
        handler: ExceptionHandler | None = None,
        *,
        response: Any = None,
    ) -> None:
        """Send ``handler(request, exc)``'s return value for exceptions of a class.

        ``add_exception_handler(handler)`` alone handles every exception that
        has no more specific handler (HTTP errors keep theirs).

        ``response=Model``, for a handler of ``HTTPError`` or
        ``UnprocessableEntity``, is the class of the body it returns: the OpenAPI
        document gives it as the body of the errors it answers (every ``4XX``,
        or the 422 of typed parameters), in place of Roob's ``{"message": ...}``.
        What the handler returns is validated as ``Model`` and sent with the
        error's status unless it gives one (:class:`~roob.params.TypedErrorHandler`).
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
        check_hook(
            handler,
            "exception handler",
            ("request", "exc"),
            self._where,
            f" for {exc_class.__name__}",
        )
        if response is not None:
            where = f"{self._where}the exception handler {handler!r} for {exc_class.__name__}"
            if exc_class not in (HTTPError, UnprocessableEntity):
                raise ConfigurationError(
                    f"{where}: response= documents the body of the errors of every operation: "
                    "give it to a handler of HTTPError (every 4XX) or of UnprocessableEntity "
                    "(the 422 of typed parameters); document another answer with "
                    "@operation(responses={status: (description, Model)})"
                )
            handler = TypedErrorHandler(handler, response, where)
        self._exception_handlers[exc_class] = handler

    def exception_handler(
        self, exc_class: type[BaseException], *, response: Any = None
    ) -> Callable[[F], F]:
        """Decorator form of :meth:`add_exception_handler` for one class."""

        def register(handler: F) -> F:
            self.add_exception_handler(exc_class, handler, response=response)
            return handler

        return register

    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each view; a value other than None is sent instead."""
        self._check_open()
        check_hook(hook, "before_request hook", ("request",), self._where)
        self._before.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` on each response.

        It returns the response to send, or None to send the one it was
        given (which it may have changed in place).
        """
        self._check_open()
        check_hook(hook, "after_request hook", ("request", "response"), self._where)
        self._after.append(hook)
        return hook

    def teardown_request(self, function: F) -> F:
        """Call ``function(request, exc)`` once each request has ended, whatever happened.

        It runs after the answer is finished: for a body sent at once, before
        the application returns it; for a streamed body, when the server closes
        it (sent whole, broken, or the client gone). ``exc`` is the exception
        that made the answer an error (a view's, a hook's, a handler's, a broken
        stream's), None otherwise, also when the client left. A router's run for
        its routes, innermost router first, then the application's, each in the
        order of registration; one that raises is logged and the others still
        run. Its return value is ignored. See roob/lifecycle.py.
        """
        self._check_open()
        check_hook(function, "teardown_request function", ("request", "exc"), self._where)
        self._teardown.append(function)
        self._ends_requests = True
        return function

    def on_exception(self, listener: F) -> F:
        """Call ``listener(request, exc)`` for each exception a view, a hook, an exception
        handler or a streamed body raises, before its handler makes the answer.

        It sees every one, handled or not (``HTTPError`` too; not the 404 or 405
        of a path no route serves, which no application code raised): the place
        for tracing and error reporting, which the handlers, turning exceptions
        into answers, hide. A router's listen to its routes, innermost first,
        then the application's. One that raises is logged and the others still
        run; what it returns is ignored. See roob/lifecycle.py.
        """
        self._check_open()
        check_hook(listener, "on_exception listener", ("request", "exc"), self._where)
        self._listeners.append(listener)
        self._listening = True
        return listener
