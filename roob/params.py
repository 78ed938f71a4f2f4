"""Typed view parameters: query, header, cookie and JSON body values from annotations.

A view's parameters other than the request and the path parameters are
filled from the request and validated with pydantic::

    class NewProduct(BaseModel):
        product_name: str
        brand: str

    @app.get("/api/products")
    def listing(request, brand: str | None = None, limit: int = 20, tags: list[str] = []):
        ...                                   # ?brand=Apple&limit=5&tags=a&tags=b

    @app.post("/api/products")
    def create(request, product: NewProduct):  # the JSON body, validated
        ...

    @app.get("/whoami")
    def whoami(request, agent: Annotated[str, Header(alias="User-Agent")]): ...

Where a value comes from: ``Annotated[T, Query()]``, ``Header()``,
``Cookie()``, ``Body()``, ``Form()`` (a form field) or ``File()`` (an
uploaded :class:`~roob.UploadedFile`) say it; otherwise a pydantic model, a
TypedDict or a dataclass (or a list of them) is the body and anything else a
query parameter; ``Body(embed=True)`` reads the body's member named like the
parameter (``{"user": {...}}``). A parameter with a
default is optional. Every value that is missing or invalid is reported at
once, as a 422 ``{"message": "Validation failed", "errors": [{"loc": [...],
"msg": ..., "type": ...}]}``.

A parameter without annotation takes the type of its default (``page=1`` is
an ``int``, validated), or ``str`` when it has none. The work is done once,
when the route is added: a view with nothing to fill is served as it is and
pays nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, get_args, get_origin

from typing_extensions import is_typeddict  # typing's misses typing_extensions' TypedDicts
from webob.compat import parse_qsl_text

from roob._types import View
from roob.exceptions import ConfigurationError, UnprocessableEntity
from roob.requests import Request
from roob.responses import Response, dump_json

__all__ = [
    "Body",
    "Cookie",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamSpec",
    "Query",
    "TypedErrorHandler",
    "ViewSignature",
    "bind",
    "binder",
    "filter_response",
    "parameter_specs",
    "response_model",
    "view_signature",
]


class Param:
    """Where a parameter's value comes from; use a subclass in ``Annotated[T, ...]``."""

    source: ClassVar[str] = "query"

    def __init__(self, *, alias: str | None = None, description: str | None = None) -> None:
        self.alias = alias
        self.description = description

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


class Query(Param):
    """A query string parameter (``?name=value``); a list type takes every value."""

    source = "query"


class Header(Param):
    """A request header; by default the parameter name with ``_`` as ``-`` (``user_agent``)."""

    source = "header"


class Cookie(Param):
    """A cookie."""

    source = "cookie"


class Body(Param):
    """The JSON body, validated as the parameter's type.

    With ``embed=True`` the body is an envelope, ``{"<key>": value}``, and the
    parameter receives the value: the key is ``alias``, or the parameter's
    name (FastAPI's ``Body(embed=True)``). ``alias`` names that key, so it is
    refused without ``embed=True``: a body without an envelope has no key.
    """

    source = "body"

    def __init__(
        self, *, alias: str | None = None, description: str | None = None, embed: bool = False
    ) -> None:
        super().__init__(alias=alias, description=description)
        self.embed = embed

    def __repr__(self) -> str:
        return f"Body(alias={self.alias!r}, embed={self.embed!r})"


class Form(Param):
    """A field of a form body (urlencoded or multipart: ``request.form``); a list type
    takes every value."""

    source = "form"


