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

from typing import Any

from inventory.errors import (
    CategoryNotFound,
    InvalidProduct,
    InventoryError,
    ProductIdTaken,
    ProductNotFound,
)
from inventory.service import ProductService
from inventory.settings import Settings
from inventory.validation import Product
from roob import Request, Router, UnprocessableEntity

__all__ = ["product_api"]

JSONResponse = tuple[Any, int, dict[str, str]]


def _query_int(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return default
    # ASCII digits only, and few enough that int() is cheap (and allowed).
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 20) or not low <= int(raw) <= high:
        raise UnprocessableEntity(
            "Invalid query parameter",
            extra={"errors": {name: f"must be an integer between {low} and {high}"}},
        )
    return int(raw)


def _error(status: int) -> Any:
    def handle(request: Request, exc: InventoryError) -> tuple[dict[str, Any], int]:
        return {"message": exc.message}, status

    return handle


def _invalid(request: Request, exc: InvalidProduct) -> tuple[dict[str, Any], int]:
    return {"message": exc.message, "errors": exc.errors}, 422


def product_api(service: ProductService, settings: Settings) -> Router:
    """The API's routes, served by ``service``."""
    api = Router("/api/products", name="products")
    api.add_exception_handler(ProductNotFound, _error(404))
    api.add_exception_handler(CategoryNotFound, _error(404))
    api.add_exception_handler(ProductIdTaken, _error(409))
    api.add_exception_handler(InvalidProduct, _invalid)

    @api.route("/", name="collection")
    class ProductCollection:
        """The whole inventory: list it, add to it."""

        def get(self, request: Request) -> JSONResponse:
            limit = _query_int(request, "limit", settings.page_size, 1, settings.max_page_size)
            offset = _query_int(request, "offset", 0, 0, 2**62)
            grouped, total = service.inventory(
                brand=request.GET.get("brand"), limit=limit, offset=offset or 0
            )
            return grouped, 200, {"X-Total-Count": str(total)}

        def post(self, request: Request) -> JSONResponse:
            product = service.create(request.json)
            return product, 201, {"Location": f"/api/products/{product['id']}"}

    @api.route("/{id:d}", name="product")
    class ProductDetail:
        """One product, by its id."""

        def get(self, request: Request, id: int) -> Product:
            return service.product(id)

        def put(self, request: Request, id: int) -> Product:
            return service.replace(id, request.json)

        def patch(self, request: Request, id: int) -> Product:
            return service.update(id, request.json)

        def delete(self, request: Request, id: int) -> None:
            service.delete(id)

    @api.get("/{category}", name="category")
    def products_in_category(request: Request, category: str) -> list[Product]:
        return service.category(category)

    return api
