"""Reads of the public catalogue: one store's catalogue by slug (cached), and what a page shows of it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from catalogue.builder import build_catalogue
from catalogue.cache import get_cached_catalogue

# Shopper-facing orderings of a storefront; anything else means the seller's own order.
STOREFRONT_SORTS = ("price_asc", "price_desc")


def get_catalogue(slug: str) -> dict[str, Any] | None:
    """The public catalogue of the active store at `slug`, or None when there is none.

    Read through the catalogue cache: a hit runs no SQL; a miss builds it once with
    build_catalogue() and caches it until a change to the store invalidates it.
    """
    return get_cached_catalogue(slug, build=build_catalogue)


def _price_key(product: dict[str, Any]) -> tuple[Decimal, int]:
    try:
        price = Decimal(product["price"])
    except (InvalidOperation, TypeError, KeyError):
        price = Decimal(0)
    return price, product["id"]


def storefront_products(
    catalogue: dict[str, Any],
    *,
    sort: str = "",
    category_id: int | None = None,
    ranked_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """The catalogue's products a shopper asked for, in the order they asked for.

    Works on the (cached) catalogue in Python, so every sort, filter and page of a store
    costs the same queries as the catalogue itself. `ranked_ids` is a search result: only
    those products, in that (relevance) order unless a price sort is asked for.
    """
    products: list[dict[str, Any]] = catalogue["products"]
    if ranked_ids is not None:
        by_id = {p["id"]: p for p in products}
        seen: set[int] = set()
        ranked: list[dict[str, Any]] = []
        for product_id in ranked_ids:
            product = by_id.get(product_id)
            if product is not None and product_id not in seen:
                seen.add(product_id)
                ranked.append(product)
        products = ranked
    if category_id is not None:
        products = [p for p in products if p["category_id"] == category_id]
    if sort == "price_asc":
        products = sorted(products, key=_price_key)
    elif sort == "price_desc":
        products = sorted(products, key=lambda p: (-_price_key(p)[0], p["id"]))
    return list(products)


def catalogue_product(catalogue: dict[str, Any], product_id: int) -> dict[str, Any] | None:
    """One product of the catalogue by id (None when it is not for sale in this store)."""
    return next((p for p in catalogue["products"] if p["id"] == product_id), None)