class File(Param):
    """A file of a multipart body (``request.files``), typed :class:`~roob.UploadedFile`
    (or a list of them, for every file of the field)."""

    source = "file"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter a view receives from the request."""

    name: str
    source: str
    key: str
    annotation: Any
    required: bool
    default: Any
    description: str | None
    adapter: Any  # pydantic.TypeAdapter
    many: bool  # a list: every value of a query parameter
    #: A body in an envelope, ``{key: value}`` (``Body(embed=True)``): ``adapter``
    #: validates the envelope, whose ``value`` the parameter receives.
    embed: bool = False


@dataclass(frozen=True)
class ViewSignature:
    """What a view takes from the request beyond its path, and what it returns."""

    params: tuple[ParamSpec, ...]
    body: ParamSpec | None
    #: The type of the body it returns: the return annotation, the body's of a
    #: ``tuple[Model, int]`` (``(body, status)``), or inspect.Signature.empty.
    returns: Any
    #: The success status: the route's ``status=`` or ``@operation(status=...)``
    #: (see roob/registration.py), or the ``Literal`` of ``-> tuple[Model, Literal[201]]``.
    status: int | None = None
    #: The statuses a ``Literal`` gives (``-> tuple[Model, Literal[201, 202]]``): each
    #: is documented with the body's model.
    literal_statuses: tuple[int, ...] = ()
    #: The :class:`roob.dependencies.Dependency` trees the view's call needs: the
    #: application's, the routers' and the route's ``dependencies=``, then its
    #: parameters' ``Depends``; ``params`` and ``body`` hold what they read too. (Typed
    #: ``Any``: roob/dependencies.py builds on this module, which cannot name it.)
    dependencies: tuple[Any, ...] = ()

    @property
    def binds(self) -> bool:
        return bool(self.params) or self.body is not None


def _is_model(annotation: Any, *, structured: bool = False) -> bool:
    """A pydantic model class (or with ``structured``, a TypedDict or a dataclass too),
    a list of them, or an optional one; ``Annotated[Model, ...]`` is one too."""
    if get_origin(annotation) is Annotated:
        return _is_model(get_args(annotation)[0], structured=structured)
    if get_origin(annotation) in (list, Sequence, tuple, typing.Union, types.UnionType):
        return any(_is_model(arg, structured=structured) for arg in get_args(annotation))
    return isinstance(annotation, type) and (
        hasattr(annotation, "model_json_schema")
        or (structured and (is_typeddict(annotation) or dataclasses.is_dataclass(annotation)))
    )


def _is_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:  # Annotated[list[str], Field(max_length=3)] takes every value
        return _is_many(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_many(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin in (list, set, frozenset, tuple, Sequence)


def _split_annotated(annotation: Any) -> tuple[Any, Param | None]:
    """``Annotated[T, Query(), ...]`` -> (``Annotated[T, ...]`` without the marker, marker)."""
    if get_origin(annotation) is not Annotated:
        return annotation, None
    base, *extras = get_args(annotation)
    markers = [extra for extra in extras if isinstance(extra, Param)]
    if len(markers) > 1:
        raise ConfigurationError(f"{annotation!r} names more than one source (Query, Header, ...)")
    rest = [extra for extra in extras if not isinstance(extra, Param)]
    kept = Annotated[(base, *rest)] if rest else base
    return kept, markers[0] if markers else None


def _untyped(default: Any) -> Any:
    """The type of an unannotated parameter: its default's (``page=1`` is an int), else str."""
    if default is inspect.Parameter.empty:
        return str
    if default is None:
        return str | None
    if isinstance(default, list | set | frozenset):
        return type(default)[str]  # type: ignore[index]
    if isinstance(default, tuple):
        return tuple[str, ...]
    return type(default)


