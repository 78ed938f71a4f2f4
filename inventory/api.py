"""The JSON API under ``/api/products``: the seed's routes, completed.

=========================  ======================================================
``GET    /api/products``   the inventory grouped by category; ``?brand=``,
                           ``?limit=``, ``?offset=``; ``X-Total-Count`` header
``POST   /api/products``   201, ``Location``, the created product
``GET    /api/products/7`` the product                  (404 if there is none)
``PUT    /api/products/7`` every field replaced, 200     (validated like POST)
``PATCH  /api/products/7`` some fields changed, 200
``DELETE /api/products/7`` 204, no body
``GET    /api/products/x`` the products of category x   (404 if there are none)
=========================  ======================================================

The views are thin: they read the request, call :class:`ProductService` and
shape the answer. The router's exception handlers turn the service's errors
into 404, 409 and 422 responses with ``{"message": ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from inventory.database import IDEMPOTENCY_KEY_LENGTH
from inventory.errors import (
    CategoryNotFound,
    IdempotencyKeyReused,
    InvalidProduct,
    InventoryError,
    ProductIdsExhausted,
    ProductIdTaken,
    ProductNotFound,
)
from inventory.service import ProductService
from inventory.validation import (
    ErrorMessage,
    NewProduct,
    Product,
    ProductChanges,
    ProductReplacement,
    ValidationErrors,
    product_problems,
    without_null_fields,
)
from roob import Request, Router, UnprocessableEntity
from roob.openapi import operation
from roob.params import Header, Query

__all__ = ["CATEGORY_SEGMENT", "product_api"]

#: The ``{category:category}`` convertor's regex: a segment that is not all digits.
CATEGORY_SEGMENT = "[^/]*[^/0-9][^/]*"

JSONResponse = tuple[Any, int, dict[str, str]]
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 2**62

_NOT_FOUND = {404: ("No such product", ErrorMessage)}
_INVALID = {422: ("Invalid product", ValidationErrors)}


def _error(status: int) -> Any:
    def handle(request: Request, exc: InventoryError) -> tuple[dict[str, Any], int]:
        return {"message": exc.message}, status

    return handle


def _invalid(request: Request, exc: InvalidProduct) -> tuple[dict[str, Any], int]:
    return {"message": exc.message, "errors": exc.errors}, 422


def _invalid_parameter(request: Request, exc: UnprocessableEntity) -> tuple[dict[str, Any], int]:
    """The framework's typed-parameter errors, in the API's ``{field: reason}`` shape; the
    body's as the product's fields (inventory/validation.py)."""
    found = exc.extra["errors"]
    body = [error for error in found if error["loc"][0] == "body"]
    if any(error["loc"] == ["body"] and error["type"] == "missing" for error in body):
        return {"message": "Request body is empty; a JSON document was expected"}, 400
    sources = {error["loc"][0] for error in found}
    if sources == {"body"}:
        problem = product_problems(body, prefix=1)
        return {"message": problem.message, "errors": problem.errors}, 422
    errors = {str(error["loc"][1]): error["msg"] for error in found if error not in body}
    errors.update(product_problems(body, prefix=1).errors if body else {})
    what = "query parameter" if sources == {"query"} else "header" if sources == {"header"} else (
        "request"
    )  # fmt: skip
    return {"message": f"Invalid {what}", "errors": errors}, 422


def product_api(service: ProductService, *, public_origin: str = "") -> Router:
    """The API's routes, served by ``service``.

    ``public_origin`` (``https://shop.example``) makes ``Location`` absolute;
    without it, it is a path: never built from the request's ``Host``.
    """
    api = Router("/api/products", name="products", tags=["products"])
    api.add_exception_handler(ProductNotFound, _error(404))
    api.add_exception_handler(CategoryNotFound, _error(404))
    api.add_exception_handler(ProductIdTaken, _error(409))
    api.add_exception_handler(ProductIdsExhausted, _error(409))
    api.add_exception_handler(IdempotencyKeyReused, _error(422))
    api.add_exception_handler(InvalidProduct, _invalid)
    api.add_exception_handler(UnprocessableEntity, _invalid_parameter)

    @api.route("/", name="collection")
    class ProductCollection:
        """The whole inventory: list it, add to it."""

        @operation(response=dict[str, list[Product]], responses=_INVALID)
        def get(
            self,
            request: Request,
            brand: Annotated[str | None, Query(description="only this brand")] = None,
            limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
            offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
        ) -> JSONResponse:
            """The inventory grouped by category, one page of it.

            Products are in id order; `X-Total-Count` counts every match.
            """
            grouped, total = service.inventory(brand=brand, limit=limit, offset=offset)
            return grouped, 200, {"X-Total-Count": str(total)}

        @operation(
            status=201,
            response=Product,
            responses={**_INVALID, 409: ("The id is taken", ErrorMessage)},
        )
        def post(
            self,
            request: Request,
            product: NewProduct,
            idempotency_key: Annotated[
                str | None,
                Header(
                    alias="Idempotency-Key",
                    description="a retry with the same key and body returns the first answer",
                ),
                Field(min_length=1, max_length=IDEMPOTENCY_KEY_LENGTH, pattern="^[!-~]+$"),
            ] = None,
        ) -> JSONResponse:
            """Add a product.

            A free `id` is kept; without one an id is assigned; without
            `category` the product goes to the default category. With an
            `Idempotency-Key`, a retry (same key, same body) creates nothing
            and gets the first answer; the same key with another body is a 422.
            """
            created = service.create(without_null_fields(product), idempotency_key=idempotency_key)
            return created, 201, {"Location": f"{public_origin}/api/products/{created['id']}"}

    @api.route("/{id:d}", name="product")
    class ProductDetail:
        """One product, by its id."""

        @operation(responses=_NOT_FOUND)
        def get(self, request: Request, id: int) -> Product:
            """One product."""
            return service.product(id)

        @operation(responses={**_NOT_FOUND, **_INVALID})
        def put(self, request: Request, id: int, product: ProductReplacement) -> Product:
            """Replace every field of a product."""
            return service.replace(id, without_null_fields(product))

        @operation(responses={**_NOT_FOUND, **_INVALID})
        def patch(self, request: Request, id: int, changes: ProductChanges) -> Product:
            """Change some fields of a product."""
            return service.update(id, without_null_fields(changes))

        @operation(responses=_NOT_FOUND)
        def delete(self, request: Request, id: int) -> None:
            """Remove a product."""
            service.delete(id)

    @api.get("/{category:category}", name="category")
    @operation(responses={404: ("No such category", ErrorMessage)})
    def products_in_category(request: Request, category: str) -> list[Product]:
        """The products of one category."""
        return service.category(category)

    return api
