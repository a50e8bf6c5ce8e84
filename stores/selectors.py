"""Read paths for stores, above all the public catalogue a storefront is drawn from."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.utils import timezone

from products.models import Category, Product
from stores.models import Store

CATALOGUE_VERSION = 1

# Shopper-facing orderings of a storefront; anything else means the seller's own order.
STOREFRONT_SORTS = ("price_asc", "price_desc")


def _file_url(name: str) -> str:
    return default_storage.url(name) if name else ""


def _discount_percent(price: Decimal, mrp: Decimal | None) -> int | None:
    """Whole percent off MRP, rounded down so a badge never overstates the saving."""
    if mrp is None or mrp <= price or mrp <= 0:
        return None
    percent = int((mrp - price) * 100 / mrp)
    return percent or None


def build_catalogue(store: Store) -> dict[str, Any]:
    """The whole public catalogue of one store as JSON-ready data.

    Costs two queries (categories, products) beyond the store itself, whatever the
    catalogue size: the book's 114-queries-per-page disease (ch. 7) cannot come back here.
    Nothing about the visitor (cart, session, CSRF token) belongs in here: this dict is
    cached and shared by every shopper of the store.
    """
    categories = list(
        Category.objects.filter(store=store)
        .annotate(product_count=Count("products", filter=Q(products__is_active=True)))
        .order_by("position", "id")
    )
    products = Product.objects.filter(store=store, is_active=True).order_by("position", "-id")
    return {
        "version": CATALOGUE_VERSION,
        "store": {
            "id": store.id,
            "slug": store.slug,
            "name": store.name,
            "description": store.description,
            "currency": store.currency,
            "whatsapp_number": store.whatsapp_number,
            "upi_id": store.upi_id,
            "logo_url": _file_url(store.logo.name),
            "url": store.public_url,
        },
        "categories": [
            {"id": c.id, "name": c.name, "position": c.position, "product_count": c.product_count}
            for c in categories
        ],
        "products": [
            {
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "price": str(p.price),
                "mrp": str(p.mrp) if p.mrp is not None else None,
                "discount_percent": _discount_percent(p.price, p.mrp),
                "category_id": p.category_id,
                "stock": p.stock,
                "in_stock": p.in_stock,
                "thumb_url": _file_url(p.image_thumb.name),
                "image_url": _file_url(p.image_large.name),
                "position": p.position,
            }
            for p in products
        ],
        "built_at": timezone.now().isoformat(),
    }


def get_catalogue(slug: str) -> dict[str, Any] | None:
    """The public catalogue of the active store at `slug`, or None when there is none.

    Read through the catalogue cache (dukaan/catalogue_cache.py): a hit runs no SQL; a miss builds
    it once with build_catalogue() and caches it until a change to the store invalidates it.
    """
    from dukaan.catalogue_cache import get_cached_catalogue  # late: the cache module imports this one

    return get_cached_catalogue(slug)


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
