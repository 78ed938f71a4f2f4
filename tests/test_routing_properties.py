"""The router against a brute-force reference matcher, on random routes and paths.

The reference tries every route on its own and applies the precedence rules
directly: among the routes that match the path and serve the method, the one
whose segments rank best from left to right wins (literal, then ``{id:int}``,
then ``{name}``, then ``{rest:path}``). Roob must pick the same route with the
same parameters, answer 405 exactly when only other methods match, and 404
otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from roob import Roob, RouteConflict
from roob.testing import TestClient

LITERALS = ["a", "b", "items", "1", "42"]
SEGMENT_TEXTS = [*LITERALS, "x", "007", "", "é", "3x"]
RANK = {"literal": 0, "int": 1, "str": 2, "path": 3}


@dataclass(frozen=True)
class Pattern:
    kinds: tuple[tuple[str, str], ...]  # (kind, literal text or parameter name)
    method: str

    @property
    def path(self) -> str:
        parts = []
        for kind, text in self.kinds:
            if kind == "literal":
                parts.append(text)
            elif kind == "str":
                parts.append("{" + text + "}")
            else:
                parts.append("{" + text + ":" + kind + "}")
        return "/" + "/".join(parts)


@st.composite
def patterns(draw: Any) -> Pattern:
    length = draw(st.integers(min_value=0, max_value=3))
    kinds = []
    for position in range(length):
        last = position == length - 1
        choices = ["literal", "literal", "int", "str"] + (["path"] if last else [])
        kind = draw(st.sampled_from(choices))
        text = draw(st.sampled_from(LITERALS)) if kind == "literal" else f"p{position}"
        kinds.append((kind, text))
    return Pattern(tuple(kinds), draw(st.sampled_from(["GET", "POST"])))


def reference_match(pattern: Pattern, segments: list[str]) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    for index, (kind, text) in enumerate(pattern.kinds):
        if kind == "path":
            rest = "/".join(segments[index:])
            if index >= len(segments) or not rest:
                return None
            params[text] = rest
            return params
        if index >= len(segments):
            return None
        segment = segments[index]
        if kind == "literal" and segment != text:
            return None
        if kind == "int":
            if not (segment.isascii() and segment.isdigit()):
                return None
            params[text] = int(segment)
        if kind == "str":
            if not segment:
                return None
            params[text] = segment
    return params if len(pattern.kinds) == len(segments) else None


def rank(pattern: Pattern) -> tuple[int, ...]:
    return tuple(RANK[kind] for kind, _ in pattern.kinds)


def shape(pattern: Pattern) -> list[str]:
    return [text if kind == "literal" else kind for kind, text in pattern.kinds]


def split(path: str) -> list[str]:
    body = path[1:]
    if body.endswith("/"):
        body = body[:-1]
    return body.split("/") if body else []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(patterns(), min_size=1, max_size=12),
    st.lists(st.sampled_from(SEGMENT_TEXTS), min_size=0, max_size=4),
    st.booleans(),
    st.sampled_from(["GET", "POST", "DELETE"]),
)
def test_router_agrees_with_the_reference(
    candidates: list[Pattern], parts: list[str], trailing_slash: bool, method: str
) -> None:
    app = Roob(static_dir=None)
    registered: list[Pattern] = []
    for number, pattern in enumerate(candidates):

        def view(request: Any, _number: int = number, **params: Any) -> dict[str, Any]:
            return {"route": _number, "params": params}

        try:
            app.add_route(pattern.path, view, [pattern.method], name=f"r{number}")
        except RouteConflict:
            # refused exactly when an earlier route has the same shape and method
            assert any(shape(p) == shape(pattern) and p.method == pattern.method
                       for p in registered)  # fmt: skip
            continue
        assert all(shape(p) != shape(pattern) or p.method != pattern.method for p in registered)
        registered.append(pattern)

    path = "/" + "/".join(parts) + ("/" if trailing_slash and parts else "")
    segments = split(path)
    matching = [(p, reference_match(p, segments)) for p in registered]
    matching = [(p, params) for p, params in matching if params is not None]
    serving = [(p, params) for p, params in matching if p.method == method]

    response = TestClient(app).request(method, path.replace("é", "%C3%A9"))
    if serving:
        best, params = min(serving, key=lambda item: rank(item[0]))
        assert response.status_code == 200, (path, method, response.text)
        body = response.json()
        assert candidates[body["route"]] == best
        assert body["params"] == params
    elif matching:
        assert response.status_code == 405, (path, method, response.text)
        allowed = {p.method for p, _ in matching} | {"OPTIONS"}
        if "GET" in allowed:
            allowed.add("HEAD")
        assert set(response.headers["Allow"].split(", ")) == allowed
    else:
        assert response.status_code == 404, (path, method, response.text)