def view_signature(
    function: Callable[..., Any],
    signature: inspect.Signature,
    path_names: Iterable[str],
    where: str = "",
) -> ViewSignature:
    """What ``function`` takes from the request beyond its path, found and checked once.

    ``signature`` is the function's with the request first (roob/views.py);
    ``where`` names the route in the errors: a path parameter the view does
    not take, an annotation that does not resolve, two bodies.
    """
    name = getattr(function, "__qualname__", repr(function))
    request, *positional = signature.parameters.values()
    for parameter in positional:
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise ConfigurationError(
                f"{where}: the view {name} takes {parameter.name!r} positional-only, but "
                "views get everything but the request by keyword: drop the '/'"
            )
    kinds = {parameter.kind for parameter in positional}
    accepted = {p.name for p in positional if p.kind is not p.VAR_POSITIONAL}
    for path_name in path_names:
        if path_name == request.name:
            raise ConfigurationError(
                f"{where}: the first parameter of the view {name}, {path_name!r}, receives "
                f"the request; add a parameter for the path: def {function.__name__}"
                f"(request, {path_name}, ...)"
            )
        if path_name not in accepted and inspect.Parameter.VAR_KEYWORD not in kinds:
            raise ConfigurationError(
                f"{where}: the view {name} has no parameter {path_name!r} for the path "
                f"parameter {{{path_name}}}; name a parameter {path_name!r} (or take **kwargs)"
            )
    path = set(path_names)
    params, body = parameter_specs(
        [parameter for parameter in positional if parameter.name not in path],
        where,
        f"view {name}",
    )
    returns, literal = _returned(signature.return_annotation, f"{where}: the view {name}")
    status = literal[0] if len(literal) == 1 else None
    return ViewSignature(params, body, returns, status, literal)


def parameter_specs(
    parameters: Iterable[inspect.Parameter], where: str, described: str
) -> tuple[tuple[ParamSpec, ...], ParamSpec | None]:
    """The query, header, cookie, form and file parameters among ``parameters``, and the
    body, each checked (``described`` names the function in the errors: ``view f``,
    ``dependency g of view f``); ``*args`` and ``**kwargs`` are skipped."""
    params: list[ParamSpec] = []
    body: ParamSpec | None = None
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = parameter.annotation
        typed_from_default = annotation is parameter.empty
        if typed_from_default:
            annotation = _untyped(parameter.default)
        elif isinstance(annotation, str):
            raise ConfigurationError(
                f"{where}: {described}: the annotation {annotation!r} of parameter "
                f"{parameter.name!r} does not resolve; define or import it at module level"
            )
        annotation, marker = _split_annotated(annotation)
        if marker is not None:
            source = marker.source
        else:
            # A query string cannot hold a structured value: such a parameter is the body.
            source = "body" if _is_model(annotation, structured=True) else "query"
        hint = (
            "; it has no annotation, so it is a query parameter typed from its default: "
            "annotate it, or give a dependency as Depends(provider) (roob.Depends)"
            if typed_from_default
            else ""
        )
        if source == "file" and "UploadedFile" not in repr(annotation):
            raise ConfigurationError(
                f"{where}: {described}: the File() parameter {parameter.name!r} is "
                f"{annotation!r}; type it roob.UploadedFile (or list[UploadedFile], "
                "or UploadedFile | None)"
            )
        spec = _param_spec(parameter, annotation, source, marker, f"{where}: {described}", hint)
        if source == "body":
            if body is not None:
                raise ConfigurationError(
                    f"{where}: {described} takes two bodies "
                    f"({body.name} and {parameter.name}); a request has one"
                )
            body = spec
        else:
            params.append(spec)
    return tuple(params), body


_TUPLE_RETURN = (
    "a tuple a view returns is (body, status) or (body, status, headers), the body first: "
    "-> tuple[Model, int], or tuple[Model, int, dict[str, str]] (a Literal status is a "
    "final one, from 200 to 599)"
)


def _is_status_type(annotation: Any) -> bool:
    """Whether a tuple's second member may be annotated ``annotation``: an int (or an
    IntEnum such as HTTPStatus), a ``"201 Created"`` string, a Literal of them (a final
    status: 200 to 599, as a route's ``status=``), or Any."""
    if get_origin(annotation) is typing.Literal:
        return all(
            type(arg) is str or (_is_int(arg) and 200 <= arg <= 599) for arg in get_args(annotation)
        )
    return annotation is Any or (
        isinstance(annotation, type)
        and annotation is not bool
        and issubclass(annotation, int | str)
    )


