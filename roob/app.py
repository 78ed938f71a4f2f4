"""The application: registration API, WSGI entry point and error dispatch.

A :class:`Roob` instance is a WSGI application::

    app = Roob()

    @app.get("/hello/{name}")
    def hello(request, name):
        return {"hello": name}

A request goes: WSGI middleware (last added outermost) -> static files ->
the route table (404 / 405 / endpoint) -> ``before_request`` hooks -> the view ->
its return value made a response -> ``after_request`` hooks. An exception on
the way is given to the handler registered for its class (the most specific
one along its MRO); by default an :class:`~roob.HTTPError` is sent as its
status with ``{"message": ...}`` and anything else as a logged 500.

Routes of a :class:`~roob.Router` included with :meth:`Roob.include_router`
have the router's hooks around their views and its exception handlers before
the application's (see roob/routers.py).
"""

from __future__ import annotations

import contextvars
import copy
import operator
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, Unpack
from urllib.parse import quote

import webob
import webob.exc

from roob._types import (
    AfterHook,
    BeforeHook,
    Environ,
    ExceptionHandler,
    ExceptionListener,
    Headers,
    Methods,
    StartResponse,
    TeardownFunction,
    WSGIApp,
)
from roob.convertors import (
    Convertor,
    FunctionConvertor,
    default_convertors,
    validate_convertor_regex,
)
from roob.csrf import CSRFError, csrf_token
from roob.dependencies import Depends, check_dependencies
from roob.exceptions import ConfigurationError, HTTPError, MethodNotAllowed, UnsafeHeader
from roob.lifecycle import (
    StreamedBody,
    current_request,
    end_request,
    notify,
    reset_request,
    set_request,
)
from roob.lifespan import Lifespan, StartupFunction
from roob.logs import logger
from roob.registration import (
    AfterHookFailed,
    AppDefaults,
    Registration,
    RegistrationAPI,
    RouteOptions,
    prepare_route,
    register,
    run_after_hooks,
    run_before_hooks,
)
from roob.requests import DEFAULT_MAX_BODY_SIZE, ENDS_KEY, ROUTE_KEY, Request
from roob.responses import (
    Response,
    dump_json,
    held_until_body,
    internal_error_message,
    prefers_html,
    to_response,
)
from roob.routers import Inclusion, Router, inclusion_for_path, mount
from roob.routing import Endpoint, Route, RouteTable
from roob.sessions import SessionCookie, session_layer
from roob.staticfiles import static_files
from roob.templating import Templates
from roob.urls import check_public_origin, static_version

__all__ = ["Roob"]

_Startup = TypeVar("_Startup", bound=StartupFunction)
# For speed: a request made without a call of Request.__init__ (see _dispatch).
_new_object = object.__new__
# What uWSGI puts in every environ.
UWSGI_KEY = "uwsgi.version"


class _DefaultFolder(str):
    """A folder name given by default, which may be absent (an explicit one may not)."""


DEBUG_VARIABLE = "ROOB_DEBUG"
DEFAULT_TEMPLATE_DIR = _DefaultFolder("templates")
DEFAULT_STATIC_DIR = _DefaultFolder("static")


def _creator_folder() -> str:
    """The folder of the module that called ``Roob(...)`` (the working folder if none)."""
    # Two frames up: past Roob.__init__, the caller (a subclass's __init__ for a
    # subclass: its module's folder holds its templates).
    filename = sys._getframe(2).f_globals.get("__file__")
    return os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()


def _folder(root: str, name: str | os.PathLike[str], what: str) -> str:
    path = os.path.join(root, os.fspath(name))
    if not isinstance(name, _DefaultFolder) and not os.path.isdir(path):
        raise ConfigurationError(
            f"{what}={os.fspath(name)!r} is not a folder ({path} does not exist); create "
            f"it, or pass the folder (relative ones are read from root_path={root!r})"
        )
    return path


