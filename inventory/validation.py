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
from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field
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
# is what enforces them, with the messages the API promises.
_Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
_Brand = Annotated[str, Field(min_length=1, max_length=BRAND_LENGTH)]
_Category = Annotated[
    str, Field(min_length=1, max_length=CATEGORY_LENGTH, pattern=r"^[^/]*\D[^/]*$")
]
_Id = Annotated[int, Field(ge=1, le=MAX_PRODUCT_ID)]


class NewProduct(BaseModel):
    """A product to add, or every field of one to replace."""

    model_config = ConfigDict(extra="forbid")
    id: _Id | None = None
    product_name: _Name
    brand: _Brand
    category: _Category | None = None


class ProductChanges(BaseModel):
    """Some fields of a product."""

    model_config = ConfigDict(extra="forbid")
    id: _Id | None = None
    product_name: _Name | None = None
    brand: _Brand | None = None
    category: _Category | None = None


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
