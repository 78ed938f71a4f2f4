"""Roob: a small, fast WSGI web framework.

::

    from roob import Roob

    app = Roob()

    @app.get("/hello/{name}")
    def hello(request, name):
        return {"message": f"Hello, {name}!"}

    @app.route("/api/products/{id:d}")
    class Product:
        def get(self, request, id):
            return {"id": id}

        def delete(self, request, id):
            return None  # 204

Serve it with ``gunicorn module:app`` or ``roob run module:app``; test it with
:class:`roob.testing.TestClient`. The guide and the API reference:
https://roob-framework.github.io/roob/
"""

import warnings

with warnings.catch_warnings():
    # WebOb 1.8 imports the standard library's cgi module, which warns that it is
    # deprecated (Python 3.11 and 3.12; on 3.13 WebOb installs legacy-cgi). Roob
    # parses no form through it, and the warning would show in every test run of
    # every application: it is silenced for WebOb's import alone.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import webob  # noqa: F401  (first imported here, under the filter)

from roob.app import Roob
from roob.compression import GZipMiddleware
from roob.conditional import check_precondition, etag_of
from roob.convertors import Convertor
from roob.csrf import CSRFError, csrf_token
from roob.dependencies import Depends
from roob.events import Event, EventStream
from roob.exceptions import (
    BadRequest,
    ConfigurationError,
    Forbidden,
    HTTPError,
    InvalidEvent,
    InvalidRoute,
    InvalidURLParameter,
    LengthRequired,
    MethodNotAllowed,
    MissingField,
    NotFound,
    PreconditionFailed,
    RangeNotSatisfiable,
    RequestEntityTooLarge,
    RouteConflict,
    Unauthorized,
    UnprocessableEntity,
)
from roob.files import FileResponse
from roob.forms import UploadedFile
from roob.lifecycle import current_request
from roob.lifespan import Lifespan
from roob.middleware import (
    CORSMiddleware,
    ErrorHandlerMiddleware,
    RequestIDMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
from roob.params import Body, Cookie, File, Form, Header, Query
from roob.registration import RouteOptions
from roob.requests import Request
from roob.responses import Response
from roob.routers import Router
from roob.routing import Route
from roob.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    SecurityScheme,
)
from roob.sessions import Session, SessionCookie
from roob.urls import redirect, redirect_to, url_has_allowed_host_and_scheme

__version__ = "0.1.0"

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "BadRequest",
    "Body",
    "CORSMiddleware",
    "CSRFError",
    "ConfigurationError",
    "Convertor",
    "Cookie",
    "Depends",
    "ErrorHandlerMiddleware",
    "Event",
    "EventStream",
    "File",
    "FileResponse",
    "Forbidden",
    "Form",
    "GZipMiddleware",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPError",
    "Header",
    "InvalidEvent",
    "InvalidRoute",
    "InvalidURLParameter",
    "LengthRequired",
    "Lifespan",
    "MethodNotAllowed",
    "MissingField",
    "NotFound",
    "PreconditionFailed",
    "Query",
    "RangeNotSatisfiable",
    "Request",
    "RequestEntityTooLarge",
    "RequestIDMiddleware",
    "Response",
    "Roob",
    "Route",
    "RouteConflict",
    "RouteOptions",
    "Router",
    "SecurityHeadersMiddleware",
    "SecurityScheme",
    "Session",
    "SessionCookie",
    "TrustedHostMiddleware",
    "Unauthorized",
    "UnprocessableEntity",
    "UploadedFile",
    "__version__",
    "check_precondition",
    "csrf_token",
    "current_request",
    "etag_of",
    "redirect",
    "redirect_to",
    "url_has_allowed_host_and_scheme",
]
