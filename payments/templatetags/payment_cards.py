"""The payment part of the seller's order page, drawn by the payments app.

Orders know nothing of payments; the order page's template asks for this card by name.
"""

from __future__ import annotations

from typing import Any

from django import template

from orders.models import Order
from payments.selectors import can_confirm_by_hand, order_payments

register = template.Library()


@register.inclusion_tag("dashboard/orders/_payment_card.html", takes_context=True)
def seller_payment_card(context: template.Context, order: Order, store_slug: str) -> dict[str, Any]:
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "store_slug": store_slug,
        "payments": order_payments(order),
        "can_confirm_payment": can_confirm_by_hand(order),
    }
