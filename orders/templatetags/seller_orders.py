"""The orders card of the dashboard home, drawn by this app: the dashboard's own app (stores) sits
below orders and knows nothing of them.

    {% order_summaries stores as summaries %}      (two queries for all the seller's stores)
    {% seller_order_summary summaries store %}     (the card of one store)
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template

from orders.dashboard_summary import OrderSummary, store_order_summaries
from stores.models import Store

register = template.Library()


@register.simple_tag
def order_summaries(stores: Sequence[Store]) -> dict[int, OrderSummary]:
    return store_order_summaries(stores=list(stores))


@register.inclusion_tag("dashboard/orders/_home_summary.html")
def seller_order_summary(summaries: dict[int, OrderSummary], store: Store) -> dict:
    return {"store": store, "summary": summaries.get(store.id) or OrderSummary(currency=store.currency)}
