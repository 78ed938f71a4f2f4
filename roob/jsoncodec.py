"""JSON in and out at native speed, with the standard library's answers kept exactly.

:func:`dump_json` writes with orjson, :func:`load_json` reads with pydantic-core; each
hands a document it cannot treat exactly as the standard library would to the standard
library's own encoder or decoder, configured as Roob always did. What the native codecs
do differently, and therefore goes that slower way:

* writing: a ``dict`` with keys that are not strings, an ``int`` past 64 bits, a lone
  surrogate (the whole document is then ASCII-escaped, as before), a ``float`` subclass,
  nesting deeper than 254, a cycle, any value Roob cannot write (the ``TypeError`` then
  says which), and ``NaN`` or an infinity: orjson writes ``null`` for those, so a
  document in which orjson wrote a ``null`` is searched for one (pydantic-core writes
  them as ``NaN``/``Infinity``) and refused as before if it holds one;
* reading: anything pydantic-core refuses (a BOM, ``NaN``, a lone surrogate escape,
  nesting deeper than 200, a number out of a double's range, and every error, whose
  400 then carries the standard library's message).

The one change in what is written: a float below 1e-4 or with an exponent under 10 is
spelt the shorter way (``1e-7``, ``0.00001`` where Python wrote ``1e-07``, ``1e-05``),
the same number to every JSON reader.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pydantic_core

__all__ = ["NotJSONConstant", "dump_json", "load_json"]


def _json_default(value: Any) -> Any:
    """Serialise the common types JSON has no form of."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    model_dump = getattr(value, "model_dump", None)  # a pydantic model
    if model_dump is not None and not isinstance(value, type):
        return model_dump(mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# --- the standard library's encoder: the reference, and the way for what orjson refuses --


def _make_stdlib_encoder() -> Callable[[Any], str]:
    encoder = json.JSONEncoder(
        ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
    )
    make_c_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_c_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return encoder.encode
    # One C encoder, built once and reused: JSONEncoder.encode builds a new one per
    # call. Without the markers dict a circular structure ends in RecursionError.
    iterencode = make_c_encoder(
        None, _json_default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return encoder.encode(value)
        return "".join(iterencode(value, 0))

    return encode


_encode_stdlib = _make_stdlib_encoder()
_encode_ascii = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=_json_default
).encode


def _dump_json_stdlib(value: Any) -> bytes:
    try:
        return _encode_stdlib(value).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\\ud800" is valid JSON input) has no UTF-8 form: escape it.
        return _encode_ascii(value).encode("ascii")


# Datetimes and dataclasses through _json_default, as the standard library's encoder
# sends them: orjson's own forms differ (a time with a zone, a dataclass's attributes).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _may_hold_non_finite(value: Any) -> bool:
    """Whether ``value`` may hold a NaN or an infinity (orjson wrote ``null`` for it)."""
    try:
        spelt = pydantic_core.to_json(value, inf_nan_mode="constants")
    except Exception:  # whatever pydantic-core cannot write: the reference encoder decides
        return True
    return b"NaN" in spelt or b"Infinity" in spelt


def _checked_default(value: Any) -> Any:
    """:func:`_json_default` for orjson: what it makes of a value checked for a NaN or an
    infinity. The check of the whole document cannot see them there: pydantic-core
    writes a model (or a pydantic dataclass) by the model's own settings, ``null``
    for a NaN, where ``model_dump(mode="json")`` keeps the float."""
    converted = _json_default(value)
    if type(converted) is not str and _may_hold_non_finite(converted):
        raise ValueError("the standard library's encoder decides")
    return converted


def dump_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (datetimes, UUIDs, decimals, enums included)."""
    try:
        written = orjson.dumps(value, _checked_default, _ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: the reference writes it, or says why not
        return _dump_json_stdlib(value)
    if b"null" in written and _may_hold_non_finite(value):
        return _dump_json_stdlib(value)
    return written


# --- reading -----------------------------------------------------------------------


class NotJSONConstant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` in a document: Python's extension of JSON."""


def _refuse_constant(name: str) -> Any:
    raise NotJSONConstant(f"{name} is not valid JSON")


# One decoder, built once: json.loads builds a new one per call when given options.
_decode_stdlib = json.JSONDecoder(parse_constant=_refuse_constant).decode


def load_json(raw: bytes) -> Any:
    """The JSON document ``raw`` (UTF-8, a BOM allowed) as Python values.

    Raises what the standard library's decoder raises: ``UnicodeDecodeError``,
    ``json.JSONDecodeError``, ``RecursionError``, :class:`NotJSONConstant`, or
    ``ValueError`` for an integer longer than ``sys.get_int_max_str_digits()``.
    """
    try:
        return pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError:  # the reference reads it, or says why not
        return _decode_stdlib(raw.decode("utf-8-sig"))
