"""Routes and the route table: from a request's path and method to a view.

A pattern is a path whose segments are literal text or parameters::

    /api/products                 literal
    /api/products/{id:d}          a typed parameter (see roob.convertors)
    /api/products/{category}      one segment as str
    /files/{name}.{ext}           parameters inside a segment
    /static/{rest:path}           the rest of the path, slashes included

Which route serves a path never depends on the order the routes were added
in: at each segment a literal beats a typed parameter, a typed parameter
beats a segment mixing text and parameters (``{name}.{ext}``), that beats
``{name}``, and ``{name}`` beats ``{name:path}``; between two typed
parameters, the convertor added first wins. When a more specific branch leads
nowhere the next one is tried. Paths without parameters are found with one
dict lookup; the others walk a tree of segments, so the cost grows with the
depth of the path and not with the number of routes.

Matching is method-aware: when two routes match a path, the one serving the
request's method wins, and a 405 lists every method of every route that
matches the path. HEAD is served wherever GET is, and OPTIONS is answered
with the ``Allow`` header unless a view serves it.

The records here are made by roob/registration.py: a :class:`Route` per
registration, with an :class:`Endpoint` per method.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from roob._types import View
from roob.convertors import Convertor, IntConvertor, PathConvertor, StringConvertor
from roob.exceptions import (
    BadRequest,
    ConfigurationError,
    InvalidRoute,
    InvalidURLParameter,
    MethodNotAllowed,
    NotFound,
    RouteConflict,
)
from roob.responses import Response
from roob.views import HTTP_VERBS

__all__ = ["Endpoint", "PathPrefix", "Pattern", "Route", "RouteTable", "allow_header"]

_PARAM = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# What a path segment may hold unescaped (RFC 3986 pchar); url() escapes the rest.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_VERB_ORDER = {verb: index for index, verb in enumerate(HTTP_VERBS)}

# Ranks order the parameter branches of one node: lower is tried first.
_RANK_TYPED = 0
_RANK_MIXED = 1
_RANK_STRING = 2


def _verb_key(method: str) -> tuple[int, str]:
    """The usual order of methods: the verbs of HTTP_VERBS first, then by name."""
    return _VERB_ORDER.get(method, len(_VERB_ORDER)), method


@functools.lru_cache(maxsize=64)
def allow_header(methods: frozenset[str]) -> str:
    """The value of an ``Allow`` header: the verbs in their usual order, OPTIONS last."""
    names = methods | {"OPTIONS"}
    return ", ".join(sorted(names, key=lambda m: (m == "OPTIONS", _verb_key(m))))


@dataclass(slots=True, eq=False)
class Pattern:
    """A compiled route pattern: its segments and its parameter names in path order."""

    path: str
    segments: tuple[_Segment, ...]
    names: tuple[str, ...]
    #: ``values -> {name: value}`` for the values a search finds, built once.
    make_kwargs: Callable[[tuple[Any, ...]], dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.make_kwargs = _kwargs_builder(self.names)

    @property
    def template(self) -> str:
        """The path with each parameter as ``{name}`` (the form OpenAPI uses)."""
        return "/" + "/".join(segment.template for segment in self.segments)

    def param_convertors(self) -> dict[str, Convertor]:
        """Each path parameter's name and convertor, in path order."""
        return {
            name: c for s in self.segments for name, c in zip(s.names, s.convertors, strict=True)
        }

    def url(self, **params: Any) -> str:
        """The path the pattern gives for ``params`` (reverse routing), percent-encoded."""
        if set(self.names) != params.keys():
            raise ValueError(
                f"route {self.path!r} takes parameters {sorted(self.names)}, got {sorted(params)}"
            )
        return "/" + "/".join(
            quote(
                "".join(p if isinstance(p, str) else self._text(p, params) for p in s.parts),
                safe=_SEGMENT_SAFE + ("/" if s.is_rest else ""),  # only {name:path} keeps '/'
            )
            for s in self.segments
        )

    def _text(self, part: tuple[str, Convertor], params: dict[str, Any]) -> str:
        """A parameter's value as its convertor writes it; InvalidURLParameter (400)
        for one it refuses, as such a value usually comes from the client."""
        name, convertor = part
        try:
            text = convertor.to_string(params[name])
            if "\x00" in text or not (text.isascii() or _utf8(text)):
                raise ValueError(f"{text!r} holds a NUL or a lone surrogate, which no URL can")
            return text
        except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: int(inf)
            raise InvalidURLParameter(self.path, name, str(exc)) from None


