"""Validation of product input: what a client may send, and what it means.

A product is ``{"id": int, "product_name": str, "brand": str, "category": str}``.
``product_name`` and ``brand`` are required non-empty strings; ``category`` is
optional (the default category is used) and must not be all digits, since
``/api/products/7`` is product 7, never category "7", and must not contain a
``/``. Surrounding whitespace is removed. ``id`` is optional on creation (one
is assigned) and must be a positive integer. Unknown fields are refused, so a
misspelt field is an error rather than silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, NotRequired, cast

from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from inventory.database import BRAND_LENGTH, CATEGORY_LENGTH, NAME_LENGTH
from inventory.errors import InvalidProduct

__all__ = [
    "MAX_PRODUCT_ID",
    "ErrorMessage",
    "NewProduct",
    "Product",
    "ProductChanges",
    "ProductFields",
    "ProductReplacement",
    "ValidationErrors",
    "validate_product",
]

MAX_PRODUCT_ID = 2**31 - 1  # the largest INTEGER both SQLite and PostgreSQL store here
_TEXT_FIELDS = {"product_name": NAME_LENGTH, "brand": BRAND_LENGTH, "category": CATEGORY_LENGTH}
_KNOWN_FIELDS = {"id", *_TEXT_FIELDS}


class Product(TypedDict):
    id: int
    product_name: str
    brand: str
    category: str


class ProductFields(TypedDict, total=False):
    id: int
    product_name: str
    brand: str
    category: str


# The shapes below describe the API in its OpenAPI document; validate_product
# enforces the same rules, with the messages the API promises.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
# JSON may escape half of a UTF-16 pair ("\\ud800"): text no database can store.
_SURROGATES = re.compile("[\ud800-\udfff]")
_NO_CONTROL = "^[^\x00-\x1f\x7f-\x9f]*$"


def _text(max_length: int, pattern: str, refused: str) -> Any:
    """A non-empty string type for the document: at most ``max_length``, ``pattern``,
    and not matching ``refused``."""
    return Field(
        min_length=1,
        max_length=max_length,
        pattern=pattern,
        json_schema_extra={"not": {"pattern": refused}},
    )


_Name = Annotated[str, _text(NAME_LENGTH, _NO_CONTROL, "^\\s*$")]
_Brand = Annotated[str, _text(BRAND_LENGTH, _NO_CONTROL, "^\\s*$")]
# Not blank, and not a number: numbers in /api/products/{x} are product ids.
_Category = Annotated[str, _text(CATEGORY_LENGTH, "^[^/\x00-\x1f\x7f-\x9f]*$", "^\\s*[0-9]*\\s*$")]
_Id = Annotated[int, Field(ge=1, le=MAX_PRODUCT_ID)]
_FORBID_EXTRA = ConfigDict(extra="forbid")


class NewProduct(TypedDict):
    """A product to add; without an id, one is assigned."""

    __pydantic_config__ = _FORBID_EXTRA  # type: ignore[misc]
    id: NotRequired[_Id]
    product_name: _Name
    brand: _Brand
    category: NotRequired[_Category]


class ProductReplacement(TypedDict):
    """Every field of a product (its id, if sent, must be the one in the URL)."""

    __pydantic_config__ = _FORBID_EXTRA  # type: ignore[misc]
    product_name: _Name
    brand: _Brand
    category: NotRequired[_Category]


class ProductChanges(TypedDict, total=False):
    """Some fields of a product (its id, if sent, must be the one in the URL)."""

    __pydantic_config__ = _FORBID_EXTRA  # type: ignore[misc]
    product_name: _Name
    brand: _Brand
    category: _Category


class ErrorMessage(TypedDict):
    message: str


class ValidationErrors(TypedDict):
    message: str
    errors: dict[str, str]


def _text_problem(field: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    value = value.strip()
    if not value:
        return "must not be empty"
    if len(value) > _TEXT_FIELDS[field]:
        return f"must be at most {_TEXT_FIELDS[field]} characters"
    if _CONTROL_CHARACTERS.search(value):
        return "must not contain control characters"
    if _SURROGATES.search(value):
        return "must be valid Unicode (it holds a lone surrogate)"
    if field == "category":
        if "/" in value:
            return "must not contain '/'"
        if value.isascii() and value.isdigit():
            return "must not be a number (numbers in /api/products/{x} are product ids)"
    return None


def _id_problem(value: Any) -> str | None:
    # JSON has numbers, not integers: 5.0 is the integer 5 (as JSON Schema says).
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    ):
        return "must be an integer"
    if not 1 <= value <= MAX_PRODUCT_ID:
        return f"must be between 1 and {MAX_PRODUCT_ID}"
    return None


def validate_product(
    data: Any,
    *,
    partial: bool = False,
    product_id: int | None = None,
) -> ProductFields:
    """The cleaned fields of ``data``, or :class:`InvalidProduct` naming each bad field.

    ``partial`` (PATCH) makes every field optional. ``product_id`` is the id in
    the URL (PUT, PATCH): an ``id`` in the body must then be the same.
    """
    if not isinstance(data, Mapping):
        message = "Request body must be a JSON object"
        raise InvalidProduct({"body": "must be a JSON object"}, message)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field in data:
        if field not in _KNOWN_FIELDS:
            errors[str(field)] = "unknown field"
    for field in _TEXT_FIELDS:
        if field not in data or (field == "category" and data[field] is None):
            if field != "category" and not partial:
                errors[field] = "is required"
            continue
        problem = _text_problem(field, data[field])
        if problem:
            errors[field] = problem
        else:
            cleaned[field] = data[field].strip()
    if data.get("id") is not None:
        problem = _id_problem(data["id"])
        if problem:
            errors["id"] = problem
        elif product_id is not None and data["id"] != product_id:
            errors["id"] = f"must be {product_id}, the id in the URL (an id cannot change)"
        elif product_id is None:
            cleaned["id"] = int(data["id"])
    if errors:
        raise InvalidProduct(errors)
    return cast(ProductFields, cleaned)
