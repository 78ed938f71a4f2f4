"""The application: registration API, WSGI entry point and error dispatch.

A :class:`Roob` instance is a WSGI application::

    app = Roob()

    @app.get("/hello/{name}")
    def hello(request, name):
        return {"hello": name}

A request goes: WSGI middleware (last added outermost) -> static files ->
the router (404 / 405 / endpoint) -> ``before_request`` hooks -> the view ->
its return value made a response -> ``after_request`` hooks. An exception on
the way is given to the handler registered for its class (the most specific
one along its MRO); by default an :class:`~roob.HTTPError` is sent as its
status with ``{"message": ...}`` and anything else as a logged 500.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import webob
import webob.exc

from roob.convertors import Convertor, default_convertors, function_convertor
from roob.convertors import validate_convertor_regex as _validate_regex
from roob.exceptions import ConfigurationError, HTTPError, MethodNotAllowed
from roob.requests import DEFAULT_MAX_BODY_SIZE, Request
from roob.responses import Response, WSGIApp, dump_json, to_response
from roob.routing import Endpoint, Route, Router
from roob.staticfiles import static_files
from roob.templating import Templates
from roob.views import views_for

__all__ = ["Roob"]

logger = logging.getLogger("roob")

F = TypeVar("F", bound=Callable[..., Any])
StartResponse = Callable[..., Any]
ExceptionHandler = Callable[[Any, Any], Any]
BeforeHook = Callable[[Any], Any]
AfterHook = Callable[[Any, Any], Any]
_encode_json = dump_json


class Roob:
    """A WSGI web application.

    :param template_dir: where :meth:`template` finds Jinja2 templates.
    :param static_dir: a folder served as static files (skipped if missing).
    :param debug: send exception text to clients and reload templates and
        static files on change. Never in production.
    :param max_body_size: the most bytes a request body may have (413 past it).
    :param static_url: the URL prefix of the static files (default: the root).
    :param request_class: the :class:`~roob.Request` subclass views receive.
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
    ) -> None:
        if not isinstance(max_body_size, int) or max_body_size < 0:
            raise ConfigurationError("max_body_size must be a non-negative int")
        self.debug = debug
        self.max_body_size = max_body_size
        self.router = Router(default_convertors())
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
        self._static_routes = self.router.static
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
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
        try:
            method = environ["REQUEST_METHOD"]
            path = environ.get("PATH_INFO", "")
            endpoints = self._static_routes.get(path)
            endpoint = None if endpoints is None else endpoints.get(method)
            params = None
            if endpoint is None:
                endpoint, params = self._resolve(path, method)
            if self._before and (result := self._run_before_hooks(request)) is not None:
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
                response = self._run_after_hooks(request, to_response(result))
        except Exception as exc:
            response = self._error_response(request, exc)
        return response(environ, start_response)

    def _resolve(self, path: str, method: str) -> tuple[Endpoint, dict[str, Any]]:
        """The router's answer, with the automatic OPTIONS response."""
        try:
            return self.router.resolve(path, method)
        except MethodNotAllowed as exc:
            if method != "OPTIONS":
                raise
            allow = ", ".join(exc.allowed)
            return Endpoint(lambda request: Response(status=204, headers=[("Allow", allow)])), {}

    def _run_before_hooks(self, request: Request) -> Any:
        for hook in self._before:
            early = hook(request)
            if early is not None:
                return early
        return None

    def _run_after_hooks(self, request: Request, response: Any) -> Any:
        for hook in self._after:
            response = to_response(hook(request, response))
        return response

    def _error_response(self, request: Request, exc: Exception) -> Any:
        handler = self._handler_for(type(exc))
        try:
            response = to_response(handler(request, exc))
        except Exception as failure:
            logger.exception("The exception handler %r failed", handler)
            response = self._internal_error_response(request, failure)
        if self._after:
            try:
                response = self._run_after_hooks(request, response)
            except Exception as failure:
                response = self._internal_error_response(request, failure)
        return response

    def _handler_for(self, exc_type: type[BaseException]) -> ExceptionHandler:
        handlers = self._exception_handlers
        for cls in exc_type.__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                return handler
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
        self,
        path: str,
        handler: Any,
        methods: Iterable[str] | str | None = None,
        *,
        name: str | None = None,
    ) -> Route:
        """Serve ``path`` with a function or class view.

        A function answers ``methods`` (GET when not given); a class answers
        the verbs it defines. HEAD follows GET and OPTIONS is automatic.
        """
        return self.router.add(path, views_for(handler, methods), handler, name)

    def route(
        self, path: str, methods: Iterable[str] | str | None = None, *, name: str | None = None
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

    @property
    def routes(self) -> list[Route]:
        """Every registered route, in registration order."""
        return list(self.router.routes)

    def url_for(self, name: str, **params: Any) -> str:
        """The path of the route called ``name`` (a view's ``__name__`` by default)."""
        return self.router.url_for(name, **params)

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
        self.router.add_convertor(name, convertor)

    # --- errors -----------------------------------------------------------

    def add_exception_handler(
        self,
        exc_class_or_handler: type[BaseException] | ExceptionHandler,
        handler: ExceptionHandler | None = None,
    ) -> None:
        """Send ``handler(request, exc)``'s return value for exceptions of a class.

        ``add_exception_handler(handler)`` alone handles every exception that
        has no more specific handler (HTTP errors keep theirs).
        """
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

    # --- hooks and middleware --------------------------------------------

    def before_request(self, hook: F) -> F:
        """Run ``hook(request)`` before each view; a value other than None is sent instead."""
        self._before.append(hook)
        return hook

    def after_request(self, hook: F) -> F:
        """Run ``hook(request, response)`` on each response; it returns the response to send."""
        self._after.append(hook)
        return hook

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
        return f"Roob(routes={len(self.router.routes)}, debug={self.debug})"


def _http_error_response(request: Request, exc: HTTPError) -> Response:
    return Response(json=exc.body(), status=exc.status, headers=exc.headers)


_SKIPPED_WEBOB_HEADERS = frozenset({"content-type", "content-length"})


def _webob_error_response(request: Request, exc: webob.exc.WSGIHTTPException) -> Response:
    headers = [(k, v) for k, v in exc.headerlist if k.lower() not in _SKIPPED_WEBOB_HEADERS]
    message = exc.detail or exc.title
    return Response(json={"message": str(message)}, status=exc.status, headers=headers)
