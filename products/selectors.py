"""Reads of the catalogue: product and category lists for pages, the API and the admin."""

from __future__ import annotations

from typing import Literal

from django.db.models import Case, IntegerField, QuerySet, When

from products.models import Category, Product, ProductVariant
from products.search import search_product_ids

ProductSort = Literal["position", "price_asc", "price_desc", "newest"]
PRODUCT_SORTS: dict[str, tuple[str, ...]] = {
    # price then id: the (store, is_active, price) index gives the price order, the id only
    # breaks ties inside equal prices (an incremental sort, never a sort of the whole store).
    "price_asc": ("price", "id"),
    "price_desc": ("-price", "-id"),
    "position": ("position", "-id"),
    "newest": ("-id",),
}


def list_store_products(
    store_id: int,
    *,
    sort: ProductSort | str = "position",
    category_id: int | None = None,
    active_only: bool = True,
) -> QuerySet[Product]:
    """The store's products in the requested order (sorting by price walks
    product_store_price_idx instead of sorting the table)."""
    if sort not in PRODUCT_SORTS:
        sort = "position"  # an unknown ?sort= from a shared link shows the seller's order, not an error
    products = Product.objects.filter(store_id=store_id)
    if active_only:
        products = products.filter(is_active=True)
    if category_id is not None:
        products = products.filter(category_id=category_id)
    return products.order_by(*PRODUCT_SORTS[sort])


def search_store_products(
    store_id: int, query: str, *, active_only: bool = True, limit: int = 200
) -> list[int]:
    return search_product_ids(store_id, query, limit, active_only=active_only)


def products_in_id_order(ids: list[int]) -> QuerySet[Product]:
    """Products with these ids, in the given order (search results keep their ranking)."""
    if not ids:
        return Product.objects.none()
    ranking = Case(*[When(pk=pk, then=index) for index, pk in enumerate(ids)], output_field=IntegerField())
    return Product.objects.filter(pk__in=ids).annotate(search_rank=ranking).order_by("search_rank")


def list_store_categories(store_id: int) -> QuerySet[Category]:
    return Category.objects.filter(store_id=store_id).order_by("position", "id")


def product_variants(product: Product) -> QuerySet[ProductVariant]:
    """A product's variants in the seller's order, on sale or not (the seller's lists)."""
    return ProductVariant.objects.filter(product=product).order_by("position", "id")
