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

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from inventory.database import BRAND_LENGTH, CATEGORY_LENGTH, NAME_LENGTH
from inventory.errors import InvalidProduct

__all__ = ["MAX_PRODUCT_ID", "Product", "ProductFields", "validate_product"]

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


def _text_problem(field: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    value = value.strip()
    if not value:
        return "must not be empty"
    if len(value) > _TEXT_FIELDS[field]:
        return f"must be at most {_TEXT_FIELDS[field]} characters"
    if not value.isprintable():
        return "must not contain control characters"
    if field == "category":
        if "/" in value:
            return "must not contain '/'"
        if value.isascii() and value.isdigit():
            return "must not be a number (numbers in /api/products/{x} are product ids)"
    return None


def _id_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
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
    if "id" in data:
        problem = _id_problem(data["id"])
        if problem:
            errors["id"] = problem
        elif product_id is not None and data["id"] != product_id:
            errors["id"] = f"must be {product_id}, the id in the URL (an id cannot change)"
        elif product_id is None:
            cleaned["id"] = data["id"]
    if errors:
        raise InvalidProduct(errors)
    return cast(ProductFields, cleaned)
