"""Read paths for stores, above all the public catalogue a storefront is drawn from."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.utils import timezone

from products.models import Category, Product
from stores.models import Store

CATALOGUE_VERSION = 1


def _file_url(name: str) -> str:
    return default_storage.url(name) if name else ""


def build_catalogue(store: Store) -> dict[str, Any]:
    """The whole public catalogue of one store as JSON-ready data.

    Costs two queries (categories, products) beyond the store itself, whatever the
    catalogue size: the book's 114-queries-per-page disease (ch. 7) cannot come back here.
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
    """The public catalogue of the active store at `slug`, or None when there is none."""
    store = Store.objects.filter(slug=slug, is_active=True).first()
    if store is None:
        return None
    return build_catalogue(store)
