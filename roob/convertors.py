"""Typed path parameters: the ``{name:type}`` part of a route pattern.

A convertor says which text a path segment may hold (``regex``), turns that
text into a Python value (``convert``) and back (``to_string``). Roob ships
``str`` (the default), ``int`` (alias ``d``), ``float`` (alias ``f``), ``uuid``
and ``path``; an application adds its own with :meth:`roob.Roob.add_convertor`.
Convertors belong to one application: there is no global registry.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

__all__ = [
    "Convertor",
    "FloatConvertor",
    "FunctionConvertor",
    "IntConvertor",
    "PathConvertor",
    "StringConvertor",
    "UUIDConvertor",
    "default_convertors",
]


class Convertor:
    """Base class for path parameter types.

    ``regex`` must match one whole path segment (it never has to match ``/``);
    ``convert`` may raise :class:`ValueError` to refuse a segment that the
    regex let through, in which case the route simply does not match.
    """

    regex: ClassVar[str] = "[^/]+"

    def convert(self, value: str) -> Any:
        return value

    def to_string(self, value: Any) -> str:
        return str(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(regex={self.regex!r})"


class StringConvertor(Convertor):
    """``{name}``: one non-empty path segment, as ``str``."""

    regex = "[^/]+"

    def to_string(self, value: Any) -> str:
        text = str(value)
        if not text or "/" in text or text in _DOT_SEGMENTS:
            raise ValueError(f"{text!r} is not a single path segment")
        return text


class IntConvertor(Convertor):
    """``{name:int}`` / ``{name:d}``: a non-negative integer in ASCII digits."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        # int() refuses numbers longer than sys.get_int_max_str_digits() with
        # ValueError, which makes such a segment a plain non-match.
        return int(value)

    def to_string(self, value: Any) -> str:
        number = int(value)
        if number < 0:
            raise ValueError(f"{value!r} is negative")
        return str(number)


class FloatConvertor(Convertor):
    """``{name:float}`` / ``{name:f}``: a non-negative decimal such as ``3`` or ``2.5``."""

    regex = r"[0-9]+(?:\.[0-9]+)?"

    def convert(self, value: str) -> float:
        number = float(value)
        if math.isinf(number):
            raise ValueError(f"{value!r} is too large for a float")
        return number

    def to_string(self, value: Any) -> str:
        number = float(value)
        if number < 0 or not math.isfinite(number):
            raise ValueError(f"{value!r} is not a non-negative finite number")
        # In positional notation, as the regex reads it (repr writes 1e-07 and 1e+16),
        # with the shortest digits that read back as the same float; -0.0 as 0.0.
        return format(Decimal(repr(number + 0.0)), "f")


class UUIDConvertor(Convertor):
    """``{name:uuid}``: a UUID in its canonical hyphenated form, either case."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def convert(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_string(self, value: Any) -> str:
        # Any form uuid.UUID reads (hex without hyphens, braces, urn:uuid:) is written
        # in the canonical form the regex matches; anything else ("..") is refused.
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class PathConvertor(Convertor):
    """``{name:path}``: the rest of the path, slashes included (never empty)."""

    regex = ".+"

    def to_string(self, value: Any) -> str:
        # An empty segment is refused too: a leading "/" makes "//host" of a route at
        # the root (another host for a browser), a trailing one is routed without it.
        text = str(value)
        if any(not segment or segment in _DOT_SEGMENTS for segment in text.split("/")):
            raise ValueError(
                f"{text!r} is not a path (empty, or with an empty, '.' or '..' segment)"
            )
        return text


# A browser removes these segments from a path (and goes up one for ".."), so a
# link holding one would not lead to the route it was built for.
_DOT_SEGMENTS = frozenset({".", ".."})


class FunctionConvertor(Convertor):
    """A convertor made of a regex and two functions, as ``add_convertor`` makes them."""

    def __init__(
        self,
        regex: str,
        to_python: Callable[[str], Any] = str,
        to_string: Callable[[Any], str] = str,
    ) -> None:
        self.regex = regex  # type: ignore[misc]  # per-instance regex by design
        self._to_python, self._to_string = to_python, to_string

    def convert(self, value: str) -> Any:
        return self._to_python(value)

    def to_string(self, value: Any) -> str:
        return self._to_string(value)


def validate_convertor_regex(name: str, regex: str) -> re.Pattern[str]:
    """Compile a convertor's regex, refusing ones that could span segments or capture."""
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"convertor {name!r} has an invalid regex {regex!r}: {exc}") from None
    if compiled.groups:
        raise ValueError(
            f"convertor {name!r} regex {regex!r} has capturing groups; use (?:...) instead"
        )
    if compiled.fullmatch(""):
        raise ValueError(f"convertor {name!r} regex {regex!r} must not match an empty segment")
    return compiled


def default_convertors() -> dict[str, Convertor]:
    """A fresh name -> convertor table with Roob's built-in types."""
    integer, decimal = IntConvertor(), FloatConvertor()
    return {
        "str": StringConvertor(),
        "int": integer,
        "d": integer,
        "float": decimal,
        "f": decimal,
        "uuid": UUIDConvertor(),
        "path": PathConvertor(),
    }
