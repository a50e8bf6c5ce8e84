"""WhatsApp click-to-chat: the seller messages the customer with the order summary."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from orders.models import Order


def order_page_url(order: Order) -> str:
    return settings.DUKAAN_PUBLIC_URL + reverse("checkout:order_status", args=[order.token])


def order_summary(order: Order) -> str:
    lines = [f"Hi {order.customer_name}, your order #{order.number} at {order.store.name}:"]
    lines += [
        f"- {item.quantity} x {item.display_name}: {order.currency} {item.line_total}"
        for item in order.items.all()
    ]
    lines.append(
        f"Total: {order.currency} {order.total} ({order.get_payment_method_display()}"
        + (", paid" if order.is_paid else "")
        + ")"
    )
    lines.append(f"Status: {order.get_status_display()}")
    if order.tracking_id or order.shipping_provider:
        lines.append(f"Shipping: {order.shipping_provider} {order.tracking_id}".rstrip())
    lines.append(f"Track it here: {order_page_url(order)}")
    return "\n".join(lines)


def whatsapp_link(order: Order) -> str:
    digits = "".join(ch for ch in order.customer_phone if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote(order_summary(order))}"
