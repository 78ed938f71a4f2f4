"""Routes and the route table: from a request's path and method to a view.

A pattern is a path whose segments are literal text or parameters::

    /api/products                 literal
    /api/products/{id:d}          a typed parameter (see roob.convertors)
    /api/products/{category}      one segment as str
    /files/{name}.{ext}           parameters inside a segment
    /static/{rest:path}           the rest of the path, slashes included

Which route serves a path never depends on the order the routes were added
in: at each segment a literal beats a typed parameter, a typed parameter
beats ``{name}``, and ``{name}`` beats ``{name:path}``; when a more specific
branch leads nowhere the next one is tried. Paths without parameters are
found with one dict lookup; the others walk a tree of segments, so the cost
grows with the depth of the path and not with the number of routes.

Matching is method-aware: when two routes match a path, the one serving the
request's method wins, and a 405 lists every method of every route that
matches the path. HEAD is served wherever GET is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from roob.convertors import Convertor, IntConvertor, PathConvertor, StringConvertor
from roob.exceptions import (
    BadRequest,
    ConfigurationError,
    InvalidRoute,
    MethodNotAllowed,
    NotFound,
    RouteConflict,
)

if TYPE_CHECKING:
    from roob.routers import Scope

__all__ = ["Endpoint", "PathPrefix", "Route", "RouteTable", "format_allow"]

View = Callable[..., Any]
_PARAM = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_METHOD = re.compile(r"[A-Za-z][A-Za-z-]*\Z")
# What a path segment may hold unescaped (RFC 3986 pchar); url() escapes the rest.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_ALLOW_ORDER = {m: i for i, m in enumerate(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])}

# Ranks order the parameter branches of one node: lower is tried first.
_RANK_TYPED = 0
_RANK_MIXED = 1
_RANK_STRING = 2


def format_allow(methods: Iterable[str]) -> str:
    """The value of an ``Allow`` header: common verbs first, OPTIONS last."""
    names = set(methods) | {"OPTIONS"}
    return ", ".join(sorted(names, key=lambda m: (m == "OPTIONS", _ALLOW_ORDER.get(m, 99), m)))


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


class Route:
    """One registered pattern with the views that serve its methods.

    ``scope`` is the router inclusion the route came from (None for a route
    added to the application itself); the application reads it only when
    something goes wrong, to find the router's exception handlers.
    """

    __slots__ = ("_segments", "endpoint", "methods", "name", "param_names", "path", "scope")

    def __init__(
        self,
        path: str,
        endpoint: Any,
        methods: frozenset[str],
        name: str,
        param_names: tuple[str, ...],
        segments: tuple[_Segment, ...],
        scope: Scope | None = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.methods = methods
        self.name = name
        self.param_names = param_names
        self._segments = segments
        self.scope = scope

    def param_convertors(self) -> dict[str, Convertor]:
        """Each path parameter's name and convertor, in path order."""
        found: dict[str, Convertor] = {}
        for segment in self._segments:
            if isinstance(segment, _Param):
                found[segment.names[0]] = segment.convertor
            elif isinstance(segment, _Mixed):
                found.update(zip(segment.names, segment.convertors, strict=True))
        return found

    def url(self, **params: Any) -> str:
        """The path this route serves for ``params`` (reverse routing), percent-encoded."""
        missing = set(self.param_names) - params.keys()
        extra = params.keys() - set(self.param_names)
        if missing or extra:
            raise ValueError(
                f"route {self.path!r} takes parameters {sorted(self.param_names)}, "
                f"got {sorted(params)}"
            )
        return "/" + "/".join(
            quote(segment.build(params), safe=_SEGMENT_SAFE + ("/" if segment.is_rest else ""))
            for segment in self._segments
        )

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"Route(path={self.path!r}, methods={methods}, name={self.name!r})"


class Endpoint:
    """What the route table hands back: the callable for one method of one route.

    ``view`` is called as ``view(request, **params)``.
    """

    __slots__ = ("param_names", "params", "route", "view")

    def __init__(self, view: View, route: Route | None = None) -> None:
        self.view = view
        self.route = route
        self.param_names = route.param_names if route is not None else ()
        self.params = _params_builder(self.param_names)

    def __repr__(self) -> str:
        return f"Endpoint({self.route!r})"