def _utf8(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (a lone surrogate has none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(slots=True, eq=False, repr=False)
class Route:
    """One registration: a pattern, the handler serving it, and an endpoint per method.

    ``handler`` is the function or class that was registered; ``name`` is
    the route's name for ``url_for`` (``explicit_name`` when ``name=`` gave
    it); ``owner`` is the router inclusion it came from (None for a route of
    the application itself), read by the application only when something
    goes wrong, to find that router's exception handlers. ``tags`` (its
    routers' and its own) and ``operation_id`` are for the OpenAPI document.
    """

    pattern: Pattern
    handler: Any
    name: str
    explicit_name: bool = False
    owner: object = None
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    operation_id: str | None = None

    @property
    def path(self) -> str:
        return self.pattern.path

    @property
    def methods(self) -> frozenset[str]:
        """The methods registered for the route (HEAD and OPTIONS come with them)."""
        return frozenset(self.endpoints)

    @property
    def served_methods(self) -> tuple[str, ...]:
        """The methods the route answers, HEAD included where GET is, in the usual order."""
        methods = self.methods | ({"HEAD"} if "GET" in self.endpoints else set())
        return tuple(sorted(methods, key=_verb_key))

    def url(self, **params: Any) -> str:
        """The path this route serves for ``params``, percent-encoded."""
        return self.pattern.url(**params)

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.endpoints))
        return f"Route(path={self.path!r}, methods={methods}, name={self.name!r})"


