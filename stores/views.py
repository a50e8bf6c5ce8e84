"""The public storefront at /<slug>/: drawn from the shared catalogue, shaped per request.

Everything that differs between shoppers (cart count, CSRF token, session) is added at
render time here and never stored in the catalogue, which is cached and shared.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from dukaan.parsing import parse_whole_number
from orders.cart import cart_count
from stores.selectors import STOREFRONT_SORTS, catalogue_product, get_catalogue, storefront_products

PRODUCTS_PER_PAGE = 24
MAX_QUERY_LENGTH = 100


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The front door: what Dukaan is, and the one button that opens a store."""
    return render(request, "home.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def _search_ids(store_id: int, query: str) -> list[int]:
    # Imported here so the storefront keeps working while search is swapped or missing.
    from products.search import search_product_ids

    return list(search_product_ids(store_id, query))


def _positive_int(raw: str | None) -> int | None:
    value = parse_whole_number(raw)
    return value if value is not None and 0 < value < 2**63 else None


def _shopper_context(request: HttpRequest, catalogue: dict[str, Any]) -> dict[str, Any]:
    """Per-visitor bits of a storefront page (never part of the cached catalogue)."""
    store = catalogue["store"]
    return {
        "store": store,
        "categories": catalogue["categories"],
        "cart_count": cart_count(request, store["id"]),
        "cart_url": f"/{store['slug']}/cart/",
        "add_to_cart_url": f"/{store['slug']}/cart/add/",
        "share_text": f"Shop at {store['name']} on Dukaan: {store['url']}",
    }


# The HTML carries this visitor's cart count and CSRF token: no shared cache may keep it.
@require_safe
@cache_control(private=True)
def store(request: HttpRequest, slug: str) -> HttpResponse:
    catalogue = get_catalogue(slug)
    if catalogue is None:
        return not_found(request)

    sort = request.GET.get("sort", "")
    if sort not in STOREFRONT_SORTS:
        sort = ""
    category_ids = {c["id"] for c in catalogue["categories"]}
    category_id = _positive_int(request.GET.get("category"))
    if category_id not in category_ids:
        category_id = None
    raw_query = request.GET.get("q", "")[: MAX_QUERY_LENGTH * 4]
    # Control characters (NUL above all) mean nothing to a shopper and upset PostgreSQL.
    query = " ".join("".join(ch if ch.isprintable() else " " for ch in raw_query).split())[:MAX_QUERY_LENGTH]
    ranked_ids = _search_ids(catalogue["store"]["id"], query) if query else None

    products = storefront_products(catalogue, sort=sort, category_id=category_id, ranked_ids=ranked_ids)
    # get_page() turns junk into page 1 and a page past the end into the last page.
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))

    context = _shopper_context(request, catalogue)
    context.update(
        {
            "page": page,
            "products": page.object_list,
            "sort": sort,
            "category_id": category_id,
            "query": query,
            "total_products": len(catalogue["products"]),
            "sort_choices": [
                ("", "Featured"),
                ("price_asc", "Price: low to high"),
                ("price_desc", "Price: high to low"),
            ],
        }
    )
    return render(request, "storefront/store.html", context)


@require_safe
@cache_control(private=True)
def product(request: HttpRequest, slug: str, product_id: int) -> HttpResponse:
    catalogue = get_catalogue(slug)
    if catalogue is None:
        return not_found(request)
    item = catalogue_product(catalogue, product_id)
    if item is None:
        return not_found(request)
    context = _shopper_context(request, catalogue)
    category = next((c for c in catalogue["categories"] if c["id"] == item["category_id"]), None)
    product_url = f"{catalogue['store']['url']}p/{item['id']}/"
    context.update(
        {
            "product": item,
            "category": category,
            "product_url": product_url,
            "product_share_text": f"{item['name']} at {catalogue['store']['name']}: {product_url}",
        }
    )
    return render(request, "storefront/product.html", context)