class Roob(RegistrationAPI):
    """A WSGI web application.

    :param template_dir: where :meth:`template` finds Jinja2 templates.
    :param static_dir: a folder served as static files (None for none). A
        relative folder is found in ``root_path``; one that does not exist is a
        :class:`~roob.ConfigurationError`, except the defaults, which may be absent.
    :param root_path: the folder relative ones are read from; by default the
        folder of the module that creates the application, as in Flask,
        whatever the current directory.
    :param debug: send exception details to clients (an HTML page with the
        traceback for browsers, JSON for the others) and reload templates and
        static files on change. Never in production. Not given: on when the
        environment variable ``ROOB_DEBUG`` is ``1`` (``roob run --debug``).
    :param max_body_size: the most bytes a request body may have (413 past it).
    :param static_url: the URL prefix of the static files (default: the root).
    :param request_class: the :class:`~roob.Request` subclass views receive.
    :param secret_key: signs the session cookie (``request.session``,
        roob/sessions.py): a long random string kept out of the code, or a
        list of them, newest first, to rotate keys.
    :param sessions: the session cookie's settings, a
        :class:`~roob.SessionCookie` (which takes the keys), instead of
        ``secret_key``.
    :param csrf: require a CSRF token on the unsafe requests that a browser
        can send from another site (roob/csrf.py); needs a secret key.
    :param conditional: ETags and 304 answers for GET views (roob/conditional.py).
    :param public_origin: ``scheme://host[:port]`` of absolute URLs
        (``request.url_for(..., external=True)``).
    :param title: the API's title in :meth:`openapi` (default "Roob application").
    :param version: the API's version in :meth:`openapi` (default "0.1.0").
    :param description: the API's description in :meth:`openapi` (Markdown).
    :param terms_of_service: the URL of its terms of service.
    :param contact: ``{"name": ..., "url": ..., "email": ...}``, each optional.
    :param license_info: ``{"name": "MIT", "identifier": "MIT"}`` (or ``"url"``).
    :param servers: ``[{"url": "https://api.example.com/v1", "description": ...}]``;
        the paths of the document are relative to them.
    :param openapi_tags: the tags' order and descriptions,
        ``[{"name": "articles", "description": ...}]``.

    The document's settings may be given here or to :meth:`add_api_docs`,
    each once (one given to both with different values is refused).
    :param dependencies: a list of :class:`~roob.Depends` that every route runs
        before its view, for their effect, first (roob/dependencies.py); not the
        routes of :meth:`add_api_docs`.
    """

    def __init__(
        self,
        template_dir: str | os.PathLike[str] = DEFAULT_TEMPLATE_DIR,
        static_dir: str | os.PathLike[str] | None = DEFAULT_STATIC_DIR,
        *,
        root_path: str | os.PathLike[str] | None = None,
        debug: bool | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        static_url: str = "/",
        request_class: type[Request] = Request,
        secret_key: str | bytes | Sequence[str | bytes] | None = None,
        sessions: SessionCookie | None = None,
        csrf: bool = False,
        conditional: bool = False,
        public_origin: str | None = None,
        title: str | None = None,
        version: str | None = None,
        description: str | None = None,
        terms_of_service: str | None = None,
        contact: Mapping[str, str] | None = None,
        license_info: Mapping[str, str] | None = None,
        servers: Sequence[Mapping[str, Any]] | None = None,
        openapi_tags: Sequence[Mapping[str, Any]] | None = None,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        if not isinstance(max_body_size, int) or max_body_size < 0:
            raise ConfigurationError("max_body_size must be a non-negative int")
        if secret_key is not None and sessions is not None:
            raise ConfigurationError(
                "give the keys once: Roob(secret_key=...) or "
                "Roob(sessions=SessionCookie(keys, ...))"
            )
        if secret_key is not None:
            sessions = SessionCookie(secret_key)
        if csrf and sessions is None:
            raise ConfigurationError(
                "Roob(csrf=True) keeps its tokens in the session, which needs a secret key: "
                "Roob(secret_key=..., csrf=True)"
            )
        self.sessions = sessions
        self.public_origin = check_public_origin(public_origin)
        self.defaults = AppDefaults(
            csrf=csrf, conditional=conditional, sessions=sessions is not None
        )
        if debug is None:
            debug = os.environ.get(DEBUG_VARIABLE, "").lower() in {"1", "true", "yes", "on"}
        self.debug = debug
        self.root_path = os.fspath(root_path) if root_path is not None else _creator_folder()
        self.max_body_size = max_body_size
        self.dependencies = check_dependencies(dependencies, "Roob(...)")
        # The OpenAPI document's settings that were given (roob/openapi.py checks them).
        self._document_settings: dict[str, Any] = {}
        self.title = "Roob application"
        self.version = "0.1.0"
        self._set_document(self._with_settings(
            "Roob(...)", title=title, version=version, description=description,
            terms_of_service=terms_of_service, contact=contact, license_info=license_info,
            servers=servers, openapi_tags=openapi_tags,
        ))  # fmt: skip
        self.route_table = RouteTable(default_convertors())
        templates = _folder(self.root_path, template_dir, "template_dir")
        self.templates = Templates(
            templates,
            auto_reload=debug,
            globals={"url_for": self.url_for, "static_url": self.url_for_static,
                     "csrf_token": _template_csrf_token},
        )  # fmt: skip
        self.static_dir = (
            None if static_dir is None else _folder(self.root_path, static_dir, "static_dir")
        )
        self.static_url = static_url
        # For speed: the application's own subclass carries the application and the
        # body limit as class attributes, instead of every request being told them.
        self.request_class: type[Request] = type(request_class.__name__, (request_class,), {
            "app": self,
            "max_body_size": max_body_size,
            "__module__": request_class.__module__,
            "__qualname__": request_class.__qualname__,
        })  # fmt: skip
        self._bare_requests = self.request_class.__init__ is Request.__init__
        # For speed: _dispatch finds a parameterless route in this dict itself.
        self._static_routes = self.route_table.static
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
        self._teardown: list[TeardownFunction] = []
        self._listeners: list[ExceptionListener] = []
        self._ends_requests = False  # for speed: read per request, as an instance attribute
        self._listening = False
        self._inclusions: list[Inclusion] = []  # one per router inclusion, for errors only
        self._scoped_errors = False  # whether a router has exception handlers or after hooks
        self._exception_handlers: dict[type[BaseException], ExceptionHandler] = {
            HTTPError: _http_error_response,
            CSRFError: _csrf_error_response,
            webob.exc.WSGIHTTPException: _webob_error_response,
            Exception: self._internal_error_response,
        }
        dispatch = self._dispatch if sessions is None else session_layer(self._dispatch, sessions)
        # The middleware stack; __call__ calls _wsgi, which is the stack itself, or the
        # startup gate until this process has run its startup (roob/lifespan.py).
        self._stack: WSGIApp = static_files(
            dispatch, self.static_dir, url_prefix=static_url, autorefresh=debug
        )
        self._wsgi: WSGIApp = self._stack
        #: The startup and shutdown functions (:meth:`on_startup`, :meth:`on_shutdown`).
        self.lifespan = Lifespan(self._route_calls)

    # --- WSGI -------------------------------------------------------------

    if TYPE_CHECKING:

        def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            return self._wsgi(environ, start_response)

    else:
        # For speed: calling the application calls what _wsgi holds (the middleware stack,
        # or the startup gate) without a frame of Python of its own (about 300 machine
        # instructions a request): __call__ is a property, read in C, that gives it.
        __call__ = property(operator.attrgetter("_wsgi"))

    def _first_request(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """The startup gate: startup (or the process exits), then the request."""
        self.lifespan.start_or_exit()
        return self._stack(environ, start_response)

    def _route_calls(self) -> None:
        """Call through the startup gate while startup is due in this process, and straight
        to the stack once it has run: the requests after the first pay nothing for it."""
        self._wsgi = self._first_request if self.lifespan.due else self._stack

    def _dispatch(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self._bare_requests:  # for speed: Request.__init__'s one store, without its frame
            request = _new_object(self.request_class)
            request.__dict__["environ"] = environ
        else:  # the application's request class has an __init__ of its own
            request = self.request_class(environ)
        # The request's life (roob/lifecycle.py): the current request until this returns.
        context = set_request(request)
        endpoint: Endpoint | _Unrouted | None = None
        try:
            try:
                method = environ["REQUEST_METHOD"]
                path = environ.get("PATH_INFO", "")
                endpoints = self._static_routes.get(path)
                endpoint = None if endpoints is None else endpoints.get(method)
                params = None
                if endpoint is None:
                    if not self._before:  # a 404 or 405 goes straight to _error_response
                        endpoint, params = self.route_table.resolve(path, method)
                    else:  # they run for a 404 or 405 too: its endpoint raises it after them
                        try:
                            endpoint, params = self.route_table.resolve(path, method)
                        except HTTPError as miss:
                            endpoint = _Unrouted(miss, self._route_of(miss, path))
                environ[ROUTE_KEY] = endpoint.route
                # For speed, the hooks' short cut is an empty branch: without hooks this
                # costs one test, and the view's call needs no second one.
                if self._before and (result := run_before_hooks(self._before, request)) is not None:
                    pass
                elif params:
                    result = endpoint.view(request, **params)
                else:
                    result = endpoint.view(request)
                if not self._after:
                    kind = type(result)
                    if kind is dict or kind is list:  # inlined Response(json=...) for speed
                        body = dump_json(result)
                        start_response(
                            "200 OK",
                            [("Content-Type", "application/json"),
                             ("Content-Length", str(len(body)))],
                        )  # fmt: skip
                        if self._ends_requests or ENDS_KEY in environ:
                            end_request(request, None, self._teardowns_for(endpoint))
                        return [] if method == "HEAD" else [body]
                    response = result if isinstance(result, webob.Response) else to_response(result)
                else:
                    response = run_after_hooks(self._after, request, to_response(result))
                error = None
            except Exception as exc:
                error = exc  # an AfterHookFailed is unwrapped where the request ends
                response = self._error_response(request, exc, endpoint)
            if type(getattr(response, "_app_iter", None)) is list:  # a body that cannot fail
                try:
                    answer = response(environ, start_response)
                except Exception as exc:  # starting it raised: the server has sent nothing
                    error = exc
                    answer = self._restarted(request, exc, endpoint, start_response)
                if self._ends_requests or ENDS_KEY in environ:
                    end_request(request, _cause(error), self._teardowns_for(endpoint))
                return answer
            return self._streamed(response, request, endpoint, start_response, error)
        except BaseException as failure:
            # No answer to end the request with: starting the answer raised (a session
            # value JSON refuses, a header the server refuses), the stream could not
            # start, or something that is not an Exception (a worker's timeout) came.
            end_request(request, failure, self._teardowns_for(endpoint))
            raise
        finally:
            reset_request(context)
            # For speed: an exception's traceback holds this frame, which would hold the
            # exception (a reference cycle, left to the garbage collector).
            error = endpoint = None

    def _restarted(
        self,
        request: Request,
        exc: Exception,
        endpoint: Endpoint | _Unrouted | None,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """A 500 instead of an answer whose start raised (a session value JSON refuses, a
        header value the server refuses): ``start_response`` again, with ``exc_info``, which
        replaces the status and headers the server has not sent yet (PEP 3333). Left to
        the server, such an exception is a 500 on some servers, and on uWSGI a 200 without
        a body or nothing at all. (uWSGI itself is called again without ``exc_info``.)"""
        if self._listening:
            notify(self._listeners_for(endpoint), request, exc)
        exc_info = (type(exc), exc, exc.__traceback__)

        def restart(status: str, headers: list[tuple[str, str]], _: Any = None) -> Any:
            if UWSGI_KEY in request.environ:  # its exc_info sends the headers and no body,
                return start_response(status, headers)  # and it takes a call without it
            return start_response(status, headers, exc_info)

        return self._internal_error_response(request, exc)(request.environ, restart)

    def _streamed(
        self,
        response: WSGIApp,
        request: Request,
        endpoint: Endpoint | _Unrouted | None,
        start_response: StartResponse,
        error: Exception | None,
    ) -> Iterable[bytes]:
        """Send a body that is produced as it is sent, in the request's context, the request
        ending when the server closes it (a closure in _dispatch would slow every request:
        its variables would become cells)."""
        environ = request.environ
        listeners = self._listeners_for(endpoint) if self._listening else ()
        streamed = StreamedBody(
            (),
            request,
            contextvars.copy_context(),
            listeners,
            self._teardowns_for(endpoint),
            _cause(error),
        )

        def fail(exc: Exception) -> list[bytes]:  # the body broke before its first byte
            streamed.error = exc
            answer = self._error_response(request, exc, endpoint, hooks_ran=True)
            return list(answer(environ, start_response))

        streamed.body = held_until_body(response, environ, start_response, fail)
        return streamed

    def _error_response(
        self,
        request: Request,
        exc: Exception,
        endpoint: Endpoint | _Unrouted | None = None,
        *,
        hooks_ran: bool = False,
    ) -> Any:
        """The response for ``exc``: its handler's, through the after hooks.

        The ``on_exception`` listeners hear of ``exc`` first (not of a 404 or 405
        that routing raised). When the hooks have run already (an after hook
        raised, or a streamed body broke after they passed it), the error
        response skips them.
        """
        hooks_ran = hooks_ran or isinstance(exc, AfterHookFailed)
        if isinstance(exc, AfterHookFailed):
            exc = exc.error
        if endpoint is None:  # routing raised: what request.route says of a 404 or 405
            request.environ[ROUTE_KEY] = (
                self._route_of(exc, request.environ.get("PATH_INFO", ""))
                if type(exc) is MethodNotAllowed
                else None
            )
        elif self._listening and not (isinstance(endpoint, _Unrouted) and exc is endpoint.error):
            # (not of routing's 404 or 405: no code of the application raised them)
            notify(self._listeners_for(endpoint), request, exc)
        inclusion = self._inclusion_for(request, endpoint) if self._scoped_errors else None
        handler, catch_all = self._handler_for(type(exc), inclusion)
        if catch_all and handler != self._internal_error_response:
            # The application's own handler for Exception: Roob's log line stays.
            self._log_unhandled(request, exc)
        try:
            try:
                response = _handled(handler, request, exc)
            except UnsafeHeader as unsafe:  # the error's headers held the client's line break
                handler, _ = self._handler_for(UnsafeHeader, inclusion)
                response = _handled(handler, request, unsafe)
        except Exception as failure:
            logger.exception("The exception handler %r failed", handler)
            notify(self._listeners_for(endpoint) if self._listening else (), request, failure)
            response = self._internal_error_response(request, failure)
        after = self._after if inclusion is None else [*inclusion.after, *self._after]
        if after and not hooks_ran:
            try:
                response = run_after_hooks(after, request, response)
            except AfterHookFailed as failure:
                notify(
                    self._listeners_for(endpoint) if self._listening else (), request, failure.error
                )
                response = self._internal_error_response(request, failure.error)
        return response

    def _route_of(self, miss: HTTPError, path: str) -> Route | None:
        """The route of a request routing refused: a route of the path for a 405 (the
        first method it serves: OPTIONS is last), None for a 404."""
        if type(miss) is not MethodNotAllowed:
            return None
        return self.route_table.resolve(path, miss.allowed[0])[0].route

    def _scope(self, endpoint: Endpoint | _Unrouted | None) -> Inclusion | None:
        """The router inclusion of the route whose view serves the request, if any."""
        if isinstance(endpoint, Endpoint) and endpoint.route is not None:
            owner = endpoint.route.owner
            return owner if isinstance(owner, Inclusion) else None
        return None

    def _teardowns_for(self, endpoint: Endpoint | _Unrouted | None) -> Sequence[TeardownFunction]:
        """The teardown functions of a request: its route's routers' (innermost first),
        then the application's."""
        scope = self._scope(endpoint) if self._ends_requests else None
        return self._teardown if scope is None else (*scope.teardown, *self._teardown)

    def _listeners_for(self, endpoint: Endpoint | _Unrouted | None) -> Sequence[ExceptionListener]:
        """The ``on_exception`` listeners of a request: its route's routers' (innermost
        first), then the application's."""
        scope = self._scope(endpoint)
        return self._listeners if scope is None else (*scope.listeners, *self._listeners)

    def _inclusion_for(
        self, request: Request, endpoint: Endpoint | _Unrouted | None
    ) -> Inclusion | None:
        """The router inclusion an error belongs to: the route's, or for a 404/405 the path's."""
        if isinstance(endpoint, Endpoint) and endpoint.route is not None:
            owner = endpoint.route.owner
            return owner if isinstance(owner, Inclusion) else None
        return inclusion_for_path(self._inclusions, request.environ.get("PATH_INFO", ""))

    def _handler_for(
        self, exc_type: type[BaseException], inclusion: Inclusion | None = None
    ) -> tuple[ExceptionHandler, bool]:
        """Along the MRO, the first class with a handler (the innermost router's on a tie),
        and whether that class is Exception itself (the handler of last resort)."""
        tables = (self._exception_handlers,) if inclusion is None else inclusion.handler_tables
        for cls in exc_type.__mro__:
            for handlers in tables:
                if cls in handlers:
                    return handlers[cls], cls is Exception
        return self._internal_error_response, True  # pragma: no cover - Exception is always there

    #: Whether Roob logs each exception that reaches the handler for ``Exception`` (an
    #: ERROR record "Unhandled exception: GET /path" with the traceback, on the ``roob``
    #: logger), the application's own handler for ``Exception`` included. Set it to
    #: False when something else reports them (an error tracker's on_exception listener).
    log_unhandled_exceptions = True

    def _log_unhandled(self, request: Request, exc: BaseException) -> None:
        if self.log_unhandled_exceptions:
            internal_error_message(request.environ, exc, self.debug)  # logs it

    def _internal_error_response(self, request: Request, exc: BaseException) -> Response:
        self._log_unhandled(request, exc)
        if self.debug:
            from roob.debug import debug_response  # built only in debug mode

            return debug_response(request, exc)
        return Response(json={"message": "Internal Server Error"}, status=500)

    # --- registration -----------------------------------------------------

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, **options: Unpack[RouteOptions]
    ) -> Route:
        """Serve ``path`` with a function or class view.

        A function answers ``methods`` (GET when not given); a class answers
        the verbs it defines. HEAD follows GET and OPTIONS is automatic.
        ``name`` names the route for :meth:`url_for` (the view's name by
        default); a name given this way must be unique. The other options
        (:class:`~roob.registration.RouteOptions`): ``max_body_size``,
        ``csrf``, ``conditional``, ``status`` (the success status, ``201``).
        """
        return self._add_route(register(path, handler, methods, options), self.dependencies)

    def _add_route(self, registration: Registration, dependencies: tuple[Depends, ...]) -> Route:
        route = prepare_route(
            registration,
            self.route_table.convertors,
            defaults=self.defaults,
            dependencies=dependencies,
        )
        self.route_table.add(route)
        return route

    def include_router(self, router: Router, prefix: str = "", *, name: str | None = None) -> None:
        """Serve the routes of ``router`` and of the routers nested in it.

        A route's path is ``prefix + router.prefix + path``. ``name`` replaces
        the router's name (which qualifies route names: ``"users.show"``) for
        this inclusion, so that one router may be included twice. Bad patterns
        and conflicts raise here; the router takes no registrations afterwards.
        """
        if not isinstance(router, Router):
            raise ConfigurationError(f"{router!r} is not a roob.Router")
        convertors = self.route_table.convertors
        for inclusion in mount(router, prefix, name, self._exception_handlers, convertors):
            for registration in inclusion.router.registrations:
                route = prepare_route(
                    registration,
                    convertors,
                    prefix=inclusion.prefix_text,
                    names=inclusion.names,
                    before=inclusion.before,
                    after=inclusion.after,
                    owner=inclusion,
                    defaults=self.defaults,
                    dependencies=(*self.dependencies, *inclusion.dependencies),
                    tags=inclusion.tags,
                )
                self.route_table.add(route)
            self._inclusions.append(inclusion)
            self._scoped_errors |= inclusion.handles_errors
            self._ends_requests |= bool(inclusion.teardown)
            self._listening |= bool(inclusion.listeners)

    @property
    def routes(self) -> list[Route]:
        """Every registered route, in registration order."""
        return list(self.route_table.routes)

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` (a view's ``__name__`` by default).

        ``params`` fill the pattern's parameters (one may be called ``name``);
        the path comes back percent-encoded, ready to put in a link. During a
        request it starts with the request's ``SCRIPT_NAME``, as
        :meth:`Request.url_for <roob.Request.url_for>` (which also builds
        absolute URLs) does.
        """
        path = self.route_table.url_for(name, **params)
        request = current_request()
        return path if request is None else request.script_name + path

    def url_for_static(self, path: str) -> str:
        """The URL of the static file ``path`` (relative to ``static_dir``), with
        ``?v=`` and a hash of its content, so that browsers fetch it again when it
        changes. A file that does not exist is a LookupError."""
        if self.static_dir is None:
            raise ConfigurationError("url_for_static() needs a static_dir")
        relative = path.lstrip("/")
        full = os.path.normpath(os.path.join(self.static_dir, relative))
        if not full.startswith(os.path.join(os.path.normpath(self.static_dir), "")) or (
            not os.path.isfile(full)
        ):
            raise LookupError(f"no static file {path!r} in {self.static_dir}")
        prefix = self.static_url.rstrip("/")
        request = current_request()
        script_name = "" if request is None else request.script_name
        return f"{script_name}{prefix}/{quote(relative)}?v={static_version(full)}"

    def add_convertor(
        self,
        name: str,
        regex: str | Convertor,
        to_python: Callable[[str], Any] = str,
        to_string: Callable[[Any], str] = str,
    ) -> None:
        """Make ``{param:name}`` available in the patterns added after this call.

        Pass a regex for one segment and the function turning the matched text
        into a value (raising ``ValueError`` to refuse it), or a
        :class:`~roob.Convertor` instance.
        """
        convertor = regex if isinstance(regex, Convertor) else (
            FunctionConvertor(regex, to_python, to_string)
        )  # fmt: skip
        try:
            validate_convertor_regex(name, convertor.regex)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        self.route_table.add_convertor(name, convertor)

    # --- OpenAPI ----------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the routes (see roob/openapi.py).

        Two operations with one ``operationId`` are a :class:`~roob.ConfigurationError`.
        """
        from roob.openapi import openapi_document

        settings = {
            setting: value
            for setting, value in self._document_settings.items()
            if setting not in ("title", "version")  # the attributes, which may be set
        }
        return openapi_document(
            self.routes,
            title=self.title,
            version=self.version,
            error_handler=self._error_handler_of,
            **settings,
        )

    def _error_handler_of(self, route: Route, error: type[HTTPError]) -> ExceptionHandler | None:
        """The handler of ``error`` for the requests of ``route``; None for Roob's own."""
        owner = route.owner if isinstance(route.owner, Inclusion) else None
        handler, _ = self._handler_for(error, owner)
        return None if handler is _http_error_response else handler

    def _set_document(self, settings: dict[str, Any]) -> None:
        """Take the document's settings (:meth:`_with_settings`)."""
        self._document_settings = settings
        self.title = settings.get("title", self.title)
        self.version = settings.get("version", self.version)

    def _with_settings(self, where: str, **given: Any) -> dict[str, Any]:
        """The document's settings with those ``given`` holds (those not None), checked."""
        if all(value is None for value in given.values()):
            return self._document_settings
        from roob.openapi import document_settings

        return document_settings(given, self._document_settings, where)

    def add_api_docs(
        self,
        *,
        title: str | None = None,
        version: str | None = None,
        openapi_url: str = "/openapi.json",
        docs_url: str | None = "/docs",
        description: str | None = None,
        terms_of_service: str | None = None,
        contact: Mapping[str, str] | None = None,
        license_info: Mapping[str, str] | None = None,
        servers: Sequence[Mapping[str, Any]] | None = None,
        openapi_tags: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Serve :meth:`openapi` at ``openapi_url`` and Swagger UI at ``docs_url``.

        The other arguments are the document's settings, as :class:`Roob` takes
        them: each may be given here or there, once (the same setting given
        both places with different values is a :class:`~roob.ConfigurationError`).
        """
        from roob.openapi import api_docs

        settings = self._with_settings(
            "add_api_docs(...)", title=title, version=version, description=description,
            terms_of_service=terms_of_service, contact=contact, license_info=license_info,
            servers=servers, openapi_tags=openapi_tags,
        )  # fmt: skip
        # Taken once Swagger UI's files are found: a missing extra changes nothing.
        routes, assets = api_docs(
            self.openapi, settings.get("title", self.title), openapi_url, docs_url
        )
        self._set_document(settings)
        for path, view, name in routes:  # the document is not the API: no dependencies
            self._add_route(register(path, view, None, {"name": name}), ())
        if assets is not None:
            self.add_middleware(assets)

    # --- startup and shutdown (roob/lifespan.py) ----------------------------

    def on_startup(self, function: _Startup) -> _Startup:
        """Run ``function()`` once in each process that serves the application, before
        its first request (after the fork, in each gunicorn worker), in the order
        of registration. A startup that fails stops the process: see roob/lifespan.py.
        """
        self.lifespan.add_startup(function)
        return function

    def on_shutdown(self, function: _Startup) -> _Startup:
        """Run ``function()`` when a process that ran startup exits normally (or the
        test client's ``with`` block ends), in the reverse order of registration;
        one that raises is logged and the others still run."""
        self.lifespan.add_shutdown(function)
        return function

    def startup(self) -> None:
        """Run the startup functions now, unless this process has run them (a failure
        raises). Requests run it anyway: this is for scripts, tests and server hooks."""
        self.lifespan.startup()

    def shutdown(self) -> None:
        """Run the shutdown functions now, if this process has run startup."""
        self.lifespan.shutdown()

    # --- middleware -------------------------------------------------------

    def add_middleware(self, middleware_class: Callable[..., Any], **options: Any) -> None:
        """Wrap the application in WSGI middleware, built as ``cls(app, **options)``.

        The last middleware added is the outermost one.
        """
        self._stack = middleware_class(self._stack, **options)
        self._route_calls()

    # --- templates --------------------------------------------------------

    def template(self, template_name: str, context: dict[str, Any] | None = None) -> str:
        """Render a Jinja2 template from ``template_dir`` to a string (see :meth:`render`).

        Templates have ``url_for``, ``static_url`` (:meth:`url_for_static`) and
        ``csrf_token()``, and during a request ``request``.
        """
        if (context is None or "request" not in context) and self.templates.mentions(
            template_name, "request"
        ):  # given to the templates that may use it
            context = {"request": current_request(), **(context or {})}
        return self.templates.render(template_name, context)

    def render(
        self,
        template_name: str,
        context: dict[str, Any] | None = None,
        *,
        status: int = 200,
        headers: Headers | None = None,
        content_type: str = "text/html",
    ) -> Response:
        """Render a template into a :class:`~roob.Response`, HTML unless ``content_type``
        says otherwise, encoded in UTF-8 (:meth:`template` gives the text alone)."""
        return Response(
            text=self.template(template_name, context),
            status=status,
            headers=headers,
            content_type=content_type,
        )

    def __repr__(self) -> str:
        return f"Roob(routes={len(self.route_table.routes)}, debug={self.debug})"


def _http_error_response(request: Request, exc: HTTPError) -> Response:
    return Response(json=exc.body(), status=exc.status, headers=exc.headers)


def _handled(handler: ExceptionHandler, request: Request, exc: Exception) -> Any:
    """The answer of ``handler`` to ``exc``, with the error's headers."""
    answer = handler(request, exc)
    if answer is None:  # to_response would make it a 204: an error answered as a success
        raise TypeError(
            f"the exception handler {handler!r} returned None for {exc!r}: return the "
            "answer to send (a Response, a body, or (body, status)), or raise"
        )
    response = to_response(answer)
    if isinstance(exc, HTTPError) and exc.headers:
        response = _with_error_headers(response, exc.headers)
    return response


def _with_error_headers(response: Any, headers: list[tuple[str, str]]) -> Any:
    """``response`` with the headers of an HTTPError (``Allow``, ``WWW-Authenticate``) that
    it does not set itself: a handler that reshapes the body keeps them. A bare WSGI
    application is sent as it is."""
    if not isinstance(response, webob.Response):
        return response
    present = {name.lower() for name, _ in response.headerlist}
    missing = [(name, value) for name, value in headers if name.lower() not in present]
    if not missing:
        return response
    # On a copy: the handler's Response may be built once and shared (an error page),
    # and must not keep this error's headers. (response, status, headers) adds them,
    # checked as a view's headers are.
    answer = copy.copy(response)
    answer.headerlist = list(response.headerlist)
    return to_response((answer, answer.status, missing))


_CSRF_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>403 Forbidden</title>"
    "<h1>403 Forbidden</h1><p>This form has expired or did not come from this site. "
    "Go back, reload the page and send it again.</p></html>"
)


def _csrf_error_response(request: Request, exc: CSRFError) -> Response:
    """A page for a browser's form, JSON for the others."""
    if prefers_html(request):
        return Response(text=_CSRF_PAGE, status=403)
    return _http_error_response(request, exc)


def _template_csrf_token() -> str:
    request = current_request()
    if request is None:
        raise ConfigurationError("csrf_token() in a template is for pages rendered in a request")
    return csrf_token(request)


def _cause(error: Exception | None) -> Exception | None:
    """The exception that made the answer an error: an after hook's, not its wrapper."""
    return error.error if isinstance(error, AfterHookFailed) else error


class _Unrouted:
    """The endpoint of a request that no view serves: a 404, a 405 (``route`` is then a
    route of the path, another method's), a path that is not UTF-8 (400). Its view
    raises that ``error`` once the application's before hooks have run."""

    __slots__ = ("error", "route")

    def __init__(self, error: HTTPError, route: Route | None) -> None:
        self.error = error
        self.route = route

    def view(self, request: Request) -> NoReturn:
        try:
            raise self.error
        finally:  # for speed: the traceback holds this frame, which would hold the error
            del self  # (a reference cycle, left to the garbage collector)


_SKIPPED_WEBOB_HEADERS = frozenset({"content-type", "content-length"})


def _webob_error_response(request: Request, exc: webob.exc.WSGIHTTPException) -> Response:
    headers = [(k, v) for k, v in exc.headerlist if k.lower() not in _SKIPPED_WEBOB_HEADERS]
    message = exc.detail or exc.title
    return Response(json={"message": str(message)}, status=exc.status, headers=headers)