def _params_builder(names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """``values -> {name: value}``, built as a dict display (quicker than ``dict(zip())``)."""
    items = ", ".join(f"{name!r}: values[{i}]" for i, name in enumerate(names))
    builder: Callable[[tuple[Any, ...]], dict[str, Any]] = eval(f"lambda values: {{{items}}}")
    return builder


# --- pattern compilation -------------------------------------------------


class _Segment:
    """A compiled segment of a pattern. ``key`` identifies the URLs it matches."""

    key: tuple[Any, ...]
    names: tuple[str, ...] = ()
    is_rest = False  # a {name:path} segment, whose value may hold '/'

    def build(self, params: dict[str, Any]) -> str:  # pragma: no cover - every subclass has one
        raise NotImplementedError


class _Literal(_Segment):
    def __init__(self, text: str) -> None:
        self.text = text
        self.key = ("literal", text)

    def build(self, params: dict[str, Any]) -> str:
        return self.text


class _Param(_Segment):
    """A segment that is exactly one parameter, ``{name}`` or ``{name:type}``."""

    def __init__(self, name: str, type_name: str, convertor: Convertor) -> None:
        self.names = (name,)
        self.convertor = convertor
        self.is_string = isinstance(convertor, StringConvertor)
        self.is_rest = isinstance(convertor, PathConvertor)
        self.key = ("param", id(convertor))
        self.type_name = type_name
        self.fullmatch = re.compile(convertor.regex).fullmatch

    def match(self, text: str) -> list[Any] | None:
        if self.is_string:
            return [text]
        if self.fullmatch(text) is None:
            return None
        try:
            return [self.convertor.convert(text)]
        except ValueError:
            return None

    def build(self, params: dict[str, Any]) -> str:
        return self.convertor.to_string(params[self.names[0]])


class _Mixed(_Segment):
    """A segment mixing text and parameters, such as ``{name}.{ext}`` or ``v{n:d}``."""

    def __init__(self, parts: list[str | tuple[str, Convertor]], source: str) -> None:
        regex = []
        key: list[Any] = ["mixed"]
        self.parts = parts
        self.convertors: list[Convertor] = []
        names = []
        for part in parts:
            if isinstance(part, str):
                regex.append(re.escape(part))
                key.append(part)
            else:
                name, convertor = part
                regex.append(f"({convertor.regex})")
                key.append(id(convertor))
                names.append(name)
                self.convertors.append(convertor)
        self.names = tuple(names)
        self.key = tuple(key)
        self.literal_length = sum(len(p) for p in parts if isinstance(p, str))
        try:
            self.fullmatch = re.compile("".join(regex)).fullmatch
        except re.error as exc:  # pragma: no cover - convertor regexes are checked on add
            raise InvalidRoute(f"segment {source!r} does not compile: {exc}") from None

    def match(self, text: str) -> list[Any] | None:
        found = self.fullmatch(text)
        if found is None:
            return None
        try:
            return [c.convert(v) for c, v in zip(self.convertors, found.groups(), strict=True)]
        except ValueError:
            return None

    def build(self, params: dict[str, Any]) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(part[1].to_string(params[part[0]]))
        return "".join(out)


def pattern_params(path: str, convertors: dict[str, Convertor]) -> tuple[str, ...]:
    """The names of the parameters of ``path`` (InvalidRoute if it is not a valid pattern)."""
    return _compile_pattern(path, convertors)[1]


def _compile_pattern(
    path: str, convertors: dict[str, Convertor]
) -> tuple[tuple[_Segment, ...], tuple[str, ...]]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidRoute(f"route path {path!r} must be a string starting with '/'")
    body = path[1:]
    if body.endswith("/"):
        body = body[:-1]
    texts = body.split("/") if body else []
    segments: list[_Segment] = []
    names: list[str] = []
    for position, text in enumerate(texts):
        if not text:
            raise InvalidRoute(f"route path {path!r} has an empty segment ('//')")
        segment = _compile_segment(path, text, convertors)
        if isinstance(segment, _Param) and segment.is_rest and position != len(texts) - 1:
            raise InvalidRoute(
                f"route path {path!r}: a {{name:path}} parameter must be the last segment"
            )
        for name in segment.names:
            if name in names:
                raise InvalidRoute(f"route path {path!r} uses the parameter {name!r} twice")
            names.append(name)
        segments.append(segment)
    return tuple(segments), tuple(names)


def _compile_segment(path: str, text: str, convertors: dict[str, Convertor]) -> _Segment:
    parts: list[str | tuple[str, Convertor]] = []
    position = 0
    type_name = "str"
    for found in _PARAM.finditer(text):
        literal = text[position : found.start()]
        if literal:
            parts.append(literal)
        name, _, type_name = found.group(1).partition(":")
        name, type_name = name.strip(), (type_name.strip() or "str")
        if not _NAME.match(name):
            raise InvalidRoute(
                f"route path {path!r}: {found.group(0)!r} needs a parameter name "
                "that is a Python identifier"
            )
        if type_name not in convertors:
            known = ", ".join(sorted(convertors))
            raise InvalidRoute(
                f"route path {path!r}: unknown convertor {type_name!r} (known: {known}); "
                "add it with app.add_convertor()"
            )
        parts.append((name, convertors[type_name]))
        position = found.end()
    tail = text[position:]
    if tail:
        parts.append(tail)
    for part in parts:
        if isinstance(part, str) and ("{" in part or "}" in part):
            raise InvalidRoute(f"route path {path!r}: unbalanced brace in segment {text!r}")
    if len(parts) == 1 and isinstance(parts[0], str):
        return _Literal(parts[0])
    if len(parts) == 1:
        only = parts[0]
        assert not isinstance(only, str)
        return _Param(only[0], type_name, only[1])
    for part in parts:
        if not isinstance(part, str) and isinstance(part[1], PathConvertor):
            raise InvalidRoute(
                f"route path {path!r}: a {{name:path}} parameter must be a whole segment"
            )
    return _Mixed(parts, text)


class PathPrefix:
    """A router's prefix such as ``/api`` or ``/orgs/{org}``, compiled.

    Used on the error path only: :meth:`contains` says whether a request path
    lies under the prefix, segment by segment (``/api`` contains ``/api`` and
    ``/api/x``, not ``/apix``), so a 404 there can go to the router's handlers.
    """

    __slots__ = ("_literal", "_segments", "depth", "pattern")

    def __init__(self, pattern: str, convertors: dict[str, Convertor]) -> None:
        segments, names = _compile_pattern(pattern, convertors)
        if any(isinstance(s, _Param) and s.is_rest for s in segments):
            raise InvalidRoute(f"router prefix {pattern!r} cannot hold a {{name:path}} parameter")
        self.pattern = pattern
        self.depth = len(segments)
        self._segments = segments
        self._literal = None if names else [s.key[1] for s in segments]

    def contains(self, parts: list[str]) -> bool:
        """Whether the decoded path segments ``parts`` (no leading '') start with the prefix."""
        if len(parts) < self.depth:
            return False
        if self._literal is not None:
            return parts[: self.depth] == self._literal
        for segment, text in zip(self._segments, parts, strict=False):
            if isinstance(segment, _Param | _Mixed):
                if not text or segment.match(text) is None:
                    return False
            elif isinstance(segment, _Literal) and segment.text != text:
                return False
        return True

    def __repr__(self) -> str:
        return f"PathPrefix({self.pattern!r})"


# --- the tree -------------------------------------------------------------


class _Node:
    __slots__ = ("endpoints", "explicit", "literals", "params", "rest", "routes")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        # (rank, tie-break, segment, child), kept sorted
        self.params: list[tuple[int, tuple[Any, ...], _Param | _Mixed, _Node]] = []
        self.rest: tuple[_Param, _Node] | None = None
        self.endpoints: dict[str, Endpoint] = {}
        self.explicit: dict[str, Route] = {}  # methods registered by hand (not auto-HEAD)
        self.routes: list[Route] = []

    def child(self, segment: _Segment, order: int) -> _Node:
        if isinstance(segment, _Literal):
            return self.literals.setdefault(segment.text, _Node())
        assert isinstance(segment, _Param | _Mixed)
        if isinstance(segment, _Param) and segment.is_rest:
            if self.rest is None:
                self.rest = (segment, _Node())
            elif self.rest[0].key != segment.key:  # pragma: no cover - one path convertor
                raise InvalidRoute("two different {name:path} convertors at one position")
            return self.rest[1]
        for _, _, existing, node in self.params:
            if existing.key == segment.key:
                return node
        node = _Node()
        if isinstance(segment, _Mixed):
            rank: tuple[int, tuple[Any, ...]] = (_RANK_MIXED, (-segment.literal_length, order))
        elif segment.is_string:
            rank = (_RANK_STRING, (0,))
        else:
            rank = (_RANK_TYPED, (order,))
        self.params.append((rank[0], rank[1], segment, node))
        self.params.sort(key=lambda item: (item[0], item[1]))
        return node


class RouteTable:
    """The route table of one application.

    ``add`` registers a view under a pattern for some methods, ``resolve``
    finds the endpoint and parameters for a request.
    """

    def __init__(self, convertors: dict[str, Convertor]) -> None:
        self.convertors = convertors
        self._convertor_order = {id(c): i for i, c in enumerate(convertors.values())}
        self._root = _Node()
        # WSGI-form path ('/x' and '/x/') -> the method table of a parameterless route
        self.static: dict[str, dict[str, Endpoint]] = {}
        self.routes: list[Route] = []
        self._names: dict[str, Route] = {}
        self._search: _Search | None = None  # compiled on first use, reset by add()

    def add_convertor(self, name: str, convertor: Convertor) -> None:
        """Make ``{param:name}`` available to the patterns added from now on."""
        if not _NAME.match(name):
            raise ConfigurationError(f"convertor name {name!r} must be a Python identifier")
        if name in self.convertors:
            raise ConfigurationError(f"a convertor named {name!r} already exists")
        self.convertors[name] = convertor
        self._convertor_order.setdefault(id(convertor), len(self._convertor_order))

    def add(
        self,
        path: str,
        views: dict[str, View],
        endpoint: Any,
        name: str | None = None,
        scope: Scope | None = None,
    ) -> Route:
        """Register ``views`` (method -> callable) under ``path``.

        Raises :class:`InvalidRoute` for a bad pattern and :class:`RouteConflict`
        when a method of ``path`` is already served by an equivalent pattern.
        """
        segments, param_names = _compile_pattern(path, self.convertors)
        methods = frozenset(views)
        route_name = name or getattr(endpoint, "__name__", None) or path
        route = Route(path, endpoint, methods, route_name, param_names, segments, scope)

        # Checked before the walk, which adds nodes: a refused route leaves no empty branch.
        previous = self._names.get(route_name)
        if previous is not None and previous.path != path:
            raise ConfigurationError(
                f"route name {route_name!r} is already used by {previous.path!r}; "
                f"pass name= to give {path!r} a name of its own"
            )
        node = self._root
        for segment in segments:
            order = self._convertor_order.get(segment.key[1], len(self._convertor_order))
            node = node.child(segment, order)
        clash = methods & node.explicit.keys()
        if clash:
            raise RouteConflict(path, node.explicit[min(clash)].path, clash)

        for method, view in views.items():
            node.explicit[method] = route
            node.endpoints[method] = Endpoint(view, route)
        if "GET" in node.endpoints and "HEAD" not in node.explicit:
            node.endpoints["HEAD"] = node.endpoints["GET"]
        node.routes.append(route)
        self.routes.append(route)
        self._search = None
        self._names.setdefault(route_name, route)
        if not param_names:
            literal = "/" + "/".join(s.key[1] for s in segments)
            wsgi_form = literal.encode("utf-8").decode("latin-1")
            self.static[wsgi_form] = node.endpoints
            if literal != "/":
                self.static[wsgi_form + "/"] = node.endpoints
        return route

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` with ``params`` filled in."""
        try:
            route = self._names[name]
        except KeyError:
            raise LookupError(f"no route is named {name!r}") from None
        return route.url(**params)

    def resolve(self, path_info: str, method: str) -> tuple[Endpoint, dict[str, Any]]:
        """Find the endpoint for a WSGI ``PATH_INFO`` and method.

        Raises :class:`NotFound`, :class:`MethodNotAllowed` (with the allowed
        methods) or :class:`BadRequest` for a path that is not UTF-8.
        """
        path = path_info
        if not path.isascii():
            try:
                path = path.encode("latin-1").decode("utf-8")
            except UnicodeError:
                raise BadRequest("Request path is not valid UTF-8") from None
        if "\x00" in path:
            raise BadRequest("Request path contains a NUL character")
        segments = path.split("/")
        if segments[0]:  # not an absolute path
            raise NotFound(f"Requested path: {path} does not exist")
        if len(segments) > 2 and not segments[-1]:
            segments.pop()  # '/x/' is served by '/x'
        if len(segments) == 2 and not segments[1]:
            segments.pop()  # '/' (and '//')
        search = self._search or self._compile()
        found = search(segments, len(segments), method, None, ())
        if found is None:
            allowed: set[str] = set()
            search(segments, len(segments), method, allowed, ())
            if allowed:
                raise MethodNotAllowed(
                    f"{method} request is not allowed for {path or '/'}",
                    allowed=format_allow(allowed).split(", "),
                )
            raise NotFound(f"Requested path: {path or '/'} does not exist")
        endpoint, values = found
        if not values:
            return endpoint, {}
        return endpoint, endpoint.params(values)

    def _compile(self) -> _Search:
        self._search = _SearchCompiler().compile(self._root)
        return self._search


_NO_MATCH: Any = object()
# search(segments, len(segments), method, allowed, prefix_values)
#   -> (Endpoint, parameter values in path order) | None
# ``allowed``, when a set, collects the methods of every node matching the path.
_Search = Callable[
    [list[str], int, str, "set[str] | None", tuple[Any, ...]],
    "tuple[Endpoint, tuple[Any, ...]] | None",
]
_INLINE_LITERALS = 4  # more literal children than this: a dict of sub-functions
_INLINE_DEPTH = 8  # nesting levels per generated function


def _segment_matcher(segment: _Param | _Mixed) -> Callable[[str], Any]:
    """``text -> value`` (a tuple for mixed segments), or ``_NO_MATCH``."""
    if isinstance(segment, _Mixed):
        fullmatch, convertors = segment.fullmatch, segment.convertors

        def match_mixed(text: str) -> Any:
            found = fullmatch(text)
            if found is None:
                return _NO_MATCH
            try:
                return tuple(c.convert(v) for c, v in zip(convertors, found.groups(), strict=True))
            except ValueError:
                return _NO_MATCH

        return match_mixed
    fullmatch, convert = segment.fullmatch, segment.convertor.convert

    def match(text: str) -> Any:
        if fullmatch(text) is None:
            return _NO_MATCH
        try:
            return convert(text)
        except ValueError:
            return _NO_MATCH

    return match


class _SearchCompiler:
    """Turns the route tree into Python source for one search function.

    Walking the tree with a function call per segment costs more than the
    matching itself, so the tree is written out as nested ``if`` blocks: a
    literal child is a string comparison, ``{name}`` a truth test, ``{id:d}``
    ``isdigit()`` and ``int()``, other convertors one call; a branch that fails
    falls through to the next alternative, which is the precedence order. A
    node with many literal children dispatches through a dict of generated
    sub-functions instead, so the cost stays flat in the number of routes.
    """

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_NO_MATCH": _NO_MATCH}
        self.sources: list[str] = []
        self.dispatch_tables: list[dict[str, Any]] = []
        self.count = 0

    def compile(self, root: _Node) -> _Search:
        name = self._function(root, 0)
        exec(compile("\n".join(self.sources), "<roob routes>", "exec"), self.namespace)
        for table in self.dispatch_tables:
            for literal, function_name in table.items():
                table[literal] = self.namespace[function_name]
        search: _Search = self.namespace[name]
        return search

    def _bind(self, prefix: str, value: Any) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.namespace[name] = value
        return name

    def _function(self, node: _Node, depth: int) -> str:
        """Generate ``def`` for the subtree of ``node`` whose segment index is ``depth``."""
        self.count += 1
        name = f"_search_{self.count}"
        lines = [f"def {name}(segments, n, method, allowed, pre):"]
        self._node(lines, node, depth, [], 1, 0)
        lines.append("    return None")
        self.sources.append("\n".join(lines))
        return name

    def _node(
        self, out: list[str], node: _Node, depth: int, values: list[str], indent: int, level: int
    ) -> None:
        """Code that returns if the subtree of ``node`` serves the path, else falls through."""
        pad = "    " * indent
        found = f"pre + ({', '.join(values)},)" if values else "pre"
        index = depth + 1
        if node.endpoints:
            table = self._bind("E", node.endpoints)
            out.append(f"{pad}if n == {index}:")
            out.append(f"{pad}    e = {table}.get(method)")
            out.append(f"{pad}    if e is not None:")
            out.append(f"{pad}        return e, {found}")
            out.append(f"{pad}    if allowed is not None:")
            out.append(f"{pad}        allowed.update({table})")
        text = f"s{index}"
        if node.literals or node.params:
            out.append(f"{pad}if n > {index}:")
            out.append(f"{pad}    {text} = segments[{index}]")
            many = len(node.literals) > _INLINE_LITERALS
            if node.literals and (many or level >= _INLINE_DEPTH):
                # Filled with the functions once the source has been executed.
                children = {
                    literal: self._function(child, index)
                    for literal, child in node.literals.items()
                }
                table = self._bind("D", children)
                self.dispatch_tables.append(children)
                out.append(f"{pad}    f = {table}.get({text})")
                out.append(f"{pad}    if f is not None:")
                out.append(f"{pad}        r = f(segments, n, method, allowed, {found})")
                out.append(f"{pad}        if r is not None:")
                out.append(f"{pad}            return r")
            else:
                for literal, child in node.literals.items():
                    out.append(f"{pad}    if {text} == {literal!r}:")
                    self._node(out, child, index, values, indent + 2, level + 1)
            if node.params:
                out.append(f"{pad}    if {text}:")
                for _, _, segment, child in node.params:
                    self._param(out, segment, child, text, index, values, indent + 2, level + 1)
        if node.rest is not None:
            segment, child = node.rest
            table = self._bind("E", child.endpoints)
            value = f"v{len(values)}"
            out.append(f"{pad}if n > {index}:")
            out.append(f"{pad}    {value} = '/'.join(segments[{index}:])")
            if type(segment.convertor) is PathConvertor:
                out.append(f"{pad}    if {value}:")
            else:
                matcher = self._bind("M", _segment_matcher(segment))
                out.append(f"{pad}    {value} = {matcher}({value}) if {value} else _NO_MATCH")
                out.append(f"{pad}    if {value} is not _NO_MATCH:")
            out.append(f"{pad}        e = {table}.get(method)")
            out.append(f"{pad}        if e is not None:")
            out.append(f"{pad}            return e, pre + ({', '.join([*values, value])},)")
            out.append(f"{pad}        if allowed is not None:")
            out.append(f"{pad}            allowed.update({table})")

    def _param(
        self,
        out: list[str],
        segment: _Param | _Mixed,
        child: _Node,
        text: str,
        depth: int,
        values: list[str],
        indent: int,
        level: int,
    ) -> None:
        pad = "    " * indent
        start = len(values)
        if level >= _INLINE_DEPTH:
            # Continue in a sub-function: hand it the values found so far.
            matcher = self._bind("M", _segment_matcher(segment))
            sub = self._function(child, depth)
            found = f"pre + ({', '.join(values)},)" if values else "pre"
            out.append(f"{pad}v = {matcher}({text})")
            out.append(f"{pad}if v is not _NO_MATCH:")
            extra = "v" if isinstance(segment, _Mixed) else "(v,)"
            out.append(f"{pad}    r = {sub}(segments, n, method, allowed, {found} + {extra})")
            out.append(f"{pad}    if r is not None:")
            out.append(f"{pad}        return r")
            return
        names = [f"v{start + i}" for i in range(len(segment.names))]
        if isinstance(segment, _Param) and segment.is_string:
            out.append(f"{pad}{names[0]} = {text}")
            out.append(f"{pad}if True:")
        elif isinstance(segment, _Param) and type(segment.convertor) is IntConvertor:
            # the regex [0-9]+ without the regex engine; int() refuses very long numbers
            out.append(f"{pad}{names[0]} = _NO_MATCH")
            out.append(f"{pad}if {text}.isdigit() and {text}.isascii():")
            out.append(f"{pad}    try:")
            out.append(f"{pad}        {names[0]} = int({text})")
            out.append(f"{pad}    except ValueError:")
            out.append(f"{pad}        pass")
            out.append(f"{pad}if {names[0]} is not _NO_MATCH:")
        elif isinstance(segment, _Mixed):
            matcher = self._bind("M", _segment_matcher(segment))
            out.append(f"{pad}t = {matcher}({text})")
            out.append(f"{pad}if t is not _NO_MATCH:")
            out.append(f"{pad}    {', '.join(names)}, = t")
        else:
            matcher = self._bind("M", _segment_matcher(segment))
            out.append(f"{pad}{names[0]} = {matcher}({text})")
            out.append(f"{pad}if {names[0]} is not _NO_MATCH:")
        self._node(out, child, depth, [*values, *names], indent + 1, level)
