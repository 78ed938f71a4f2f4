"""The inventory's operations: what the views ask for, in the inventory's terms."""

from __future__ import annotations

import hashlib
import json

from inventory.errors import CategoryNotFound, IdempotencyKeyReused, ProductNotFound
from inventory.repository import ProductRepository
from inventory.validation import MAX_PRODUCT_ID, Product, ProductFields, check_product_id

__all__ = ["ProductService", "group_by_category"]


def group_by_category(items: list[Product]) -> dict[str, list[Product]]:
    """``{"mobile": [...], "laptop": [...]}``; categories in the order they first appear."""
    grouped: dict[str, list[Product]] = {}
    for product in items:
        grouped.setdefault(product["category"], []).append(product)
    return grouped


def _check_storable(product_id: int) -> None:
    """No product has an id the database cannot hold: such an id is simply not found."""
    if not 1 <= product_id <= MAX_PRODUCT_ID:
        raise ProductNotFound(product_id)


class ProductService:
    """Reads and writes products, given fields that inventory/validation.py validated."""

    def __init__(self, repository: ProductRepository, *, default_category: str) -> None:
        self.repository = repository
        self.default_category = default_category

    def inventory(
        self, *, brand: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[dict[str, list[Product]], int]:
        """One page of products grouped by category, and how many match in all."""
        if brand is not None and "\x00" in brand:
            return {}, 0  # no brand holds a NUL, and PostgreSQL refuses to compare with one
        items, total = self.repository.page(brand=brand, limit=limit, offset=offset)
        return group_by_category(items), total

    def product(self, product_id: int) -> Product:
        _check_storable(product_id)
        found = self.repository.get(product_id)
        if found is None:
            raise ProductNotFound(product_id)
        return found

    def category(self, category: str) -> list[Product]:
        found = self.repository.in_category(category)
        if not found:
            raise CategoryNotFound(category)
        return found

    def create(self, fields: ProductFields, *, idempotency_key: str | None = None) -> Product:
        """A new product of validated ``fields`` (inventory/validation.py); its ``id`` if
        free, else :class:`ProductIdTaken`.

        With ``idempotency_key``, a second call with the same key and fields
        creates nothing and returns the first call's product; the same key
        with other fields is :class:`IdempotencyKeyReused`.
        """
        fields = {**fields}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        fields.setdefault("category", self.default_category)
        if idempotency_key is None:
            return self.repository.add(fields)[0]
        fingerprint = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
        product, stored = self.repository.add(fields, idempotency=(idempotency_key, fingerprint))
        if stored is not None and stored != fingerprint:
            raise IdempotencyKeyReused(idempotency_key)
        return product

    def replace(self, product_id: int, fields: ProductFields) -> Product:
        """Every field of a product replaced by validated ``fields`` (a missing
        ``category`` is the default; an ``id`` must be ``product_id``)."""
        _check_storable(product_id)
        fields = check_product_id(fields, product_id)
        fields.setdefault("category", self.default_category)
        return self._changed(product_id, self.repository.change(product_id, fields))

    def update(self, product_id: int, fields: ProductFields) -> Product:
        """Some fields of a product changed, by validated ``fields``."""
        _check_storable(product_id)
        fields = check_product_id(fields, product_id)
        return self._changed(product_id, self.repository.change(product_id, fields))

    def delete(self, product_id: int) -> None:
        _check_storable(product_id)
        if not self.repository.remove(product_id):
            raise ProductNotFound(product_id)

    @staticmethod
    def _changed(product_id: int, product: Product | None) -> Product:
        if product is None:
            raise ProductNotFound(product_id)
        return product
