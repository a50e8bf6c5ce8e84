"""The shopper's cart: kept in the session, one cart per store, line -> quantity.

A line is a product, or one variant of it: (product id, variant id or None), stored in the
session as "<product id>" or "<product id>:<variant id>".

It is per-visitor state, so it never goes into anything cached and shared between shoppers. The
storefront's badge reads the count from a small cookie (`dukaan_cart_<store id>`) that every cart
change refreshes, so the store pages themselves stay the same for every visitor.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from orders.services import MAX_QUANTITY_PER_LINE
from products.stock import LineKey

__all__ = ["MAX_QUANTITY_PER_LINE", "cart_count", "count_cookie_name", "get_cart", "save_cart"]

SESSION_KEY = "carts"
COUNT_COOKIE_PREFIX = "dukaan_cart_"


def line_key_text(key: LineKey) -> str:
    """A line's name in the session and in the cart form's field names: "12" or "12:7"."""
    product_id, variant_id = key
    return str(product_id) if variant_id is None else f"{product_id}:{variant_id}"


def parse_line_key(text: str) -> LineKey | None:
    product, _, variant = text.partition(":")
    if (
        not product.isascii()
        or not product.isdigit()
        or (variant and not (variant.isascii() and variant.isdigit()))
    ):
        return None
    return (int(product), int(variant) if variant else None)


def get_cart(request: HttpRequest, store_id: int) -> dict[LineKey, int]:
    """Line -> quantity for this visitor's cart in one store (empty when none)."""
    carts = request.session.get(SESSION_KEY, {}) if hasattr(request, "session") else {}
    cart: dict[LineKey, int] = {}
    for text, qty in carts.get(str(store_id), {}).items():
        key = parse_line_key(text)
        if key is not None:
            cart[key] = int(qty)
    return cart


def save_cart(request: HttpRequest, store_id: int, cart: dict[LineKey, int]) -> None:
    carts = request.session.get(SESSION_KEY, {})
    cleaned = {line_key_text(key): qty for key, qty in cart.items() if qty > 0}
    if cleaned:
        carts[str(store_id)] = cleaned
    else:
        carts.pop(str(store_id), None)
    request.session[SESSION_KEY] = carts


def cart_count(request: HttpRequest, store_id: int) -> int:
    """How many items the visitor has in this store's cart (for the header badge)."""
    return sum(get_cart(request, store_id).values())


def count_cookie_name(store_id: int) -> str:
    return f"{COUNT_COOKIE_PREFIX}{store_id}"


def set_count_cookie(response: HttpResponse, request: HttpRequest, store_id: int) -> HttpResponse:
    """Tell the storefront's script how many items this visitor's cart holds (0 removes the cookie)."""
    count = cart_count(request, store_id)
    name = count_cookie_name(store_id)
    if count:
        # Readable by the page's script (not HttpOnly): it is a number the visitor may see anyway.
        response.set_cookie(
            name,
            str(count),
            max_age=settings.SESSION_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    elif name in request.COOKIES:
        response.delete_cookie(name, samesite="Lax")
    return response
