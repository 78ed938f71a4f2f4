"""Dependencies: values a view asks for by naming the function that provides them.

::

    from typing import Annotated

    from roob import Depends, Request, Roob

    def database(request: Request):           # a generator: its rest runs at the end
        session = Session()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def current_user(request: Request, db: Annotated[Session, Depends(database)]) -> User:
        return users.by_token(db, request.headers.get("Authorization"))

    @app.get("/articles")
    def articles(request, user: Annotated[User, Depends(current_user)], db=Depends(database)):
        ...                                    # one session: database ran once

A *provider* is a plain function (or another callable) whose parameters are
filled as a view's are: one annotated :class:`~roob.Request` (or named
``request``, without annotation) receives the request; one named like a path
parameter, its value; a ``Depends`` one, that provider's value; any other is a
typed query, header, cookie, form, file or body parameter (roob/params.py), and
the invalid values of the whole tree and of the view are answered in one 422.
A provider that yields is a *generator dependency*: its value is what it
yields, and its code after the ``yield`` runs when the request ends
(roob/lifecycle.py), after the body is sent, the last one entered first, with
the exception that made the answer an error thrown in at the ``yield``.

Within a request a provider runs once, however many times the tree names it
(``Depends(f, use_cache=False)`` runs it at each place). Routes, routers and
the application take ``dependencies=[Depends(f), ...]``, run for their effect
before the view's own: the application's, the routers' (outermost first), the
route's, then the view's parameters in order.

Everything is resolved when the route is added, into a tree of
:class:`Dependency` (``endpoint.signature.dependencies``); a provider that
cannot be is a :class:`~roob.ConfigurationError` naming the route, the view and
the provider. A request only runs the tree; a view without dependencies is
served as it is and pays nothing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from roob._types import View
from roob.exceptions import ConfigurationError, UnprocessableEntity
from roob.lifecycle import finish_at_end
from roob.params import ParamSpec, ViewSignature, bind, binder, parameter_specs
from roob.requests import Request

__all__ = [
    "Dependency",
    "Depends",
    "bind_dependencies",
    "check_dependencies",
    "resolve_view",
    "walk",
    "with_dependencies",
]


class Depends:
    """A parameter's value, or a route's prerequisite, given by ``provider``.

    ``user: Annotated[User, Depends(current_user)]``, ``db=Depends(database)``,
    or ``dependencies=[Depends(authenticated)]`` on a route, a router or the
    application. With ``use_cache=False`` the provider runs at each place that
    names it instead of once per request.
    """

    __slots__ = ("provider", "use_cache")

    def __init__(self, provider: Callable[..., Any], *, use_cache: bool = True) -> None:
        self.provider = provider
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.provider, "__qualname__", None) or repr(self.provider)
        return f"Depends({name}{'' if self.use_cache else ', use_cache=False'})"


@dataclass(frozen=True)
class Dependency:
    """One use of a provider, resolved when the route was added.

    ``dependencies`` are the ``Depends`` parameters of the provider (resolved
    in turn), ``params`` and ``body`` its typed parameters (roob/params.py).
    The rest says how a request fills the provider's parameters.
    """

    provider: Callable[..., Any]
    use_cache: bool
    dependencies: tuple[Dependency, ...]
    params: tuple[ParamSpec, ...]
    body: ParamSpec | None
    #: The parameter each of ``dependencies`` fills; None for one run for its effect
    #: (a route's ``dependencies=``).
    names: tuple[str | None, ...] = ()
    #: The parameters that receive the request, and those that receive a path parameter.
    request_names: tuple[str, ...] = ()
    path_names: tuple[str, ...] = ()
    #: Whether the provider yields its value (its rest runs when the request ends).
    generator: bool = False
    #: What the cache of a request knows it by: the provider, or its id if unhashable.
    cache_key: Any = None
    #: ``bind(request)``: the values of ``params`` and ``body`` (None when it has none).
    bind: Callable[[Any], dict[str, Any]] | None = None


def walk(dependencies: Iterable[Dependency]) -> Iterator[Dependency]:
    """Every node of the trees, depth first (a provider's own dependencies before it),
    each provider once when it is cached."""
    seen: set[Any] = set()

    def visit(nodes: Iterable[Dependency]) -> Iterator[Dependency]:
        for node in nodes:
            if node.use_cache and node.cache_key in seen:
                continue
            yield from visit(node.dependencies)
            if node.use_cache:
                seen.add(node.cache_key)
            yield node

    return visit(dependencies)


def check_dependencies(dependencies: object, where: str) -> tuple[Depends, ...]:
    """``dependencies=`` as a tuple, checked: a list (or tuple) of :class:`Depends`."""
    if dependencies is None:
        return ()
    if not isinstance(dependencies, list | tuple) or not all(
        isinstance(item, Depends) for item in dependencies
    ):
        raise ConfigurationError(
            f"{where}: dependencies= must be a list of Depends, such as "
            f"dependencies=[Depends(authenticated)], not {dependencies!r}"
        )
    return tuple(dependencies)


def _name(function: Any) -> str:
    return getattr(function, "__qualname__", None) or repr(function)


def _depends_of(
    parameter: inspect.Parameter, refuse: Callable[[str], ConfigurationError]
) -> Depends | None:
    """The ``Depends`` of ``x: Annotated[T, Depends(f)]`` or ``x=Depends(f)``, if any;
    ``refuse(message)`` is the error for a parameter given more than one."""
    found = []
    if get_origin(parameter.annotation) is Annotated:
        found = [
            extra for extra in get_args(parameter.annotation)[1:] if isinstance(extra, Depends)
        ]
    if isinstance(parameter.default, Depends):
        found.append(parameter.default)
    if len(found) > 1:
        raise refuse(
            f"parameter {parameter.name!r} is given {', '.join(map(repr, found))}; give its "
            "Depends once, in Annotated or as the default"
        )
    return found[0] if found else None


def _is_request(parameter: inspect.Parameter) -> bool:
    annotation = parameter.annotation
    if annotation is parameter.empty:
        return parameter.name == "request"
    return isinstance(annotation, type) and issubclass(annotation, Request)


class _Resolver:
    """Resolves the providers of one view: ``where`` and ``view`` name them in errors."""

    def __init__(self, path_names: Sequence[str], where: str, view: str) -> None:
        self.path_names = path_names
        self.where = where
        self.view = view

    def fail(self, chain: Sequence[Any], message: str) -> ConfigurationError:
        named = " -> ".join(_name(provider) for provider in chain)
        return ConfigurationError(f"{self.where}: view {self.view}: dependency {named}: {message}")

    def resolve(self, depends: Depends, chain: tuple[Any, ...] = ()) -> Dependency:
        """The tree of ``depends``; ``chain`` holds the providers that asked for it."""
        provider = depends.provider
        chain = (*chain, provider)
        if not callable(provider):
            raise self.fail(chain, "Depends() takes a function (or another callable)")
        if provider in chain[:-1]:
            raise self.fail(chain, "the providers depend on each other in a cycle; break it")
        called = (provider, type(provider).__call__)  # an instance's __call__ too
        if any(inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) for f in called):
            raise self.fail(
                chain, "it is an async def; Roob is a WSGI framework and calls providers "
                "synchronously: define it with def"
            )  # fmt: skip
        try:
            signature = inspect.signature(provider, eval_str=True)
        except NameError as exc:
            raise self.fail(
                chain, f"an annotation does not resolve ({exc}); define or import it at "
                "module level"
            ) from None  # fmt: skip
        except (TypeError, ValueError):
            raise self.fail(
                chain, "Roob cannot read its signature; wrap it in a def that calls it"
            ) from None  # fmt: skip
        # A partial's keywords are the application's: never parameters a client could set.
        bound = provider.keywords if isinstance(provider, functools.partial) else {}
        names: list[str | None] = []
        dependencies: list[Dependency] = []
        request_names: list[str] = []
        path_names: list[str] = []
        typed: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            if parameter.name in bound:
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise self.fail(
                    chain, f"it takes {parameter}, which would receive nothing: providers get "
                    "named arguments only; drop the *args or **kwargs"
                )  # fmt: skip
            if parameter.kind is parameter.POSITIONAL_ONLY:
                raise self.fail(
                    chain, f"it takes {parameter.name!r} positional-only, but providers get "
                    "their arguments by keyword: drop the '/'"
                )  # fmt: skip
            inner = _depends_of(parameter, lambda message: self.fail(chain, message))
            if inner is not None:
                names.append(parameter.name)
                dependencies.append(self.resolve(inner, chain))
            elif _is_request(parameter):
                request_names.append(parameter.name)
            elif parameter.name in self.path_names:
                path_names.append(parameter.name)
            else:
                typed.append(parameter)
        described = f"view {self.view}: dependency {' -> '.join(map(_name, chain))}"
        params, body = parameter_specs(typed, self.where, described)
        try:
            cache_key: Any = provider
            hash(provider)
        except TypeError:
            cache_key = id(provider)
        return Dependency(
            provider=provider,
            use_cache=depends.use_cache,
            dependencies=tuple(dependencies),
            params=params,
            body=body,
            names=tuple(names),
            request_names=tuple(request_names),
            path_names=tuple(path_names),
            # Through functools.wraps decorators too (FastAPI's test_dependency_wrapped.py).
            generator=any(inspect.isgeneratorfunction(inspect.unwrap(f)) for f in called),
            cache_key=cache_key,
            bind=binder(params, body) if params or body is not None else None,
        )


def resolve_view(
    function: Callable[..., Any],
    signature: inspect.Signature,
    path_names: Sequence[str],
    where: str,
    dependencies: Sequence[Depends] = (),
) -> tuple[inspect.Signature, tuple[tuple[str | None, Dependency], ...]]:
    """The view's signature without its ``Depends`` parameters, and the trees its call
    needs, each with the parameter it fills (None for ``dependencies``, run for their
    effect, which come first)."""
    view = _name(function)
    resolver = _Resolver(path_names, where, view)
    found: list[tuple[str | None, Dependency]] = [
        (None, resolver.resolve(depends)) for depends in dependencies
    ]
    request, *rest = signature.parameters.values()
    kept = [request]
    for parameter in rest:
        depends = _depends_of(
            parameter, lambda message: ConfigurationError(f"{where}: view {view}: {message}")
        )
        if depends is None:
            kept.append(parameter)
        elif parameter.name in path_names:
            raise ConfigurationError(
                f"{where}: view {view}: {parameter.name!r} is a path parameter and a "
                f"dependency ({depends!r}); rename one"
            )
        else:
            found.append((parameter.name, resolver.resolve(depends)))
    return signature.replace(parameters=kept), tuple(found)


def with_dependencies(
    signature: ViewSignature, found: tuple[tuple[str | None, Dependency], ...], where: str
) -> ViewSignature:
    """``signature`` (of the view's own parameters) with the trees of ``found``, and the
    parameters and body they read (each once: the OpenAPI document lists them)."""
    if not found:
        return signature
    trees = tuple(dependency for _, dependency in found)
    params = list(signature.params)
    seen = {(spec.source, spec.key): spec for spec in params}
    body = signature.body
    for node in walk(trees):
        for spec in node.params:
            known = seen.setdefault((spec.source, spec.key), spec)
            if known is spec:
                params.append(spec)
            elif not _same_param(known, spec):
                raise ConfigurationError(
                    f"{where}: the {spec.source} parameter {spec.key!r} is read by "
                    f"{_name(node.provider)} and by the view or another dependency "
                    f"differently ({_described(spec)}; {_described(known)}); the document "
                    "lists one: read it alike, or give one another name"
                )
        if node.body is not None and node.body is not body:
            if body is not None and not _same_body(body, node.body):
                raise ConfigurationError(
                    f"{where}: the view and its dependencies take two bodies ({body.name} and "
                    f"{node.body.name}, of {_name(node.provider)}); a request has one"
                )
            body = node.body
    return ViewSignature(
        tuple(params),
        body,
        signature.returns,
        signature.status,
        signature.literal_statuses,
        dependencies=trees,
    )


def _same_param(one: ParamSpec, other: ParamSpec) -> bool:
    """Whether two parameters of one name read it alike (one type, one default)."""
    return (one.annotation, one.required, one.default, one.many) == (
        other.annotation, other.required, other.default, other.many
    )  # fmt: skip


def _described(spec: ParamSpec) -> str:
    default = "required" if spec.required else f"default {spec.default!r}"
    return f"{spec.name}: {getattr(spec.annotation, '__name__', spec.annotation)}, {default}"


def _same_body(one: ParamSpec, other: ParamSpec) -> bool:
    """Whether two body parameters read the body alike (the view's ``item: Item`` and a
    provider's): then it is one body, read by both."""
    return (one.name, one.key, one.annotation, one.embed) == (
        other.name, other.key, other.annotation, other.embed
    )  # fmt: skip


def bind_dependencies(
    view: View,
    own: ViewSignature,
    found: tuple[tuple[str | None, Dependency], ...],
) -> View:
    """``view`` wrapped to receive its typed parameters (``own``'s) and its dependencies'
    values; without dependencies, what :func:`roob.params.bind` gives."""
    if not found:
        return bind(view, own)
    root = Dependency(
        provider=view,
        use_cache=False,
        dependencies=tuple(dependency for _, dependency in found),
        params=own.params,
        body=own.body,
        names=tuple(name for name, _ in found),
        bind=binder(own.params, own.body) if own.binds else None,
    )

    @functools.wraps(view)
    def view_with_dependencies(request: Any, **path_params: Any) -> Any:
        errors: list[dict[str, Any]] = []
        arguments = _solve(root, request, path_params, {}, errors)
        if arguments is None:  # a parameter the view and a provider read fails twice
            unique = [error for at, error in enumerate(errors) if error not in errors[:at]]
            raise UnprocessableEntity("Validation failed", extra={"errors": unique})
        return view(request, **path_params, **arguments)

    return view_with_dependencies


#: What a request's cache holds for a provider it could not run (a parameter was invalid).
_INVALID: Any = object()


def _solve(
    node: Dependency,
    request: Any,
    path_params: dict[str, Any],
    cache: dict[Any, Any],
    errors: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The arguments of ``node``'s provider for ``request``, its dependencies run first
    (each cached one once per request); None when a value of the tree is invalid
    (``errors`` says which), and then ``node`` is not run."""
    arguments: dict[str, Any] = {}
    valid = True
    for name, dependency in zip(node.names, node.dependencies, strict=True):
        if dependency.use_cache and dependency.cache_key in cache:
            value = cache[dependency.cache_key]
        else:
            inner = _solve(dependency, request, path_params, cache, errors)
            value = _INVALID if inner is None else _call(dependency, request, inner)
            cache.setdefault(dependency.cache_key, value)
        if value is _INVALID:  # its errors are reported once, however many ask for it
            valid = False
            continue
        if name is not None:
            arguments[name] = value
    if node.bind is not None:
        try:
            arguments.update(node.bind(request))
        except UnprocessableEntity as invalid:
            errors.extend(invalid.extra["errors"])
            valid = False
    if not valid:
        return None
    for name in node.request_names:
        arguments[name] = request
    for name in node.path_names:
        arguments[name] = path_params[name]
    return arguments


def _call(dependency: Dependency, request: Any, arguments: dict[str, Any]) -> Any:
    """The value of ``dependency``'s provider; a generator's rest is left for the end."""
    if not dependency.generator:
        return dependency.provider(**arguments)
    generator = dependency.provider(**arguments)
    if not inspect.isgenerator(generator):
        raise TypeError(
            f"the generator dependency {_name(dependency.provider)} returned a "
            f"{type(generator).__name__}, not a generator: a decorator around a generator "
            "function (contextlib.contextmanager?) must return its generator; give Depends "
            "the generator function itself"
        )
    try:
        value = next(generator)
    except StopIteration:
        raise RuntimeError(
            f"the generator dependency {_name(dependency.provider)} returned without "
            "yielding a value"
        ) from None
    finish_at_end(request, generator)
    return value
