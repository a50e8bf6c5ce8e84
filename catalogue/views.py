"""The public storefront at /<slug>/: drawn from the shared catalogue, the same for every shopper.

Nothing here differs between shoppers (the cart badge is filled in by the page's script from the
cart-count cookie that checkout sets), so every answer may be kept by shared caches: our nginx
micro-cache, a CDN, and the page cache here (catalogue/page_cache.py), which stores each finished
answer under the catalogue's version. A repeat visit with a matching ETag is a 304.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalogue import page_cache
from catalogue.cache import catalogue_version
from catalogue.search import storefront_search
from catalogue.selectors import STOREFRONT_SORTS, catalogue_product, get_catalogue, storefront_products
from catalogue.share_card import share_card_url
from dukaan.http import edge_cache
from dukaan.http.api_errors import not_found
from dukaan.parsing import parse_whole_number
from products.search import normalize_query
from stores.languages import requested_language, shop_language, with_lang
from stores.whatsapp import whatsapp_chat_url

PRODUCTS_PER_PAGE = 24


def _positive_int(raw: str | None) -> int | None:
    value = parse_whole_number(raw)
    return value if value is not None and 0 < value < 2**63 else None


def stored_answer(request: HttpRequest, slug: str, variant: str) -> HttpResponse | None:
    """For a shareable request: a 304, or the stored copy of the current version (else None).

    No SQL with the invalidator (catalogue/page_cache.py); the storefront's early path
    (catalogue/fast_path.py) serves exactly this before the rest of the middleware runs.
    """
    found = page_cache.lookup(slug, variant)
    if found.version is None:
        return None
    etag = edge_cache.strong_etag(found.version, variant)
    if edge_cache.etag_matches(request, etag):
        return edge_cache.not_modified(shareable=True, etag=etag)
    if found.answer is not None:
        response = HttpResponse(found.answer.content, content_type=found.answer.content_type)
        return edge_cache.mark(response, shareable=True, etag=etag)
    return None


def shared_answer(
    request: HttpRequest, slug: str, variant: str, render_answer: Callable[[dict[str, Any]], HttpResponse]
) -> HttpResponse:
    """The answer for `variant` of the store's catalogue: a 304, a stored copy, or rendered now.

    `variant` names everything the answer depends on besides the catalogue (the page's normalised
    query); `render_answer` draws it from the catalogue. Only a shareable request (nothing of its
    own: see dukaan/http/edge_cache.py) is served or stored copies; a seller who just wrote gets an
    answer drawn from their own, fresh catalogue.
    """
    shareable = edge_cache.request_is_shareable(request)
    if shareable and (stored := stored_answer(request, slug, variant)) is not None:
        return stored
    catalogue = get_catalogue(slug)
    if catalogue is None:
        return edge_cache.mark(not_found(request), shareable=shareable)
    version = catalogue_version(catalogue)
    etag = edge_cache.strong_etag(version, variant)
    if edge_cache.etag_matches(request, etag):
        return edge_cache.not_modified(shareable=shareable, etag=etag)
    # The store's language is the catalogue's, so it is in `variant` only as the visit's `?lang=`;
    # a change of the store's language is a new catalogue version, hence a new answer.
    with shop_language(request, catalogue["store"].get("language")):
        response = render_answer(catalogue)
    if shareable and response.status_code == 200:
        page_cache.store_answer(version, variant, response.content, response["Content-Type"])
    return edge_cache.mark(response, shareable=shareable, etag=etag)


def _language_variant(request: HttpRequest) -> str:
    """The visit's `?lang=` as part of the variant: it changes the page's words and its links."""
    return f"lang={requested_language(request) or ''}"


def _store_context(request: HttpRequest, catalogue: dict[str, Any]) -> dict[str, Any]:
    store = catalogue["store"]
    link_lang = requested_language(request)
    return {
        "store": store,
        "categories": catalogue["categories"],
        # Links keep the visit's `?lang=` (templates: {% lang_url %} and {% querystring %}).
        "link_lang": link_lang,
        "cart_url": with_lang(f"/{store['slug']}/cart/", link_lang),
        "add_to_cart_url": with_lang(f"/{store['slug']}/cart/add/", link_lang),
        "share_text": _("Shop at %(name)s on Dukaan: %(url)s") % {"name": store["name"], "url": store["url"]},
        # The link preview's picture: the store's share card, named by what is drawn on it.
        "share_image_url": share_card_url(catalogue),
        "whatsapp_chat_url": whatsapp_chat_url(
            store["whatsapp_number"], _("Hi %(name)s, ") % {"name": store["name"]}
        ),
    }


def _store_query(request: HttpRequest) -> tuple[str, int | None, str, int]:
    """The store page's normalised sort, category, search and page number."""
    sort = request.GET.get("sort", "")
    if sort not in STOREFRONT_SORTS:
        sort = ""
    category_id = _positive_int(request.GET.get("category"))
    query = normalize_query(request.GET.get("q", ""))
    page_number = _positive_int(request.GET.get("page")) or 1
    return sort, category_id, query, page_number


