"""The shopper's cart: kept in the session, one cart per store, product id -> quantity.

It is per-visitor state, so it never goes into anything cached and shared between shoppers.
"""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "carts"
MAX_QUANTITY_PER_LINE = 99


def get_cart(request: HttpRequest, store_id: int) -> dict[int, int]:
    """Product id -> quantity for this visitor's cart in one store (empty when none)."""
    carts = request.session.get(SESSION_KEY, {}) if hasattr(request, "session") else {}
    return {int(pid): int(qty) for pid, qty in carts.get(str(store_id), {}).items()}


def save_cart(request: HttpRequest, store_id: int, cart: dict[int, int]) -> None:
    carts = request.session.get(SESSION_KEY, {})
    cleaned = {str(pid): qty for pid, qty in cart.items() if qty > 0}
    if cleaned:
        carts[str(store_id)] = cleaned
    else:
        carts.pop(str(store_id), None)
    request.session[SESSION_KEY] = carts


def cart_count(request: HttpRequest, store_id: int) -> int:
    """How many items the visitor has in this store's cart (for the header badge)."""
    return sum(get_cart(request, store_id).values())
