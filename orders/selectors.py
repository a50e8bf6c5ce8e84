"""Reads for orders: a store's order lists and single orders, and an order by its token."""

from __future__ import annotations

import re

from django.db.models import Count, Prefetch, QuerySet

from orders.models import Order, OrderItem, OrderStatus
from stores.models import Store

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def store_orders(*, store: Store, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(store=store).select_related("store").order_by("-created_at", "-id")
    if status and status in OrderStatus.values:
        orders = orders.filter(status=status)
    return orders.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def store_order(*, store: Store, number: int) -> Order | None:
    return (
        Order.objects.filter(store=store, number=number)
        .select_related("store")
        .prefetch_related("items")
        .first()
    )


def order_by_token(token: str) -> Order | None:
    # Tokens are url-safe base64; anything else (a NUL byte is an error on PostgreSQL) is no order.
    if not token or len(token) > 64 or not _TOKEN_CHARS.fullmatch(token):
        return None
    return Order.objects.filter(token=token).select_related("store").prefetch_related("items").first()


def status_counts(*, store: Store) -> dict[str, int]:
    rows = Order.objects.filter(store=store).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