def _is_int(value: Any) -> bool:
    """An int or an IntEnum member (``HTTPStatus.CREATED``), not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_headers_type(annotation: Any) -> bool:
    """Whether a tuple's third member may be annotated ``annotation``: a mapping or a
    list of (name, value) pairs."""
    kind = get_origin(annotation) or annotation
    return annotation is Any or kind in (dict, list, Mapping, Sequence, Iterable)


def _returned(annotation: Any, described: str) -> tuple[Any, tuple[int, ...]]:
    """A return annotation's body type, and the statuses a ``Literal`` in it gives.

    ``-> tuple[Model, int]`` is a view returning ``(body, status)``: its body is a
    ``Model``; a union takes each member's body. A tuple that cannot be a
    ``(body, status[, headers])`` is refused: ``described`` names the view.
    """
    origin = get_origin(annotation)
    if origin is Annotated:  # -> Annotated[tuple[Model, int], ...] is the tuple's
        return _returned(get_args(annotation)[0], described)
    if origin in (typing.Union, types.UnionType):
        members = [_returned(arg, described)[0] for arg in get_args(annotation)]
        return typing.Union[tuple(members)], ()  # noqa: UP007 - members are built at run time
    if annotation is not tuple and origin is not tuple:
        return annotation, ()
    args = get_args(annotation)
    if not args:  # a bare tuple says nothing of the body
        return inspect.Parameter.empty, ()
    if (
        len(args) not in (2, 3)
        or args[1] is Ellipsis
        or not _is_status_type(args[1])
        or (len(args) == 3 and not _is_headers_type(args[2]))
    ):
        raise ConfigurationError(f"{described} is annotated -> {annotation!r}; {_TUPLE_RETURN}")
    literal = get_args(args[1]) if get_origin(args[1]) is typing.Literal else ()
    return args[0], tuple(dict.fromkeys(int(code) for code in literal if _is_int(code)))


def _param_spec(
    parameter: inspect.Parameter,
    annotation: Any,
    source: str,
    marker: Param | None,
    where: str,
    hint: str = "",
) -> ParamSpec:
    from pydantic import TypeAdapter  # only views with typed parameters need pydantic

    alias = marker.alias if marker is not None else None
    embed = isinstance(marker, Body) and marker.embed
    if alias is not None and isinstance(marker, Body) and not embed:
        raise ConfigurationError(
            f"{where}: parameter {parameter.name!r}: Body(alias={alias!r}) names the key of "
            f"an envelope, but without embed=True the body is the value itself; write "
            f'Body(embed=True, alias={alias!r}) to read {{"{alias}": ...}}, or drop alias='
        )
    if alias is None:
        alias = parameter.name.replace("_", "-") if source == "header" else parameter.name
    required = parameter.default is parameter.empty
    try:
        adapter = TypeAdapter(_envelope(annotation, alias, required, parameter.default)
                              if embed else annotation)  # fmt: skip
    except Exception as exc:
        raise ConfigurationError(
            f"{where}: parameter {parameter.name!r}: pydantic cannot validate "
            f"{annotation!r}{hint}: {exc}"
        ) from exc
    return ParamSpec(
        name=parameter.name,
        source=source,
        key=alias,
        annotation=annotation,
        required=required,
        default=None if required else parameter.default,
        description=marker.description if marker is not None else None,
        adapter=adapter,
        many=_is_many(annotation),
        embed=embed,
    )


def _envelope(annotation: Any, key: str, required: bool, default: Any) -> Any:
    """The model of ``{key: <annotation>}``, whose ``value`` is the embedded body."""
    from pydantic import Field, create_model

    field = Field(alias=key) if required else Field(default, alias=key)
    return create_model("Envelope", value=(annotation, field))


#: WebOb's environ key of a parsed query string, ``(multidict, QUERY_STRING)``.
_PARSED_QUERY = "webob._parsed_query_vars"
_GET = Request.GET


def _query_values(request: Any) -> dict[str, list[str]] | None:
    """Every value of the query string by name, read as ``request.GET`` reads it (WebOb's
    ``parse_qsl_text``: ``&`` and ``;`` separate, ``+`` is a space, ``%XX`` decoded, UTF-8,
    a name without ``=`` has the value ``""``), without building its multidict.

    None when ``request.GET`` must be read instead: it is parsed already (a hook may have
    changed it), the request's class reads it its own way, or the query string is not
    UTF-8 (``request.GET`` raises the 400).
    """
    environ = request.environ
    if _PARSED_QUERY in environ or getattr(type(request), "GET", None) is not _GET:
        return None
    source = environ.get("QUERY_STRING", "")
    values: dict[str, list[str]] = {}
    if not source:
        return values
    if "%" not in source and source.isascii():  # nothing to decode: split it
        for pair in source.replace("+", " ").replace(";", "&").split("&"):
            if pair:
                name, _, value = pair.partition("=")
                values.setdefault(name, []).append(value)
        return values
    try:
        for name, value in parse_qsl_text(source):
            values.setdefault(name, []).append(value)
    except UnicodeDecodeError:
        return None
    return values


def _raw_value(request: Any, spec: ParamSpec) -> Any:
    """The text the request holds for ``spec``; ``inspect.Parameter.empty`` if none."""
    if spec.source == "query":
        if spec.many:
            values = request.GET.getall(spec.key)
            return values if values else inspect.Parameter.empty
        return request.GET.get(spec.key, inspect.Parameter.empty)
    if spec.source == "header":
        return request.headers.get(spec.key, inspect.Parameter.empty)
    if spec.source in ("form", "file"):
        fields = request.form if spec.source == "form" else request.files
        if spec.many:
            values = fields.getall(spec.key)
            return values if values else inspect.Parameter.empty
        return fields.get(spec.key, inspect.Parameter.empty)
    return request.cookies.get(spec.key, inspect.Parameter.empty)


def _errors(exc: Any, location: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"loc": [*location, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def _missing(location: Sequence[Any]) -> dict[str, Any]:
    return {"loc": list(location), "msg": "Field required", "type": "missing"}


def _validate_body(adapter: Any, raw: bytes, request: Any) -> Any:
    """The body validated as ``adapter``'s type; JSON the framework refuses is a 400."""
    from pydantic import ValidationError

    if b"NaN" not in raw and b"Infinity" not in raw:  # pydantic's parser takes those
        try:
            return adapter.validate_json(raw)  # parsed and validated in one pass
        except ValidationError as exc:
            if all(error["type"] != "json_invalid" for error in exc.errors()):
                raise
    # request.json raises the 400 for what is not JSON, or parses what pydantic did not
    # (a byte order mark).
    return adapter.validate_python(request.json)


