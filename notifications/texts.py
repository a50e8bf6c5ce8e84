"""What each notification says: short, with the order number, its items, the total and one link.

Links are absolute and built from DUKAAN_PUBLIC_URL (dukaan/http/public_urls.py): the worker has
no request, and a link must never depend on one. Every string goes through gettext so the Hindi
issue can translate them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from dukaan.http.public_urls import public_url
from notifications.models import Kind
from orders.models import Order
from stores.templatetags.money import money

ITEMS_SHOWN = 3
REASON_MAX = 120


def seller_order_url(order: Order) -> str:
    """The order's page in the seller dashboard."""
    return public_url(reverse("orders_dashboard:order_detail", args=[order.store.slug, order.number]))


def customer_order_url(order: Order) -> str:
    """The customer's own order page (by its unguessable token)."""
    return public_url(reverse("checkout:order_status", args=[order.token]))


def items_summary(order: Order) -> str:
    """ "2 x Masala Chai, 1 x Samosa and 3 more" """
    items = list(order.items.all())
    shown = ", ".join(f"{item.quantity} x {item.display_name}" for item in items[:ITEMS_SHOWN])
    hidden = len(items) - ITEMS_SHOWN
    if hidden > 0:
        shown = _("%(items)s and %(count)d more") % {"items": shown, "count": hidden}
    return shown


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1].rstrip() + "…"


def message_for(kind: str, order: Order, payload: dict | None = None) -> str:
    """The text of a `kind` notification about `order`; `payload` is the outbox event's."""
    payload = payload or {}
    values = {
        "number": order.number,
        "store": order.store.name,
        "items": items_summary(order),
        "total": money(order.total, order.currency),
        "method": order.get_payment_method_display(),
        "customer": order.customer_name,
        "pincode": order.pincode,
        "reason": _short(payload.get("reason") or order.reason or ""),
        "amount": money(payload.get("amount") or order.total, payload.get("currency") or order.currency),
    }
    if kind == Kind.ORDER_PLACED:
        values["link"] = seller_order_url(order)
        return (
            _(
                "New order #%(number)s at %(store)s: %(items)s. Total %(total)s (%(method)s). "
                "From %(customer)s, %(pincode)s. Open it: %(link)s"
            )
            % values
        )
    values["link"] = customer_order_url(order)
    if kind == Kind.ORDER_RECEIVED:
        text = _("%(store)s has your order #%(number)s: %(items)s. Total %(total)s. Follow it: %(link)s")
    elif kind == Kind.ORDER_ACCEPTED:
        text = _(
            "%(store)s accepted your order #%(number)s (%(items)s, %(total)s) and is packing it. "
            "Follow it: %(link)s"
        )
    elif kind == Kind.ORDER_SHIPPED:
        carrier = (payload.get("shipping_provider") or order.shipping_provider or "").strip()
        tracking = (payload.get("tracking_id") or order.tracking_id or "").strip()
        values["carrier"] = carrier or _("the delivery partner")
        values["tracking"] = tracking
        if tracking:
            text = _(
                "Your order #%(number)s from %(store)s is on its way with %(carrier)s, "
                "tracking number %(tracking)s. Follow it: %(link)s"
            )
        else:
            text = _(
                "Your order #%(number)s from %(store)s is on its way with %(carrier)s. Follow it: %(link)s"
            )
    elif kind == Kind.ORDER_DELIVERED:
        text = _("Your order #%(number)s from %(store)s was delivered. Thank you! Details: %(link)s")
    elif kind == Kind.ORDER_CANCELLED:
        text = _("Your order #%(number)s at %(store)s was cancelled: %(reason)s. Details: %(link)s")
    elif kind == Kind.ORDER_REJECTED:
        text = _("%(store)s could not take your order #%(number)s: %(reason)s. Details: %(link)s")
    elif kind == Kind.PAYMENT_CAPTURED:
        text = _("%(store)s received your payment of %(amount)s for order #%(number)s. Follow it: %(link)s")
    else:
        raise ValueError(f"No message for notification kind {kind!r}.")
    return text % values
