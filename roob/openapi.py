"""OpenAPI 3.1 from the routes, and Swagger UI to read and try it.

::

    app = Roob()
    ...
    app.add_api_docs(title="Inventory", version="1.0")   # /openapi.json and /docs
    app.openapi()                                         # the document, as a dict

The document is built from the route records (roob/routing.py): each path
and its methods, path parameters typed by their convertors, the query,
header, cookie and body parameters of typed views (roob/params.py), the
return annotation as the response schema, and the view's docstring as
summary and description (first line, then the rest), the tags of its
routers (``Router(tags=...)``) and its route (``tags=``), its ``operationId``
(the route's ``operation_id=``, or its name and method). Every operation
documents the application's JSON errors: Roob's ``{"message": ...}``, or the
``response=`` model of the application's handler
(``exception_handler(HTTPError, response=Model)``). :func:`operation` adds
what cannot be read from the code: another success status, a body schema
for a view that reads the body itself, more responses, tags, an
``operationId``. The document's settings (description, servers, contact,
license, terms of service, the tag list) are given to ``Roob(...)`` or to
``add_api_docs(...)``, each once (:func:`document_settings`).

Swagger UI is served from the files of the ``swagger-ui-bundle-v2`` package
(``/docs/assets/...``), so the page works without internet access. The
document, the page and its script are sent with an ETag and ``Cache-Control:
no-cache``: a browser revalidates them (a 304) and sees a new document as soon
as it is deployed; the bundle's files are static files (roob/staticfiles.py).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal, TypeVar

from typing_extensions import is_typeddict

from roob._types import ExceptionHandler, View, WSGIApp
from roob.conditional import not_modified
from roob.convertors import Convertor, FloatConvertor, IntConvertor, PathConvertor, UUIDConvertor
from roob.dependencies import walk
from roob.exceptions import ConfigurationError, HTTPError, UnprocessableEntity
from roob.params import ParamSpec, TypedErrorHandler, ViewSignature
from roob.registration import STATUS_RULE, is_success_status, operation_id_problem, tags_problem
from roob.responses import Response, dump_json
from roob.routing import Endpoint, Route
from roob.security import SecurityScheme
from roob.staticfiles import static_files
from roob.views import HTTP_VERBS

__all__ = [
    "DOCUMENT_SETTINGS",
    "OPENAPI_VERSION",
    "OperationInfo",
    "api_docs",
    "document_settings",
    "openapi_document",
    "operation",
]

OPENAPI_VERSION = "3.1.0"
F = TypeVar("F", bound=Callable[..., Any])

_REF = "#/components/schemas/{model}"
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}
_VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        },
    },
    "required": ["message", "errors"],
}
# What a view returning these sends (roob/responses.py).
_MEDIA_TYPES: dict[Any, str] = {str: "text/html", bytes: "application/octet-stream"}
_DOCUMENTED = [verb for verb in HTTP_VERBS if verb not in ("HEAD", "OPTIONS")]


@dataclass
class OperationInfo:
    """What :func:`operation` attaches to a view."""

    status: int | None = None
    response: Any = inspect.Parameter.empty
    request_body: Any = None
    responses: dict[int, str | tuple[str, Any]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    include: bool = True
    operation_id: str | None = None


def operation(
    *,
    status: int | None = None,
    response: Any = inspect.Parameter.empty,
    request_body: Any = None,
    responses: Mapping[int, str | tuple[str, Any]] | None = None,
    tags: list[str] | None = None,
    summary: str | None = None,
    include: bool = True,
    operation_id: str | None = None,
) -> Callable[[F], F]:
    """Say more about a view's operation than its code does.

    :param status: its success status (default: 204 for ``-> None``, else 200),
        sent as the route's ``status=`` is: when the view returns a body
        without a status of its own.
    :param response: the type of the success body, when the return annotation
        is not it (a view returning ``(body, 201, headers)``).
    :param request_body: the type of the JSON body of a view that reads
        ``request.json`` itself.
    :param responses: more statuses: ``{409: "Taken"}`` or ``{409: ("Taken", Model)}``.
    :param tags: tags of the operation, after its routers' and its route's.
    :param operation_id: the operation's ``operationId`` (``"GetArticle"``) in
        place of the default one, made of the route's name and the method.
    :param include: ``False`` leaves the view out of the document.

    Stacked ``@operation`` decorators (one of them perhaps added by another
    decorator, such as an authentication one adding a 401) are merged: their
    ``responses`` and ``tags`` add up, ``include=False`` from either wins, and
    a value both give differently (two statuses, two summaries, two
    descriptions of one status) is a :class:`~roob.ConfigurationError` naming
    the view.
    """

    def attach(view: F) -> F:
        name = getattr(view, "__qualname__", repr(view))
        if status is not None and not is_success_status(status):
            raise ConfigurationError(
                f"@operation on the view {name}: {STATUS_RULE}, not {status!r}"
            )
        code = None if status is None else int(status)  # HTTPStatus.CREATED is 201
        problem = tags_problem(tags) or operation_id_problem(operation_id)
        if problem:
            raise ConfigurationError(f"@operation on the view {name}: {problem}")
        info = OperationInfo(
            code, response, request_body, _status_keys(responses or {}, name), list(tags or []),
            summary, include, operation_id,
        )  # fmt: skip
        inner = getattr(view, "__roob_operation__", None)
        if isinstance(inner, OperationInfo):
            info = _merged(inner, info, name)
        view.__roob_operation__ = info  # type: ignore[attr-defined]
        return view

    return attach


def _status_keys(
    responses: Mapping[Any, str | tuple[str, Any]], name: str
) -> dict[int, str | tuple[str, Any]]:
    """``responses`` keyed by int statuses: ``401``, ``"401"`` and ``HTTPStatus.UNAUTHORIZED``
    are one status (two stacked @operation giving 401 and "401" would otherwise both
    be documented, and could not be sorted)."""
    keyed: dict[int, str | tuple[str, Any]] = {}
    for code, described in responses.items():
        text = str(int(code)) if isinstance(code, int) and not isinstance(code, bool) else code
        if not (isinstance(text, str) and text.isascii() and text.isdigit()):
            raise ConfigurationError(
                f"@operation on the view {name}: responses= is keyed by HTTP statuses "
                f"(401 or '401'), not {code!r}"
            )
        if int(text) in keyed:
            raise ConfigurationError(
                f"@operation on the view {name}: responses= gives the status {text} twice"
            )
        keyed[int(text)] = described
    return keyed


def _merged(inner: OperationInfo, outer: OperationInfo, name: str) -> OperationInfo:
    """One :class:`OperationInfo` of two stacked ``@operation``; a new one (``inner`` may be
    shared with the function that a ``functools.wraps`` wrapper wraps)."""

    def one(what: str, first: Any, second: Any, unset: Any) -> Any:
        if first is unset or second is unset or first == second:
            return second if first is unset else first
        raise ConfigurationError(
            f"@operation on the view {name}: {what}={second!r} conflicts with "
            f"{what}={first!r} from another @operation on it; give it once"
        )

    responses = dict(inner.responses)
    for code, described in outer.responses.items():
        responses[code] = one(f"responses[{code}]", responses.get(code), described, None)
    return OperationInfo(
        status=one("status", inner.status, outer.status, None),
        response=one("response", inner.response, outer.response, inspect.Parameter.empty),
        request_body=one("request_body", inner.request_body, outer.request_body, None),
        responses=responses,
        tags=list(dict.fromkeys([*inner.tags, *outer.tags])),
        summary=one("summary", inner.summary, outer.summary, None),
        include=inner.include and outer.include,
        operation_id=one("operation_id", inner.operation_id, outer.operation_id, None),
    )


def operation_id(route: Route, endpoint: Endpoint) -> str:
    """The ``operationId`` of a route's method: the route's ``operation_id=``, the view's
    ``@operation(operation_id=...)``, or else its name and method (``users_show_get``),
    each run of characters other than ASCII letters, digits and ``_`` made one ``_``
    (router names may hold spaces and dots)."""
    info = getattr(endpoint.function, "__roob_operation__", None)
    given = route.operation_id or getattr(info, "operation_id", None)
    if given:
        return given
    name = re.sub(r"[^A-Za-z0-9_]+", "_", route.name).strip("_")
    return f"{name}_{endpoint.method.lower()}" if name else endpoint.method.lower()


def _path_schema(convertor: Convertor) -> dict[str, Any]:
    if isinstance(convertor, IntConvertor):
        return {"type": "integer", "minimum": 0}
    if isinstance(convertor, FloatConvertor):
        return {"type": "number", "minimum": 0}
    if isinstance(convertor, UUIDConvertor):
        return {"type": "string", "format": "uuid"}
    if isinstance(convertor, PathConvertor):
        return {"type": "string"}
    return {"type": "string", "pattern": f"^{convertor.regex}$"}


class _Builder:
    def __init__(self, error_handler: ErrorHandlerLookup | None = None) -> None:
        self.components: dict[str, Any] = {}
        self.security_schemes: dict[str, dict[str, Any]] = {}
        self.scheme_users: dict[str, str] = {}  # a scheme's name -> the first view using it
        self.error_handler = error_handler

    def security(self, signature: ViewSignature, view: str) -> list[dict[str, list[str]]]:
        """The operation's ``security``: the schemes anywhere in its dependency trees
        (roob/security.py), each added to the components. A required scheme is in
        every alternative; an optional one (``auto_error=False``) adds an alternative
        to the one without it: ``[{}, {"Token": []}]``."""
        required: dict[str, list[str]] = {}
        optional: dict[str, list[str]] = {}
        for node in walk(signature.dependencies):
            scheme = node.provider
            if not isinstance(scheme, SecurityScheme):
                continue
            name = scheme.scheme_name
            described = scheme.openapi()
            known = self.security_schemes.setdefault(name, described)
            first = self.scheme_users.setdefault(name, view)
            if known != described:
                raise ConfigurationError(
                    f"two security schemes are named {name!r} in the OpenAPI document: "
                    f"{known} (the view {first}) and {described} (the view {view}); give "
                    "one of them another scheme_name"
                )
            (required if scheme.auto_error else optional)[name] = []
        if not optional:
            return [required] if required else []
        return [required] + [{**required, name: []} for name in optional if name not in required]

    def error_content(self, route: Route, error: type[HTTPError]) -> dict[str, Any] | None:
        """The ``content`` of the answers to ``error`` on ``route``: Roob's own body, the
        ``response=`` model of the application's handler, or None (no schema) for a
        handler of the application that did not say what it sends."""
        handler = None if self.error_handler is None else self.error_handler(route, error)
        if handler is None:
            schema = _VALIDATION_ERROR_SCHEMA if error is UnprocessableEntity else _ERROR_SCHEMA
        elif isinstance(handler, TypedErrorHandler):
            schema = self.schema(handler.response, mode="serialization") or {}
        else:
            return None
        return {"application/json": {"schema": schema}}

    def schema(
        self, annotation: Any, *, mode: Literal["validation", "serialization"] = "validation"
    ) -> dict[str, Any] | None:
        """The JSON Schema of ``annotation``; its models go to the components."""
        from pydantic import TypeAdapter

        try:
            schema: dict[str, Any] = TypeAdapter(annotation).json_schema(
                ref_template=_REF, mode=mode
            )
        except Exception:  # not a type pydantic knows (a Response, a WSGI app)
            return None
        self.components.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and (
            hasattr(annotation, "model_json_schema") or is_typeddict(annotation)
        ):
            name = annotation.__name__
            self.components[name] = schema
            return {"$ref": _REF.format(model=name)}
        return schema

    def parameter(self, spec: ParamSpec) -> dict[str, Any]:
        schema = self.schema(spec.annotation) or {}
        if not spec.required and spec.default is not None:
            from pydantic_core import PydanticSerializationError

            with contextlib.suppress(PydanticSerializationError):  # JSON cannot hold it
                schema["default"] = spec.adapter.dump_python(
                    spec.default, mode="json", warnings=False
                )
        described: dict[str, Any] = {
            "name": spec.key,
            "in": spec.source,
            "required": spec.required,
            "schema": schema,
        }
        if spec.description:
            described["description"] = spec.description
        return described

    def form_body(self, fields: list[ParamSpec]) -> dict[str, Any]:
        """The request body of a view with Form() and File() parameters."""
        media = "multipart/form-data" if any(spec.source == "file" for spec in fields) else (
            "application/x-www-form-urlencoded"
        )  # fmt: skip
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {spec.key: self.parameter(spec)["schema"] for spec in fields},
        }
        required = [spec.key for spec in fields if spec.required]
        if required:
            schema["required"] = required
        return {"required": bool(required), "content": {media: {"schema": schema}}}

    def operation(self, route: Route, endpoint: Endpoint) -> dict[str, Any]:
        view = endpoint.function
        info: OperationInfo = getattr(view, "__roob_operation__", None) or OperationInfo()
        signature: ViewSignature = endpoint.signature
        doc = inspect.getdoc(view) or ""
        summary, _, description = doc.partition("\n")
        built: dict[str, Any] = {"operationId": operation_id(route, endpoint)}
        if info.summary or summary:
            built["summary"] = info.summary or summary.strip()
        if description.strip():
            built["description"] = description.strip()
        tags = list(dict.fromkeys((*route.tags, *info.tags)))
        if tags:
            built["tags"] = tags

        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _path_schema(convertor)}
            for name, convertor in route.pattern.param_convertors().items()
        ]
        fields = [spec for spec in signature.params if spec.source in ("form", "file")]
        parameters += [self.parameter(spec) for spec in signature.params if spec not in fields]
        if parameters:
            built["parameters"] = parameters
        if fields:
            built["requestBody"] = self.form_body(fields)

        body = signature.body
        body_type = body.annotation if body is not None else info.request_body
        if body_type is not None:
            body_schema = self.schema(body_type) or {}
            if body is not None and body.embed:  # {"<key>": value}
                body_schema = {"type": "object", "properties": {body.key: body_schema}}
                if body.required:
                    body_schema["required"] = [body.key]
            built["requestBody"] = {
                "required": body.required if body is not None else True,
                "content": {"application/json": {"schema": body_schema}},
            }
            if body is not None and body.description:
                built["requestBody"]["description"] = body.description

        returns = info.response if info.response is not inspect.Parameter.empty else (
            signature.returns
        )  # fmt: skip
        statuses = ((signature.status,) if signature.status else signature.literal_statuses) or (
            204 if returns is None else 200,
        )
        responses: dict[str, Any] = {}
        for status in statuses:
            success: dict[str, Any] = {"description": "Success" if status != 201 else "Created"}
            if returns in _MEDIA_TYPES:
                success["content"] = {_MEDIA_TYPES[returns]: {"schema": {"type": "string"}}}
            elif status != 204 and returns not in (None, inspect.Parameter.empty):
                schema = self.schema(returns, mode="serialization")
                if schema is not None:
                    success["content"] = {"application/json": {"schema": schema}}
            responses[str(status)] = success
        errors = self.error_content(route, HTTPError)
        invalid = self.error_content(route, UnprocessableEntity)
        for code, described in sorted(info.responses.items()):
            text, model = described if isinstance(described, tuple) else (described, None)
            schema = self.schema(model) if model is not None else None
            content = {"application/json": {"schema": schema}} if schema else (
                invalid if code == 422 else errors
            )  # fmt: skip
            responses[str(code)] = _response(text, content)
        if signature.binds and "422" not in responses:
            responses["422"] = _response("Validation failed", invalid)
        security = self.security(signature, getattr(view, "__qualname__", repr(view)))
        if security:
            built["security"] = security
            if "401" not in responses:  # with the application's error body
                responses["401"] = {
                    **_response("Not authenticated", errors),
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                }
        responses["4XX"] = _response("Client error", errors)
        built["responses"] = responses
        return built


def _response(description: str, content: dict[str, Any] | None) -> dict[str, Any]:
    """A Response Object; without ``content`` when what is sent is not known."""
    return {"description": description} if content is None else (
        {"description": description, "content": content}
    )  # fmt: skip


#: ``error_handler(route, HTTPError)``: the application's handler of that class of errors
#: for the requests of ``route``, None when it is Roob's own (which sends ``HTTPError.body()``).
ErrorHandlerLookup = Callable[[Route, type[HTTPError]], ExceptionHandler | None]


def openapi_document(
    routes: Iterable[Route],
    *,
    title: str,
    version: str,
    error_handler: ErrorHandlerLookup | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``.

    ``error_handler`` says which handler answers a route's errors (the body of
    its ``4XX`` and 422 is the one its ``response=`` gives); ``settings`` are the
    document's other settings, checked (:func:`document_settings`).

    Two operations with one ``operationId`` are a :class:`~roob.ConfigurationError`
    naming both.
    """
    settings = document_settings(settings, {}, "the document")
    builder = _Builder(error_handler)
    paths: dict[str, dict[str, Any]] = {}
    named: dict[str, str] = {}  # operationId -> the operation it names, for the message
    for route in routes:
        for method in _DOCUMENTED:
            endpoint = route.endpoints.get(method)
            if endpoint is None:
                continue
            info = getattr(endpoint.function, "__roob_operation__", None)
            if info is not None and not info.include:
                continue
            operations = paths.setdefault(route.pattern.template, {})
            built = builder.operation(route, endpoint)
            operations[method.lower()] = built
            this = f"{method} {route.pattern.template} (route {route.name!r})"
            other = named.setdefault(built["operationId"], this)
            if other != this:
                raise ConfigurationError(
                    f"the operationId {built['operationId']!r} names two operations, {other} "
                    f"and {this}; an operationId names one: give one of them another "
                    "operation_id= (on the route, or @operation(operation_id=...) on its "
                    "view), or another name="
                )
    about: dict[str, Any] = {"title": title, "version": version}
    for setting, key in _INFO_KEYS.items():
        if setting in settings:
            about[key] = settings[setting]
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": about}
    if "servers" in settings:
        document["servers"] = settings["servers"]
    document["paths"] = paths
    components: dict[str, Any] = {}
    if builder.components:
        components["schemas"] = dict(sorted(builder.components.items()))
    if builder.security_schemes:
        components["securitySchemes"] = dict(sorted(builder.security_schemes.items()))
    if components:
        document["components"] = components
    if "openapi_tags" in settings:
        document["tags"] = settings["openapi_tags"]
    return document