def _store_variant(request: HttpRequest, sort: str, category_id: int | None, query: str, page: int) -> str:
    return f"store|sort={sort}|category={category_id}|q={query}|page={page}|{_language_variant(request)}"


def store_variant(request: HttpRequest) -> str:
    """Everything the store page at this request's query depends on besides the catalogue."""
    return _store_variant(request, *_store_query(request))


def product_variant(request: HttpRequest, product_id: int) -> str:
    """Everything the product page depends on besides the catalogue."""
    return f"product|{product_id}|{_language_variant(request)}"


@require_safe
def store(request: HttpRequest, slug: str) -> HttpResponse:
    sort, category_id, query, page_number = _store_query(request)
    variant = _store_variant(request, sort, category_id, query, page_number)
    return shared_answer(
        request,
        slug,
        variant,
        lambda catalogue: _render_store(request, catalogue, sort, category_id, query, page_number),
    )


def _render_store(
    request: HttpRequest,
    catalogue: dict[str, Any],
    sort: str,
    category_id: int | None,
    query: str,
    page_number: int,
) -> HttpResponse:
    if category_id not in {c["id"] for c in catalogue["categories"]}:
        category_id = None
    query, ranked_ids = storefront_search(catalogue["store"]["id"], query)
    products = storefront_products(catalogue, sort=sort, category_id=category_id, ranked_ids=ranked_ids)
    # get_page() turns a page past the end into the last page.
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(page_number)

    context = _store_context(request, catalogue)
    context.update(
        {
            "page": page,
            # Page numbers around this one and at both ends (1 2 … 41 42 43 … 84): a big store
            # is not 84 taps of "Next".
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
            ),
            "products": page.object_list,
            "sort": sort,
            "category_id": category_id,
            "query": query,
            "total_products": len(catalogue["products"]),
            "sort_choices": [
                ("", _("Featured")),
                ("price_asc", _("Price: low to high")),
                ("price_desc", _("Price: high to low")),
            ],
        }
    )
    return render(request, "storefront/store.html", context)


@require_safe
def product(request: HttpRequest, slug: str, product_id: int) -> HttpResponse:
    return shared_answer(
        request,
        slug,
        product_variant(request, product_id),
        lambda c: _render_product(request, c, product_id),
    )


def _render_product(request: HttpRequest, catalogue: dict[str, Any], product_id: int) -> HttpResponse:
    item = catalogue_product(catalogue, product_id)
    if item is None:
        return not_found(request)
    context = _store_context(request, catalogue)
    category = next((c for c in catalogue["categories"] if c["id"] == item["category_id"]), None)
    product_url = f"{catalogue['store']['url']}p/{item['id']}/"
    variants = item.get("variants") or []
    context.update(
        {
            "product": item,
            # The picker's legend ("Size / Colour") and the choice made for the shopper: the first
            # option still on sale, so "Add to cart" works in one tap.
            "variant_option_names": list(variants[0]["options"]) if variants else [],
            "first_in_stock_variant": next((v["id"] for v in variants if v["in_stock"]), None),
            "category": category,
            "product_url": product_url,
            "product_share_text": _("%(product)s at %(store)s: %(url)s")
            % {"product": item["name"], "store": catalogue["store"]["name"], "url": product_url},
            "product_chat_url": whatsapp_chat_url(
                catalogue["store"]["whatsapp_number"],
                _("Hi %(store)s, I'd like to order %(product)s: %(url)s")
                % {"store": catalogue["store"]["name"], "product": item["name"], "url": product_url},
            ),
        }
    )
    return render(request, "storefront/product.html", context)