@dataclass(slots=True, eq=False, repr=False)
class Endpoint:
    """What the route table hands back: one method of one route.

    ``view`` is called as ``view(request, **params)`` (typed parameters bound
    and router hooks around it); ``function`` is the user's function (the
    class view's method) and ``signature`` what it takes from the request
    (a :class:`roob.params.ViewSignature`). ``make_kwargs`` turns the values
    the search found into the keyword arguments of the view.
    """

    method: str
    view: View
    route: Route | None = None
    function: Callable[..., Any] | None = None
    signature: Any = None
    make_kwargs: Callable[[tuple[Any, ...]], dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        # Bound here, read by resolve() on every request with parameters.
        self.make_kwargs = self.route.pattern.make_kwargs if self.route else _no_kwargs

    def __repr__(self) -> str:
        return f"Endpoint({self.method}, {self.route!r})"


def _no_kwargs(values: tuple[Any, ...]) -> dict[str, Any]:
    return {}


def _kwargs_builder(names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """``values -> {name: value}``, built once per pattern as a dict display.

    For speed: a generated ``lambda values: {"id": values[0]}`` costs half of
    ``dict(zip(names, values))`` on every request with parameters.
    """
    items = ", ".join(f"{name!r}: values[{i}]" for i, name in enumerate(names))
    builder: Callable[[tuple[Any, ...]], dict[str, Any]] = eval(f"lambda values: {{{items}}}")
    return builder


# --- pattern compilation -------------------------------------------------


class _Segment:
    """A compiled segment of a pattern: its ``parts``, text and (name, convertor) pairs.

    ``key`` identifies the URLs it matches: two segments with one key meet at
    one node of the tree.
    """

    key: tuple[Any, ...]
    is_rest = False  # a {name:path} segment, whose value may hold '/'

    def __init__(self, parts: list[str | tuple[str, Convertor]]) -> None:
        self.parts = parts
        self.names = tuple(p[0] for p in parts if not isinstance(p, str))
        self.convertors = tuple(p[1] for p in parts if not isinstance(p, str))
        self.template = "".join(p if isinstance(p, str) else f"{{{p[0]}}}" for p in parts)


class _Literal(_Segment):
    def __init__(self, text: str) -> None:
        super().__init__([text])
        self.text = text
        self.key = ("literal", text)


class _Param(_Segment):
    """A segment that is exactly one parameter, ``{name}`` or ``{name:type}``."""

    def __init__(self, name: str, convertor: Convertor) -> None:
        super().__init__([(name, convertor)])
        self.convertor = convertor
        self.is_string = isinstance(convertor, StringConvertor)
        self.is_rest = isinstance(convertor, PathConvertor)
        self.key = ("param", id(convertor))
        self.fullmatch = re.compile(convertor.regex).fullmatch


class _Mixed(_Segment):
    """A segment mixing text and parameters, such as ``{name}.{ext}`` or ``v{n:d}``."""

    def __init__(self, parts: list[str | tuple[str, Convertor]]) -> None:
        super().__init__(parts)
        regex = [re.escape(p) if isinstance(p, str) else f"({p[1].regex})" for p in parts]
        self.key = ("mixed", *(p if isinstance(p, str) else id(p[1]) for p in parts))
        self.literal_length = sum(len(p) for p in parts if isinstance(p, str))
        # Convertor regexes are checked when added (roob/convertors.py): this compiles.
        self.fullmatch = re.compile("".join(regex)).fullmatch


def compile_pattern(path: str, convertors: dict[str, Convertor]) -> Pattern:
    """``path`` (a string starting with '/') compiled; :class:`InvalidRoute` if it is not
    a pattern."""
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
        if segment.is_rest and position != len(texts) - 1:
            raise InvalidRoute(
                f"route path {path!r}: a {{name:path}} parameter must be the last segment"
            )
        for name in segment.names:
            if name in names:
                raise InvalidRoute(f"route path {path!r} uses the parameter {name!r} twice")
            names.append(name)
        segments.append(segment)
    return Pattern(path, tuple(segments), tuple(names))


def _compile_segment(path: str, text: str, convertors: dict[str, Convertor]) -> _Segment:
    parts: list[str | tuple[str, Convertor]] = []
    position = 0
    for found in _PARAM.finditer(text):
        literal = text[position : found.start()]
        if literal:
            parts.append(literal)
        name, colon, type_name = found.group(1).partition(":")
        if not _NAME.match(name):
            raise InvalidRoute(
                f"route path {path!r}: {found.group(0)!r} needs a parameter name that is a "
                "Python identifier, with no spaces (the view receives it as an argument)"
            )
        type_name = type_name if colon else "str"
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
        return _Param(*only)
    for part in parts:
        if not isinstance(part, str) and isinstance(part[1], PathConvertor):
            raise InvalidRoute(
                f"route path {path!r}: a {{name:path}} parameter must be a whole segment"
            )
    return _Mixed(parts)


class PathPrefix:
    """A router's prefix such as ``/api`` or ``/orgs/{org}``, compiled.

    Used on the error path only: :meth:`contains` says whether a request path
    lies under the prefix, segment by segment (``/api`` contains ``/api`` and
    ``/api/x``, not ``/apix``), so a 404 there can go to the router's handlers.
    """

    __slots__ = ("_literal", "_matchers", "depth", "pattern")

    def __init__(self, pattern: str, convertors: dict[str, Convertor]) -> None:
        compiled = compile_pattern(pattern, convertors)
        if any(s.is_rest for s in compiled.segments):
            raise InvalidRoute(f"router prefix {pattern!r} cannot hold a {{name:path}} parameter")
        self.pattern = pattern
        self.depth = len(compiled.segments)
        self._literal = None if compiled.names else [s.template for s in compiled.segments]
        self._matchers = [
            _segment_matcher(s) if isinstance(s, _Param | _Mixed) else s.template
            for s in compiled.segments
        ]

    def contains(self, parts: list[str]) -> bool:
        """Whether the decoded path segments ``parts`` (no leading '') start with the prefix."""
        if len(parts) < self.depth:
            return False
        if self._literal is not None:
            return parts[: self.depth] == self._literal
        for matcher, text in zip(self._matchers, parts, strict=False):
            if isinstance(matcher, str):
                if matcher != text:
                    return False
            elif not text or matcher(text) is _NO_MATCH:
                return False
        return True

    def __repr__(self) -> str:
        return f"PathPrefix({self.pattern!r})"


def split_path(path_info: str) -> tuple[str, list[str]]:
    """A WSGI ``PATH_INFO`` decoded, and split as the search reads it (no trailing '').

    Raises :class:`BadRequest` for a path that is not UTF-8 or holds a NUL, and
    :class:`NotFound` for one that is not absolute.
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
    return path, segments


# --- the tree -------------------------------------------------------------


class _Node:
    __slots__ = ("endpoints", "explicit", "literals", "params", "rest")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        # (rank, tie-break, segment, child), kept sorted
        self.params: list[tuple[int, tuple[Any, ...], _Param | _Mixed, _Node]] = []
        self.rest: tuple[_Param, _Node] | None = None
        self.endpoints: dict[str, Endpoint] = {}
        self.explicit: dict[str, Route] = {}  # methods registered by hand (not HEAD, OPTIONS)

    def child(self, segment: _Segment, order: int) -> _Node:
        if isinstance(segment, _Literal):
            return self.literals.setdefault(segment.text, _Node())
        assert isinstance(segment, _Param | _Mixed)
        if isinstance(segment, _Param) and segment.is_rest:
            if self.rest is None:
                self.rest = (segment, _Node())
            return self.rest[1]  # one path convertor: every {name:path} meets here
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

    ``add`` registers a :class:`Route`, ``resolve`` finds the endpoint and
    parameters for a request, ``url_for`` the path of a named route.
    ``search_source`` is the Python source of the search function generated
    from the routes (``roob routes --source`` prints it).
    """

    def __init__(self, convertors: dict[str, Convertor]) -> None:
        self.convertors = convertors
        self._convertor_order = {id(c): i for i, c in enumerate(convertors.values())}
        self._root = _Node()
        # WSGI-form path ('/x' and '/x/') -> the method table of a parameterless route
        self.static: dict[str, dict[str, Endpoint]] = {}
        self.routes: list[Route] = []
        self._names: dict[str, list[Route]] = {}
        self._options = Endpoint("OPTIONS", self._answer_options)
        self._fixed_options: list[_Node] = []  # nodes given a fixed answer by _compile
        self._search: _Search | None = None  # compiled on first use, reset by add()
        self._source = ""

    def add_convertor(self, name: str, convertor: Convertor) -> None:
        """Make ``{param:name}`` available to the patterns added from now on."""
        if not _NAME.match(name):
            raise ConfigurationError(f"convertor name {name!r} must be a Python identifier")
        if name in self.convertors:
            raise ConfigurationError(f"a convertor named {name!r} already exists")
        self.convertors[name] = convertor
        self._convertor_order.setdefault(id(convertor), len(self._convertor_order))

    def add(self, route: Route) -> None:
        """Serve ``route``'s methods.

        Raises :class:`RouteConflict` when a method of its path is already
        served by an equivalent pattern, and :class:`ConfigurationError` when
        its ``name=`` is another path's.
        """
        # Checked before the walk, which adds nodes: a refused route leaves no empty branch.
        for other in self._names.get(route.name, ()):
            if route.explicit_name and other.explicit_name and other.path != route.path:
                raise ConfigurationError(
                    f"route {route.path!r}: the name {route.name!r} is already given to "
                    f"{other.path!r}; a name passed with name= must be unique"
                )
        node = self._root
        for segment in route.pattern.segments:
            order = self._convertor_order.get(segment.key[1], len(self._convertor_order))
            node = node.child(segment, order)
        clash = route.methods & node.explicit.keys()
        if clash:
            raise RouteConflict(route.path, node.explicit[min(clash)].path, clash)

        for method, endpoint in route.endpoints.items():
            node.explicit[method] = route
            node.endpoints[method] = endpoint
        if "GET" in node.endpoints and "HEAD" not in node.explicit:
            node.endpoints["HEAD"] = node.endpoints["GET"]
        if "OPTIONS" not in node.explicit:
            node.endpoints["OPTIONS"] = self._options
        self.routes.append(route)
        self._names.setdefault(route.name, []).append(route)
        self._search = None
        for fixed in self._fixed_options:  # the new route may share their paths
            if "OPTIONS" not in fixed.explicit:
                fixed.endpoints["OPTIONS"] = self._options
        self._fixed_options.clear()
        if not route.pattern.names:
            literal = route.pattern.template
            wsgi_form = literal.encode("utf-8").decode("latin-1")
            self.static[wsgi_form] = node.endpoints
            if literal != "/":
                self.static[wsgi_form + "/"] = node.endpoints

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route called ``name`` with ``params`` filled in.

        A name given with ``name=`` is the route's own; a default name (the
        view's) that several paths share is ambiguous, which is a LookupError.
        """
        routes = self._names.get(name)
        if not routes:
            raise LookupError(f"no route is named {name!r}")
        candidates = [route for route in routes if route.explicit_name] or routes
        paths = sorted({route.path for route in candidates})
        if len(paths) > 1:
            raise LookupError(
                f"the route name {name!r} is ambiguous: the views of {', '.join(paths)} "
                "share it; pass name= to give each route a name of its own"
            )
        return candidates[0].url(**params)

    def resolve(self, path_info: str, method: str) -> tuple[Endpoint, dict[str, Any]]:
        """Find the endpoint for a WSGI ``PATH_INFO`` and method.

        Raises :class:`NotFound`, :class:`MethodNotAllowed` (with the allowed
        methods) or :class:`BadRequest` for a path that is not UTF-8.
        """
        path, segments = split_path(path_info)
        search = self._search or self._compile()
        found = search(segments, len(segments), method, None, ())
        if found is None:
            allowed: set[str] = set()
            search(segments, len(segments), method, allowed, ())
            path = path or "/"
            if allowed:
                raise MethodNotAllowed(
                    f"{method} request is not allowed for {path}",
                    allowed=allow_header(frozenset(allowed)).split(", "),
                )
            raise NotFound(f"Requested path: {path} does not exist")
        endpoint, values = found
        if not values:
            return endpoint, {}
        return endpoint, endpoint.make_kwargs(values)

    @property
    def search_source(self) -> str:
        """The Python source of the search function generated from the routes."""
        if self._search is None:
            self._compile()
        return self._source

    def allowed_methods(self, path_info: str) -> frozenset[str]:
        """Every method of every route matching ``path_info`` (empty when none does)."""
        _, segments = split_path(path_info)
        allowed: set[str] = set()
        (self._search or self._compile())(segments, len(segments), "", allowed, ())
        return frozenset(allowed)

    def _answer_options(self, request: Any) -> Response:
        """The automatic OPTIONS answer: 204 with the methods of every route of the path."""
        return _options_response(
            allow_header(self.allowed_methods(request.environ.get("PATH_INFO", "")))
        )

    def _compile(self) -> _Search:
        compiler = _SearchCompiler()
        self._search = compiler.compile(self._root)
        self._source = "\n\n".join(compiler.sources)
        self._prebuild_options(self._root, alone=True)
        return self._search

    def _prebuild_options(self, node: _Node, alone: bool) -> None:
        """Give each node that no other route can share a path with a fixed OPTIONS answer.

        For speed: such a node's ``Allow`` is known now, where the others need
        a second search per request (:meth:`_answer_options`). A node is alone
        when no branch on the way to it has a sibling that could match the same
        segment (a literal next to parameters, two parameters, a rest).
        """
        if node.endpoints and "OPTIONS" not in node.explicit:
            if alone:
                self._fixed_options.append(node)
                allow = allow_header(frozenset(node.endpoints))
                node.endpoints["OPTIONS"] = Endpoint(
                    "OPTIONS", lambda request: _options_response(allow)
                )
            else:
                node.endpoints["OPTIONS"] = self._options
        literal_alone = alone and not node.params and node.rest is None
        for child in node.literals.values():
            self._prebuild_options(child, literal_alone)
        param_alone = alone and len(node.params) == 1 and not node.literals and node.rest is None
        for *_, child in node.params:
            self._prebuild_options(child, param_alone)
        if node.rest is not None:
            self._prebuild_options(node.rest[1], alone and not node.literals and not node.params)


def _options_response(allow: str) -> Response:
    response = Response(status=204)
    response.headerlist.append(("Allow", allow))  # made here: no need to check it
    return response


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
        """The search function; ``sources`` keeps its source, one function a string."""
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

    def _endpoint(
        self, out: list[str], pad: str, endpoints: dict[str, Endpoint], found: str
    ) -> None:
        """Lines that return the node's endpoint for the method, or note its methods."""
        table = self._bind("E", endpoints)
        out += [f"{pad}e = {table}.get(method)", f"{pad}if e is not None:",
                f"{pad}    return e, {found}", f"{pad}if allowed is not None:",
                f"{pad}    allowed.update({table})"]  # fmt: skip

    def _call(self, out: list[str], pad: str, call: str) -> None:
        """Lines that call a sub-function and return what it found, if anything."""
        out += [f"{pad}r = {call}", f"{pad}if r is not None:", f"{pad}    return r"]

    def _node(
        self, out: list[str], node: _Node, depth: int, values: list[str], indent: int, level: int
    ) -> None:
        """Code that returns if the subtree of ``node`` serves the path, else falls through."""
        pad = "    " * indent
        found = _found(values)
        index = depth + 1
        if node.endpoints:
            out.append(f"{pad}if n == {index}:")
            self._endpoint(out, pad + "    ", node.endpoints, found)
        text = f"s{index}"
        if node.literals or node.params:
            out += [f"{pad}if n > {index}:", f"{pad}    {text} = segments[{index}]"]
            many = len(node.literals) > _INLINE_LITERALS
            if node.literals and (many or level >= _INLINE_DEPTH):
                # Filled with the functions once the source has been executed.
                children = {
                    literal: self._function(child, index)
                    for literal, child in node.literals.items()
                }
                self.dispatch_tables.append(children)
                out += [f"{pad}    f = {self._bind('D', children)}.get({text})",
                        f"{pad}    if f is not None:"]  # fmt: skip
                self._call(out, pad + "        ", f"f(segments, n, method, allowed, {found})")
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
            value = f"v{len(values)}"
            out += [f"{pad}if n > {index}:", f"{pad}    {value} = '/'.join(segments[{index}:])"]
            if type(segment.convertor) is PathConvertor:
                out.append(f"{pad}    if {value}:")
            else:
                matcher = self._bind("M", _segment_matcher(segment))
                out += [f"{pad}    {value} = {matcher}({value}) if {value} else _NO_MATCH",
                        f"{pad}    if {value} is not _NO_MATCH:"]  # fmt: skip
            self._endpoint(out, pad + "        ", child.endpoints, _found([*values, value]))

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
        names = [f"v{len(values) + i}" for i in range(len(segment.names))]
        if level >= _INLINE_DEPTH:  # continue in a sub-function, given the values so far
            sub = self._function(child, depth)
            extra = "v" if isinstance(segment, _Mixed) else "(v,)"
            out += [f"{pad}v = {self._bind('M', _segment_matcher(segment))}({text})",
                    f"{pad}if v is not _NO_MATCH:"]  # fmt: skip
            self._call(
                out,
                pad + "    ",
                f"{sub}(segments, n, method, allowed, {_found(values)} + {extra})",
            )
            return
        if isinstance(segment, _Param) and segment.is_string:  # any non-empty text matches
            out.append(f"{pad}{names[0]} = {text}")
            self._node(out, child, depth, [*values, *names], indent, level)
            return
        if isinstance(segment, _Param) and type(segment.convertor) is IntConvertor:
            # the regex [0-9]+ without the regex engine; int() refuses very long numbers
            out += [f"{pad}{names[0]} = _NO_MATCH",
                    f"{pad}if {text}.isdigit() and {text}.isascii():",
                    f"{pad}    try:", f"{pad}        {names[0]} = int({text})",
                    f"{pad}    except ValueError:", f"{pad}        pass",
                    f"{pad}if {names[0]} is not _NO_MATCH:"]  # fmt: skip
        elif isinstance(segment, _Mixed):
            out += [f"{pad}t = {self._bind('M', _segment_matcher(segment))}({text})",
                    f"{pad}if t is not _NO_MATCH:",
                    f"{pad}    {', '.join(names)}{',' if len(names) == 1 else ''} = t"]  # fmt: skip
        else:
            out += [f"{pad}{names[0]} = {self._bind('M', _segment_matcher(segment))}({text})",
                    f"{pad}if {names[0]} is not _NO_MATCH:"]  # fmt: skip
        self._node(out, child, depth, [*values, *names], indent + 1, level)


def _found(values: list[str]) -> str:
    """The expression of the parameter values found so far."""
    return f"pre + ({', '.join(values)},)" if values else "pre"
