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

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

import webob
import webob.exc

from roob.convertors import Convertor, default_convertors, function_convertor
from roob.convertors import validate_convertor_regex as _validate_regex
from roob.exceptions import ConfigurationError, HTTPError, MethodNotAllowed
from roob.params import bind_views
from roob.requests import DEFAULT_MAX_BODY_SIZE, Request
from roob.responses import Response, WSGIApp, dump_json, to_response
from roob.routers import (
    AfterHook,
    BeforeHook,
    ExceptionHandler,
    Methods,
    RegistrationAPI,
    Router,
    Scope,
    mount,
    run_after_hooks,
    run_before_hooks,
    scope_for_path,
)
from roob.routing import Endpoint, Route, RouteTable, pattern_params
from roob.staticfiles import static_files
from roob.templating import Templates
from roob.views import views_for

__all__ = ["Roob"]

logger = logging.getLogger("roob")

StartResponse = Callable[..., Any]
_encode_json = dump_json


class Roob(RegistrationAPI):
    """A WSGI web application.

    :param template_dir: where :meth:`template` finds Jinja2 templates.
    :param static_dir: a folder served as static files (skipped if missing).
    :param debug: send exception text to clients and reload templates and
        static files on change. Never in production.
    :param max_body_size: the most bytes a request body may have (413 past it).
    :param static_url: the URL prefix of the static files (default: the root).
    :param request_class: the :class:`~roob.Request` subclass views receive.
    :param title: the API's title in :meth:`openapi`.
    :param version: the API's version in :meth:`openapi`.
    """

    def __init__(
        self,
        template_dir: str | os.PathLike[str] = "templates",
        static_dir: str | os.PathLike[str] | None = "static",
        *,
        debug: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        static_url: str = "/",
        request_class: type[Request] = Request,
        title: str = "Roob application",
        version: str = "0.1.0",
    ) -> None:
        if not isinstance(max_body_size, int) or max_body_size < 0:
            raise ConfigurationError("max_body_size must be a non-negative int")
        self.debug = debug
        self.max_body_size = max_body_size
        self.title = title
        self.version = version
        self.route_table = RouteTable(default_convertors())
        self.templates = Templates(template_dir, auto_reload=debug)
        self.static_dir = None if static_dir is None else os.fspath(static_dir)
        self.static_url = static_url
        if max_body_size != request_class.max_body_size:
            request_class = type(request_class.__name__, (request_class,), {
                "max_body_size": max_body_size,
                "__module__": request_class.__module__,
                "__qualname__": request_class.__qualname__,
            })  # fmt: skip
        self.request_class = request_class
        self._static_routes = self.route_table.static
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
        self._scopes: list[Scope] = []  # one per router inclusion, for errors only
        self._scoped_errors = False  # whether a router has exception handlers or after hooks
        self._exception_handlers: dict[type[BaseException], ExceptionHandler] = {
            HTTPError: _http_error_response,
            webob.exc.WSGIHTTPException: _webob_error_response,
            Exception: self._internal_error_response,
        }
        self._middleware: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self._inner: WSGIApp = static_files(
            self._dispatch, self.static_dir, url_prefix=static_url, autorefresh=debug
        )
        self._wsgi: WSGIApp = self._inner

    # --- WSGI -------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self._wsgi(environ, start_response)

    def _dispatch(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = self.request_class(environ)
        endpoint: Endpoint | None = None
        try:
            method = environ["REQUEST_METHOD"]
            path = environ.get("PATH_INFO", "")
            endpoints = self._static_routes.get(path)
            endpoint = None if endpoints is None else endpoints.get(method)
            params = None
            if endpoint is None:
                endpoint, params = self._resolve(path, method)
            if self._before and (result := run_before_hooks(self._before, request)) is not None:
                pass
            elif params:
                result = endpoint.view(request, **params)
            else:
                result = endpoint.view(request)
            if not self._after:
                kind = type(result)
                if kind is dict or kind is list:
                    body = _encode_json(result)
                    start_response(
                        "200 OK",
                        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                    )
                    return [] if method == "HEAD" else [body]
                response = result if isinstance(result, webob.Response) else to_response(result)
            else:
                response = run_after_hooks(self._after, request, to_response(result))
        except Exception as exc:
            response = self._error_response(request, exc, endpoint)
        return response(environ, start_response)

    def _resolve(self, path: str, method: str) -> tuple[Endpoint, dict[str, Any]]:
        """The route table's answer, with the automatic OPTIONS response."""
        try:
            return self.route_table.resolve(path, method)
        except MethodNotAllowed as exc:
            if method != "OPTIONS":
                raise
            allow = ", ".join(exc.allowed)
            return Endpoint(lambda request: Response(status=204, headers=[("Allow", allow)])), {}

    def _error_response(
        self, request: Request, exc: Exception, endpoint: Endpoint | None = None
    ) -> Any:
        scope = self._scope_for(request, endpoint) if self._scoped_errors else None
        handler = self._handler_for(type(exc), scope)
        try:
            response = to_response(handler(request, exc))
        except Exception as failure:
            logger.exception("The exception handler %r failed", handler)
            response = self._internal_error_response(request, failure)
        after = self._after if scope is None or not scope.after else [*scope.after, *self._after]
        if after:
            try:
                response = run_after_hooks(after, request, response)
            except Exception as failure:
                response = self._internal_error_response(request, failure)
        return response

    def _scope_for(self, request: Request, endpoint: Endpoint | None) -> Scope | None:
        """The router inclusion an error belongs to: the route's, or for a 404/405 the path's."""
        if endpoint is not None:
            return endpoint.route.scope if endpoint.route is not None else None
        return scope_for_path(self._scopes, request.environ.get("PATH_INFO", ""))

    def _handler_for(
        self, exc_type: type[BaseException], scope: Scope | None = None
    ) -> ExceptionHandler:
        """Along the MRO, the first class with a handler; the innermost scope's on a tie."""
        if scope is None:
            handlers = self._exception_handlers
            for cls in exc_type.__mro__:
                if cls in handlers:
                    return handlers[cls]
        else:
            for cls in exc_type.__mro__:
                for handlers in scope.handler_tables:
                    if cls in handlers:
                        return handlers[cls]
        return self._internal_error_response  # pragma: no cover - Exception is always there

    def _internal_error_response(self, request: Request, exc: BaseException) -> Response:
        logger.error(
            "Unhandled exception: %s %s",
            request.environ.get("REQUEST_METHOD"),
            request.environ.get("PATH_INFO"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        message = f"{type(exc).__name__}: {exc}" if self.debug else "Internal Server Error"
        return Response(json={"message": message}, status=500)

    # --- registration -----------------------------------------------------

    def add_route(
        self, path: str, handler: Any, methods: Methods = None, *, name: str | None = None
    ) -> Route:
        """Serve ``path`` with a function or class view.

        A function answers ``methods`` (GET when not given); a class answers
        the verbs it defines. HEAD follows GET and OPTIONS is automatic.
        """
        return self._add_route(path, handler, methods, name, None)

    def _add_route(
        self, path: str, handler: Any, methods: Methods, name: str | None, scope: Scope | None
    ) -> Route:
        """Every route, the application's and the routers', is registered here."""
        views = views_for(handler, methods)
        views = bind_views(handler, views, pattern_params(path, self.route_table.convertors))
        if scope is not None:
            views = {method: scope.wrap(view) for method, view in views.items()}
            name = scope.route_name(name, handler)
        return self.route_table.add(path, views, handler, name, scope)

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
        for scope in mount(router, prefix, name, self._exception_handlers, convertors):
            for entry in scope.router.registrations:
                path = scope.full_path(entry.path)
                self._add_route(path, entry.handler, entry.methods, entry.name, scope)
            self._scopes.append(scope)
            self._scoped_errors |= scope.handles_errors

    @property
    def routes(self) -> list[Route]:
        """Every registered route, in registration order."""
        return list(self.route_table.routes)

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` (a view's ``__name__`` by default).

        ``params`` fill the pattern's parameters (one may be called ``name``);
        the path comes back percent-encoded, ready to put in a link.
        """
        return self.route_table.url_for(name, **params)

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
        convertor = regex if isinstance(regex, Convertor) else function_convertor(
            regex, to_python, to_string
        )  # fmt: skip
        try:
            _validate_regex(name, convertor.regex)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        self.route_table.add_convertor(name, convertor)

    # --- OpenAPI ----------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the routes (see roob/openapi.py)."""
        from roob.openapi import openapi_document

        return openapi_document(self, title=self.title, version=self.version)

    def add_api_docs(
        self, *, openapi_url: str = "/openapi.json", docs_url: str | None = "/docs"
    ) -> None:
        """Serve :meth:`openapi` at ``openapi_url`` and Swagger UI at ``docs_url``."""
        from roob.openapi import serve_api_docs

        serve_api_docs(self, openapi_url=openapi_url, docs_url=docs_url)

    # --- middleware -------------------------------------------------------
    # (route, get/post/..., exception handlers and hooks: RegistrationAPI)

    def add_middleware(self, middleware_class: Callable[..., Any], **options: Any) -> None:
        """Wrap the application in WSGI middleware, built as ``cls(app, **options)``.

        The last middleware added is the outermost one.
        """
        self._middleware.append((middleware_class, options))
        wsgi = self._inner
        for cls, kwargs in self._middleware:
            wsgi = cls(wsgi, **kwargs)
        self._wsgi = wsgi

    # --- templates --------------------------------------------------------

    def template(self, name: str, context: dict[str, Any] | None = None) -> str:
        """Render a Jinja2 template from ``template_dir`` to a string."""
        return self.templates.render(name, context)

    def render(
        self,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> Response:
        """Render a template into an HTML :class:`~roob.Response`."""
        return Response(text=self.template(name, context), status=status, headers=headers)

    def __repr__(self) -> str:
        return f"Roob(routes={len(self.route_table.routes)}, debug={self.debug})"


def _http_error_response(request: Request, exc: HTTPError) -> Response:
    return Response(json=exc.body(), status=exc.status, headers=exc.headers)


_SKIPPED_WEBOB_HEADERS = frozenset({"content-type", "content-length"})


def _webob_error_response(request: Request, exc: webob.exc.WSGIHTTPException) -> Response:
    headers = [(k, v) for k, v in exc.headerlist if k.lower() not in _SKIPPED_WEBOB_HEADERS]
    message = exc.detail or exc.title
    return Response(json={"message": str(message)}, status=exc.status, headers=headers)
