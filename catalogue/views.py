"""The public storefront at /<slug>/: drawn from the shared catalogue, shaped per request.

Nothing here differs between shoppers: the cart badge is filled in by the page's script from the
cart-count cookie that checkout sets, so the HTML of a store page is the same for everyone.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from catalogue.search import storefront_search
from catalogue.selectors import STOREFRONT_SORTS, catalogue_product, get_catalogue, storefront_products
from dukaan.http.api_errors import not_found
from dukaan.parsing import parse_whole_number

PRODUCTS_PER_PAGE = 24


def _positive_int(raw: str | None) -> int | None:
    value = parse_whole_number(raw)
    return value if value is not None and 0 < value < 2**63 else None


def _store_context(catalogue: dict[str, Any]) -> dict[str, Any]:
    store = catalogue["store"]
    return {
        "store": store,
        "categories": catalogue["categories"],
        "cart_url": f"/{store['slug']}/cart/",
        "add_to_cart_url": f"/{store['slug']}/cart/add/",
        "share_text": f"Shop at {store['name']} on Dukaan: {store['url']}",
    }


# Still private until the edge cache makes it shareable: the page renders flash messages.
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
    query, ranked_ids = storefront_search(catalogue["store"]["id"], request.GET.get("q", ""))

    products = storefront_products(catalogue, sort=sort, category_id=category_id, ranked_ids=ranked_ids)
    # get_page() turns junk into page 1 and a page past the end into the last page.
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))

    context = _store_context(catalogue)
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
    context = _store_context(catalogue)
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
