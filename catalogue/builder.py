"""Building a store's public catalogue: the one read model every storefront answer is drawn from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from dukaan.media import media_url
from products.models import Category, Product, ProductVariant
from stores.models import Store

CATALOGUE_VERSION = 2  # 2: products carry their variants


def discount_percent(price: Decimal, mrp: Decimal | None) -> int | None:
    """Whole percent off MRP, rounded down so a badge never overstates the saving."""
    if mrp is None or mrp <= price or mrp <= 0:
        return None
    percent = int((mrp - price) * 100 / mrp)
    return percent or None


def build_catalogue(store: Store) -> dict[str, Any]:
    """The whole public catalogue of one store as JSON-ready data.

    Costs two queries (categories, products) beyond the store itself, whatever the catalogue
    size, and a third for the variants when some product has any, so a page's query count cannot
    grow with its products. Nothing about the visitor
    (cart, session, CSRF token) belongs in here: this dict is cached and shared by every shopper.
    """
    categories = list(
        Category.objects.filter(store=store)
        .annotate(product_count=Count("products", filter=Q(products__is_active=True)))
        .order_by("position", "id")
    )
    products = list(Product.objects.filter(store=store, is_active=True).order_by("position", "-id"))
    variants: dict[int, list[dict[str, Any]]] = {}
    if any(p.has_variants for p in products):
        for v in ProductVariant.objects.filter(store=store, is_active=True, product__is_active=True).order_by(
            "position", "id"
        ):
            variants.setdefault(v.product_id, []).append(
                {
                    "id": v.id,
                    "label": v.label,
                    "options": v.options,
                    "price": str(v.price),
                    "mrp": str(v.mrp) if v.mrp is not None else None,
                    "in_stock": v.in_stock,
                }
            )
    return {
        "version": CATALOGUE_VERSION,
        "store": {
            "id": store.id,
            "slug": store.slug,
            "name": store.name,
            "description": store.description,
            "currency": store.currency,
            "language": store.language,  # the storefront's interface language (SPEC section 7)
            "whatsapp_number": store.whatsapp_number,
            "upi_id": store.upi_id,
            "logo_url": media_url(store.logo.name),
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
                "discount_percent": discount_percent(p.price, p.mrp),
                "category_id": p.category_id,
                "stock": p.stock,
                "in_stock": p.in_stock,
                "thumb_url": media_url(p.image_thumb.name),
                "image_url": media_url(p.image_large.name),
                "position": p.position,
                # The active variants a shopper picks from (SPEC section 7); empty without any.
                "variants": variants.get(p.id, []),
                # The card says "from ₹…" when the variants' prices differ.
                "price_varies": len({v["price"] for v in variants.get(p.id, [])}) > 1,
            }
            for p in products
        ],
        "built_at": timezone.now().isoformat(),
    }
