"""What can go wrong in the inventory, in its own terms.

The service raises these; inventory/api.py turns them into HTTP responses
(404, 409, 422, 503), so the service and the repository know nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CategoryNotFound",
    "DatabaseUnavailable",
    "IdempotencyKeyReused",
    "InvalidProduct",
    "InventoryError",
    "ProductIdTaken",
    "ProductIdsExhausted",
    "ProductNotFound",
]


class InventoryError(Exception):
    """Base class: an inventory operation that cannot be done."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProductNotFound(InventoryError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"No product found with product id {product_id}")
        self.product_id = product_id


class CategoryNotFound(InventoryError):
    def __init__(self, category: str) -> None:
        super().__init__(f"{category} doesn't exist in the inventory")
        self.category = category


class ProductIdTaken(InventoryError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"A product with product id {product_id} already exists")
        self.product_id = product_id


class ProductIdsExhausted(InventoryError):
    def __init__(self) -> None:
        super().__init__("Every product id is taken; delete a product to free one")


class IdempotencyKeyReused(InventoryError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"The Idempotency-Key {key!r} was sent before with another body; "
            "use a new key for a new product"
        )
        self.key = key


class InvalidProduct(InventoryError):
    """Input that fails validation; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str], message: str = "Invalid product") -> None:
        super().__init__(message)
        self.errors = dict(errors)


class DatabaseUnavailable(InventoryError):
    """The database cannot be reached or is locked for longer than the busy timeout."""
