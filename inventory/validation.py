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
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NotRequired, cast

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
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
    "check_product_id",
    "product_problems",
    "validate_product",
    "without_null_fields",
]

MAX_PRODUCT_ID = 2**31 - 1  # the largest INTEGER both SQLite and PostgreSQL store here
_TEXT_FIELDS = {"product_name": NAME_LENGTH, "brand": BRAND_LENGTH, "category": CATEGORY_LENGTH}


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


# One set of types is both the validation and the OpenAPI document: the API's views
# take these as typed bodies (roob validates them), and validate_product() applies
# the same adapters to data from anywhere else. Field() gives the document its
# constraints; the before-validators give every refusal the API's own reason.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
# JSON may escape half of a UTF-16 pair ("\\ud800"): text no database can store.
_SURROGATES = re.compile("[\ud800-\udfff]")
_NO_CONTROL = "^[^\x00-\x1f\x7f-\x9f]*$"
#: The error type of a refusal with the API's own reason.
REFUSED = "invalid_product"


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


def _checked_text(field: str) -> BeforeValidator:
    """The text of ``field`` without surrounding whitespace, or the API's reason to refuse it
    (``None`` passes, for an optional category)."""

    def check(value: Any) -> Any:
        if value is None and field == "category":
            return None
        problem = _text_problem(field, value)
        if problem:
            raise PydanticCustomError(REFUSED, problem)
        return value.strip()

    return BeforeValidator(check)


def _checked_id(value: Any) -> Any:
    if value is None:
        return None
    problem = _id_problem(value)
    if problem:
        raise PydanticCustomError(REFUSED, problem)
    return int(value)


def _text(field: str, pattern: str, refused: str) -> Any:
    """A non-empty string for the document: at most the field's length, ``pattern``,
    and not matching ``refused``."""
    return Field(
        min_length=1,
        max_length=_TEXT_FIELDS[field],
        pattern=pattern,
        json_schema_extra={"not": {"pattern": refused}},
    )


_Name = Annotated[
    Annotated[str, _text("product_name", _NO_CONTROL, "^\\s*$")], _checked_text("product_name")
]
_Brand = Annotated[Annotated[str, _text("brand", _NO_CONTROL, "^\\s*$")], _checked_text("brand")]
# Not blank, and not a number: numbers in /api/products/{x} are product ids.
_Category = Annotated[
    Annotated[str, _text("category", "^[^/\x00-\x1f\x7f-\x9f]*$", "^\\s*[0-9]*\\s*$")] | None,
    _checked_text("category"),
]
_Id = Annotated[Annotated[int, Field(ge=1, le=MAX_PRODUCT_ID)] | None, BeforeValidator(_checked_id)]
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
    # Accepted when it is the URL's, so a client may send back what it read; the
    # document leaves it out, as a schema cannot say "the id in the URL".
    id: NotRequired[SkipJsonSchema[_Id]]
    product_name: _Name
    brand: _Brand
    category: NotRequired[_Category]


class ProductChanges(TypedDict, total=False):
    """Some fields of a product (its id, if sent, must be the one in the URL)."""

    __pydantic_config__ = _FORBID_EXTRA  # type: ignore[misc]
    id: SkipJsonSchema[_Id]
    product_name: _Name
    brand: _Brand
    category: _Category


class ErrorMessage(TypedDict):
    message: str


class ValidationErrors(TypedDict):
    message: str
    errors: dict[str, str]


def product_problems(errors: Iterable[Mapping[str, Any]], prefix: int = 0) -> InvalidProduct:
    """pydantic's errors (``loc`` after ``prefix`` items), as the API reports them: one
    reason per field."""
    reasons: dict[str, str] = {}
    for error in errors:
        location = list(error["loc"])[prefix:]
        if not location:  # the document itself: not an object
            return InvalidProduct(
                {"body": "must be a JSON object"}, "Request body must be a JSON object"
            )
        field = str(location[0])
        kind = error["type"]
        reason = {"missing": "is required", "extra_forbidden": "unknown field"}.get(kind)
        reasons.setdefault(field, reason or str(error["msg"]))
    return InvalidProduct(reasons)


def without_null_fields(fields: Mapping[str, Any]) -> ProductFields:
    """The validated fields, a ``null`` id or category meaning "not given"."""
    return cast(ProductFields, {name: value for name, value in fields.items() if value is not None})


def check_product_id(fields: ProductFields, product_id: int) -> ProductFields:
    """``fields`` without their ``id``, which must be ``product_id`` (the id in the URL)."""
    if "id" in fields:
        if fields["id"] != product_id:
            raise InvalidProduct(
                {"id": f"must be {product_id}, the id in the URL (an id cannot change)"}
            )
        fields = cast(ProductFields, {k: v for k, v in fields.items() if k != "id"})
    return fields


_ADAPTERS: dict[bool, TypeAdapter[Any]] = {
    False: TypeAdapter(NewProduct),
    True: TypeAdapter(ProductChanges),
}


def validate_product(
    data: Any,
    *,
    partial: bool = False,
    product_id: int | None = None,
) -> ProductFields:
    """The cleaned fields of ``data``, or :class:`InvalidProduct` naming each bad field,
    by the types the API validates its bodies with.

    ``partial`` (PATCH) makes every field optional. ``product_id`` is the id in
    the URL (PUT, PATCH): an ``id`` in the body must then be the same.
    """
    try:
        fields = without_null_fields(_ADAPTERS[partial].validate_python(data))
    except ValidationError as exc:
        raise product_problems(exc.errors()) from None
    return fields if product_id is None else check_product_id(fields, product_id)
