"""How many products each store sells, for the dashboard home (stores sits below products):

{% product_counts stores as counts %}          (one query for all the seller's stores)
{% product_count counts store as n %}
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.db.models import Count

from products.models import Product
from stores.models import Store

register = template.Library()


@register.simple_tag
def product_counts(stores: Sequence[Store]) -> dict[int, int]:
    rows = (
        Product.objects.filter(store__in=list(stores), is_active=True)
        .values("store_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["store_id"]: row["n"] for row in rows}


@register.simple_tag
def product_count(counts: dict[int, int], store: Store) -> int:
    return counts.get(store.id, 0)
