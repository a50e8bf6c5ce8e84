"""Reads for payments: which methods a store takes, and an order's payments."""

from __future__ import annotations

from orders.models import Order, PaymentMethod
from payments.models import Payment
from payments.providers import gateway_enabled
from stores.models import Store


def accepted_payment_methods(store: Store) -> dict[str, str]:
    """The payment methods this store can take, value -> label, in the order shown at checkout."""
    methods = {PaymentMethod.COD.value: PaymentMethod.COD.label}
    if store.upi_id and store.currency == "INR":
        methods[PaymentMethod.UPI.value] = PaymentMethod.UPI.label
    if gateway_enabled():
        methods[PaymentMethod.GATEWAY.value] = PaymentMethod.GATEWAY.label
    return methods


def order_payments(order: Order) -> list[Payment]:
    """The order's payments, oldest first, with who confirmed them (one query)."""
    return list(
        Payment.objects.filter(order=order).select_related("confirmed_by").order_by("created_at", "id")
    )


def can_confirm_by_hand(order: Order) -> bool:
    """The seller may record a UPI credit or cash they saw: an open, unpaid UPI or COD order."""
    return (
        not order.is_paid
        and not order.is_closed
        and order.payment_method in (PaymentMethod.UPI, PaymentMethod.COD)
    )