def binder(
    params: tuple[ParamSpec, ...], body: ParamSpec | None
) -> Callable[[Any], dict[str, Any]]:
    """``bind(request)``: the values of ``params`` and ``body`` a request gives, by name; a
    422 :class:`~roob.UnprocessableEntity` with every error at once if one is invalid."""
    from pydantic import ValidationError

    reads_query = any(spec.source == "query" for spec in params)

    def bind(request: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        # For speed: the query string read once, without WebOb's multidict.
        query = _query_values(request) if reads_query else None
        for spec in params:
            raw: Any
            if query is not None and spec.source == "query":
                found = query.get(spec.key)
                if found is None:
                    raw = inspect.Parameter.empty
                else:  # a list: every value (a new list, as getall's); else the last, as get
                    raw = list(found) if spec.many else found[-1]
            else:
                raw = _raw_value(request, spec)
            if raw is inspect.Parameter.empty:
                if spec.required:
                    errors.append(_missing((spec.source, spec.key)))
                else:
                    values[spec.name] = copy.copy(spec.default)
                continue
            try:
                values[spec.name] = spec.adapter.validate_python(raw)
            except ValidationError as exc:
                errors.extend(_errors(exc, (spec.source, spec.key)))
        if body is not None:
            raw = request.body
            if not raw.strip():
                if body.required:
                    errors.append(_missing(("body", body.key) if body.embed else ("body",)))
                else:
                    values[body.name] = copy.copy(body.default)
            else:
                try:
                    value = _validate_body(body.adapter, raw, request)
                    values[body.name] = value.value if body.embed else value
                except ValidationError as exc:
                    errors.extend(_errors(exc, ("body",)))
        if errors:
            raise UnprocessableEntity("Validation failed", extra={"errors": errors})
        return values

    return bind


def bind(view: View, signature: ViewSignature) -> View:
    """``view`` wrapped to receive its typed parameters, or ``view`` itself if it has none."""
    if not signature.binds:
        return view
    bind_values = binder(signature.params, signature.body)

    @functools.wraps(view)
    def typed_view(request: Any, **path_params: Any) -> Any:
        return view(request, **path_params, **bind_values(request))

    return typed_view


def response_model(function: Callable[..., Any], signature: ViewSignature) -> Any:
    """The pydantic model a view's answers are filtered through, or None.

    ``@operation(response=Model)`` says it, or else the return annotation,
    when it is a pydantic model (or a list of them, or an optional one).
    """
    info = getattr(function, "__roob_operation__", None)
    declared = getattr(info, "response", inspect.Parameter.empty)
    model = signature.returns if declared is inspect.Parameter.empty else declared
    return model if model is not inspect.Parameter.empty and _is_model(model) else None


def filter_response(view: View, model: Any, where: str, status: int | None = None) -> View:
    """``view`` whose answers are validated as ``model`` and only its fields sent.

    A body that is not a ``model`` is the view's bug: a ``TypeError`` naming it
    (a logged 500). Responses and ``None`` pass as they are. A body, or a
    ``(body, status)``, is answered with a JSON :class:`~roob.Response` (with
    ``status``, the route's success status, for a bare body); a ``(body, status,
    headers)`` keeps its shape, its body dumped for JSON, for its headers to be
    merged as any view's are.
    """
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(model)
    name = getattr(view, "__qualname__", repr(view))
    validate = adapter.validate_python
    to_json = _json_serializer(adapter)

    def validated(body: Any) -> Any:
        try:
            return validate(body, from_attributes=True)
        except ValidationError as exc:
            raise TypeError(
                f"{where}: the view {name} returned a body that is not a {model!r}: {exc}"
            ) from None

    def encoded(body: Any) -> bytes:
        value = validated(body)
        payload = to_json(value)
        if payload is None:  # what the two passes write otherwise
            return dump_json(adapter.dump_python(value, mode="json"))
        return payload

    @functools.wraps(view)
    def filtered_view(request: Any, **params: Any) -> Any:
        result = view(request, **params)
        if isinstance(result, tuple) and len(result) in (2, 3):
            body = result[0]
            if body is None or (callable(body) and not hasattr(body, "model_dump")):
                return result  # 204, or a Response / WSGI application: sent as it is
            if len(result) == 2:
                return Response(body=encoded(body), status=result[1],
                                content_type="application/json")  # fmt: skip
            return (adapter.dump_python(validated(body), mode="json"), *result[1:])
        if result is None or (callable(result) and not hasattr(result, "model_dump")):
            return result
        return Response(body=encoded(result), status=status, content_type="application/json")

    return filtered_view


#: The core schemas whose values may be floats when serialised (a function serialiser's
#: value may be anything).
_FLOAT_SCHEMAS = frozenset({"float", "any", "complex", "json", "is-instance", "callable"})


def _json_serializer(adapter: Any) -> Callable[[Any], bytes | None]:
    """``to_json(value)``: the JSON bytes of ``value`` (validated by ``adapter``) in one
    pass, as Roob's encoder writes ``value`` dumped for JSON; None where they may
    differ, and the two passes must write it.

    They differ on a float NaN or infinity (pydantic writes ``null``, or under a model's
    ``ser_json_inf_nan`` ``NaN`` or ``"NaN"``; Roob's encoder refuses it: a 500), on a
    lone surrogate and on what pydantic cannot serialise (Roob's encoder escapes the
    one and reports the other). So a schema that may hold floats is written in one pass
    when the bytes have no ``null``; a model whose ``ser_json_inf_nan`` is not ``null``
    always in two. Floats from 1e-9 to 1e-4 are spelled unlike Python's (``0.00001``,
    ``1e-7``): the same numbers.
    """
    from pydantic_core import PydanticSerializationError

    schema = adapter.core_schema
    if _writes_inf_nan(schema):
        return lambda value: None
    floats = _has_type(schema, _FLOAT_SCHEMAS)
    serialize = adapter.serializer.to_json

    def to_json(value: Any) -> bytes | None:
        try:
            payload: bytes = serialize(value)
        except PydanticSerializationError:
            return None
        return None if floats and b"null" in payload else payload

    return to_json


def _has_type(schema: Any, types: frozenset[str]) -> bool:
    """Whether a core schema holds a schema of one of ``types`` or a function serialiser."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, str) and (kind in types or kind.startswith("function-")):
            return True
        return any(_has_type(value, types) for value in schema.values())
    if isinstance(schema, list | tuple):
        return any(_has_type(value, types) for value in schema)
    return False


def _writes_inf_nan(schema: Any) -> bool:
    """Whether a core schema has a model (a dataclass, a TypedDict) whose
    ``ser_json_inf_nan`` writes a float NaN as ``NaN`` or ``"NaN"``."""
    if isinstance(schema, dict):
        config = schema.get("config")
        if isinstance(config, dict) and config.get("ser_json_inf_nan", "null") != "null":
            return True
        return any(_writes_inf_nan(value) for value in schema.values())
    if isinstance(schema, list | tuple):
        return any(_writes_inf_nan(value) for value in schema)
    return False


def _dumped(adapter: Any, model: Any, body: Any, whose: str) -> Any:
    """``body`` validated as ``model`` (``adapter``'s type), dumped for JSON, as a view's
    response model does (:func:`filter_response`); a body that is not one is a
    ``TypeError`` naming ``whose`` it is (its bug: a logged 500)."""
    from pydantic import ValidationError

    try:
        return adapter.dump_python(adapter.validate_python(body, from_attributes=True),
                                   mode="json")  # fmt: skip
    except ValidationError as exc:
        raise TypeError(f"{whose} returned a body that is not a {model!r}: {exc}") from None


class TypedErrorHandler:
    """An exception handler of HTTP errors whose answers have the body ``response``.

    ``add_exception_handler(HTTPError, handler, response=Model)`` makes one: the
    body ``handler`` returns is validated as ``response`` and only its fields are
    sent (a body that is not one is a logged 500), with the error's status
    unless the handler gives one (``(body, status[, headers])``), so the OpenAPI
    document can say that body is the application's error body. A handler
    returning a ``Response`` is refused (its body cannot be checked).
    """

    __slots__ = ("_adapter", "handler", "response")

    def __init__(self, handler: Callable[[Any, Any], Any], response: Any, where: str) -> None:
        from pydantic import TypeAdapter

        if not (isinstance(response, type) and _is_model(response, structured=True)):
            raise ConfigurationError(
                f"{where}: response= is the class of the error body the handler returns, a "
                f"pydantic model, a TypedDict or a dataclass, not {response!r}"
            )
        try:
            self._adapter = TypeAdapter(response)
        except Exception as exc:  # pydantic cannot validate it (typing.TypedDict before 3.12)
            raise ConfigurationError(f"{where}: response={response!r}: {exc}") from None
        self.handler = handler
        self.response = response

    def __call__(self, request: Any, exc: Any) -> Any:
        answer = self.handler(request, exc)
        if isinstance(answer, tuple) and len(answer) in (2, 3):
            return (self._dump(answer[0]), *answer[1:])
        if answer is None:
            return None  # refused where every handler's answer is, naming the handler
        return self._dump(answer), exc.status

    def _dump(self, body: Any) -> Any:
        if callable(body) and not hasattr(body, "model_dump"):
            raise TypeError(
                f"the exception handler {self.handler!r} (response={self.response.__name__}) "
                "returned a Response, whose body cannot be checked against its response=: "
                "return the body, or (body, status[, headers])"
            )
        return _dumped(
            self._adapter, self.response, body, f"the exception handler {self.handler!r}"
        )

    def __repr__(self) -> str:
        return f"TypedErrorHandler({self.handler!r}, response={self.response.__name__})"
