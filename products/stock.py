"""Stock: the one place that takes units out of stock, puts them back, and words a shortage.

Callers lock nothing themselves: `stock_reserve` locks the product rows in primary-key order (so
concurrent checkouts queue and never deadlock) and must run inside the caller's transaction, which
then holds those locks until it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from products.models import Product


class StockError(ValidationError):
    """Units that cannot be had; the message is meant for the shopper."""


def shortage_message(product: Product, wanted: int) -> str | None:
    """Why `wanted` units of `product` cannot be had now, or None when they can."""
    if not product.is_active:
        return f"{product.name} is no longer available."
    if product.stock is not None and product.stock < wanted:
        if product.stock == 0:
            return f"{product.name} is out of stock."
        return f"Only {product.stock} of {product.name} left."
    return None


def stock_reserve(*, store_id: int, wanted: Mapping[int, int]) -> list[tuple[Product, int]]:
    """Take `wanted` (product id -> units) out of stock, all or nothing; return (product, units) lines.

    Raises StockError (field "items") when a product is not this store's, is switched off or has
    too few units; nothing is taken then (the caller's transaction rolls back).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock_reserve must run inside the order's transaction")
    products = {
        p.id: p
        for p in Product.objects.select_for_update()
        .filter(store_id=store_id, id__in=wanted.keys())
        .order_by("id")
    }
    lines: list[tuple[Product, int]] = []
    for product_id, units in sorted(wanted.items()):
        product = products.get(product_id)
        if product is None:
            raise StockError({"items": "One of the products is not sold by this store (any more)."})
        problem = shortage_message(product, units)
        if problem:
            raise StockError({"items": problem})
        lines.append((product, units))
    for product, units in lines:
        if product.stock is None:
            continue
        # Conditional update as a second guard: stock can never go below zero.
        updated = Product.objects.filter(pk=product.pk, stock__gte=units).update(stock=F("stock") - units)
        if updated != 1:
            raise StockError({"items": f"{product.name} just sold out."})
    return lines


def stock_release(*, units_by_product: Iterable[tuple[int, int]]) -> None:
    """Put units back (a cancelled or rejected order), in primary-key order like every lock here."""
    for product_id, units in sorted(units_by_product):
        # Unlimited-stock products (stock NULL) stay unlimited: the filter skips them.
        Product.objects.filter(pk=product_id, stock__isnull=False).update(stock=F("stock") + units)