#: The settings of the document's ``info`` besides its title and version, and their keys.
_INFO_KEYS = {
    "description": "description",
    "terms_of_service": "termsOfService",
    "contact": "contact",
    "license_info": "license",
}
#: Every setting of the document, as Roob(...) and add_api_docs(...) take them.
DOCUMENT_SETTINGS = ("title", "version", *_INFO_KEYS, "servers", "openapi_tags")
#: The members each object may have (besides ``x-`` extensions), the required ones first.
_MEMBERS = {
    "contact": ((), ("name", "url", "email")),
    "license_info": (("name",), ("identifier", "url")),
    "servers": (("url",), ("description", "variables")),
    "openapi_tags": (("name",), ("description", "externalDocs")),
}
#: The optional members that are objects (the others are strings).
_OBJECT_MEMBERS = ("variables", "externalDocs")
_EXAMPLES = {
    "contact": '{"name": "API team", "email": "api@example.com"}',
    "license_info": '{"name": "MIT", "identifier": "MIT"}',
    "servers": '[{"url": "https://api.example.com/v1"}]',
    "openapi_tags": '[{"name": "articles", "description": "..."}]',
}


def document_settings(
    given: Mapping[str, Any], earlier: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """``earlier``'s settings and those of ``given`` that are not None, each checked.

    A setting given a second time with another value (to ``Roob(...)`` and
    then to ``add_api_docs(...)``) is a :class:`~roob.ConfigurationError`:
    neither is silently dropped. ``where`` says who was given them.
    """
    settings = dict(earlier)
    for setting, value in given.items():
        if value is None:
            continue
        if setting not in DOCUMENT_SETTINGS:
            raise ConfigurationError(
                f"{where}: unknown document setting {setting}=; the settings are "
                f"{', '.join(DOCUMENT_SETTINGS)}"
            )
        value = _checked_setting(setting, value, where)
        if setting in settings and settings[setting] != value:
            raise ConfigurationError(
                f"{where}: {setting}={value!r} differs from {setting}={settings[setting]!r} "
                "given before (to Roob(...)); give each document setting once"
            )
        settings[setting] = value
    return settings


def _checked_setting(setting: str, value: Any, where: str) -> Any:
    """``value`` as the document holds it (plain dicts and lists), or a ConfigurationError."""
    if setting not in _MEMBERS:  # a text
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(
                f"{where}: {setting}= must be a non-empty string, not {value!r}"
            )
        return value
    wrong = ConfigurationError(
        f"{where}: {setting}= must look like {setting}={_EXAMPLES[setting]}, not {value!r}"
    )
    many = setting in ("servers", "openapi_tags")
    if many and (isinstance(value, str | Mapping) or not isinstance(value, list | tuple)):
        raise wrong
    objects = list(value) if many else [value]
    required, optional = _MEMBERS[setting]
    for item in objects:
        if not isinstance(item, Mapping):
            raise wrong
        unknown = [
            key for key in item
            if key not in (*required, *optional)
            and not (isinstance(key, str) and key.startswith("x-"))
        ]  # fmt: skip
        missing = [key for key in required if not isinstance(item.get(key), str)]
        if unknown or missing:
            raise ConfigurationError(
                f"{where}: {setting}= {item!r} "
                + (f"has no {' and no '.join(missing)} (a string)" if missing else "")
                + (" and " if missing and unknown else "")
                + (f"has unknown members {', '.join(map(repr, unknown))}" if unknown else "")
                + f"; the members are {', '.join((*required, *optional))} and x- extensions"
            )
        for key in optional:  # what openapi-spec-validator would refuse in the document
            kind = Mapping if key in _OBJECT_MEMBERS else str
            if key in item and not isinstance(item[key], kind):
                raise ConfigurationError(
                    f"{where}: {setting}= {item!r}: {key} must be "
                    f"{'an object (a dict)' if kind is Mapping else 'a string'}, not {item[key]!r}"
                )
    if setting == "license_info" and "identifier" in value and "url" in value:
        raise ConfigurationError(
            f"{where}: license_info= gives an identifier and a url; OpenAPI 3.1 takes one"
        )
    if setting == "openapi_tags":
        names = [tag["name"] for tag in objects]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ConfigurationError(
                f"{where}: openapi_tags= lists the tag {', '.join(map(repr, twice))} twice"
            )
    plain = [dict(item) for item in objects]
    return plain if many else plain[0]


_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/roob-swagger-init.js"></script>
</body>
</html>
"""

# Inline scripts would need 'unsafe-inline' in a Content-Security-Policy; a file does not.
_SWAGGER_INIT = b"""window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"""


def api_docs(
    document: Callable[[], dict[str, Any]],
    title: str,
    openapi_url: str = "/openapi.json",
    docs_url: str | None = "/docs",
) -> tuple[list[tuple[str, View, str]], Callable[[WSGIApp], WSGIApp] | None]:
    """The routes that serve ``document()`` and Swagger UI: ``(path, view, name)`` each,
    and the middleware serving Swagger UI's files (None without ``docs_url``)."""
    cache: dict[str, bytes] = {}

    @operation(include=False)
    def openapi_json(request: Any) -> Response:
        if "document" not in cache:
            cache["document"] = dump_json(document())
        return _revalidated(request, cache["document"], "application/json")

    if docs_url is None:
        return [(openapi_url, openapi_json, "openapi")], None
    try:
        import swagger_ui_bundle
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigurationError(
            "Swagger UI needs its files: pip install 'roob-web[docs]' (or pass docs_url=None)"
        ) from None
    assets = docs_url.rstrip("/") + "/assets"
    page = _SWAGGER_PAGE.format(
        title=escape(title), assets=escape(assets), openapi_url=escape(openapi_url)
    )

    @operation(include=False)
    def swagger_ui(request: Any) -> Response:
        return _revalidated(request, page.encode(), "text/html; charset=utf-8")

    @operation(include=False)
    def swagger_init(request: Any) -> Response:
        return _revalidated(request, _SWAGGER_INIT, "text/javascript")

    def swagger_files(wsgi: WSGIApp) -> WSGIApp:
        return static_files(wsgi, str(swagger_ui_bundle.swagger_ui_path), url_prefix=assets)

    routes: list[tuple[str, View, str]] = [
        (openapi_url, openapi_json, "openapi"),
        (docs_url, swagger_ui, "swagger_ui"),
        (assets + "/roob-swagger-init.js", swagger_init, "swagger_init"),
    ]
    return routes, swagger_files


def _revalidated(request: Any, body: bytes, content_type: str) -> Response:
    """``body`` with an ETag and ``Cache-Control: no-cache``, or a 304 if the client has it."""
    response = Response(body=body, content_type=content_type, headers={"Cache-Control": "no-cache"})
    return not_modified(request, response)  # type: ignore[no-any-return]
