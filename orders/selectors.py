"""Reads for orders: cart contents priced from the database, order lists and single orders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderItem, OrderStatus
from products.models import Product
from stores.models import Store

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def available(self) -> bool:
        return self.product.is_active and (self.product.stock is None or self.product.stock >= self.quantity)


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]
    # Product ids in the session cart that no longer exist in this store (deleted products).
    missing: list[int]

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines if line.available), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return bool(self.missing) or any(not line.available for line in self.lines)


def cart_view(*, store: Store, cart: dict[int, int]) -> CartView:
    """The cart with current prices (one query); the client's idea of a price never enters."""
    products = Product.objects.filter(store=store, id__in=cart.keys()).in_bulk() if cart else {}
    lines = [CartLine(products[pid], qty) for pid, qty in cart.items() if pid in products]
    return CartView(lines=lines, missing=[pid for pid in cart if pid not in products])


def store_orders(*, store: Store, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(store=store).select_related("store").order_by("-created_at", "-id")
    if status and status in OrderStatus.values:
        orders = orders.filter(status=status)
    return orders.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def store_order(*, store: Store, number: int) -> Order | None:
    return (
        Order.objects.filter(store=store, number=number)
        .select_related("store")
        .prefetch_related("items", "payments", "payments__confirmed_by")
        .first()
    )


def order_by_token(token: str) -> Order | None:
    # Tokens are url-safe base64; anything else (a NUL byte is an error on PostgreSQL) is no order.
    if not token or len(token) > 64 or not _TOKEN_CHARS.fullmatch(token):
        return None
    return (
        Order.objects.filter(token=token)
        .select_related("store")
        .prefetch_related("items", "payments")
        .first()
    )


def status_counts(*, store: Store) -> dict[str, int]:
    from django.db.models import Count

    rows = Order.objects.filter(store=store).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
