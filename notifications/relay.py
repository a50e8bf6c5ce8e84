"""Which notifications one outbox event implies, and to whom: pure reads, no writes.

SPEC section 7: `order.placed` goes to the seller when a shopper places an order (a gateway order
once it is paid, since until then it may never be); everything else goes to the customer.
"""

from __future__ import annotations

from notifications.models import Kind
from orders.models import Order, OrderEvent, OrderStatus, PaymentMethod

STATUS_KINDS = {
    OrderStatus.ACCEPTED: Kind.ORDER_ACCEPTED,
    OrderStatus.SHIPPED: Kind.ORDER_SHIPPED,
    OrderStatus.DELIVERED: Kind.ORDER_DELIVERED,
    OrderStatus.CANCELLED: Kind.ORDER_CANCELLED,
    OrderStatus.REJECTED: Kind.ORDER_REJECTED,
}


def kinds_for_event(event: OrderEvent) -> list[str]:
    """The notification kinds `event` calls for, before the store's own choices are applied."""
    order = event.order
    payload = event.payload or {}
    if event.kind == OrderEvent.PLACED:
        # A UPI order waits for the seller to see the money: they must hear of it now.
        if order.payment_method == PaymentMethod.GATEWAY:
            return []
        return [Kind.ORDER_PLACED, Kind.ORDER_RECEIVED]
    if event.kind == OrderEvent.STATUS_CHANGED:
        status, previous = payload.get("status"), payload.get("previous")
        if status == OrderStatus.PLACED and previous == OrderStatus.PENDING_PAYMENT:
            # Paid at the gateway: the order is real now. (A UPI order was announced when placed.)
            if order.payment_method == PaymentMethod.GATEWAY:
                return [Kind.ORDER_PLACED, Kind.ORDER_RECEIVED]
            return []
        kind = STATUS_KINDS.get(status)
        return [kind] if kind else []
    if event.kind == OrderEvent.PAYMENT_CAPTURED:
        return [Kind.PAYMENT_CAPTURED]
    return []  # order.paid (the capture says it), payment.flagged, order.tracking_updated


def recipient_for(kind: str, order: Order) -> str:
    """The E.164 number: the store's WhatsApp number (or its owner's phone), or the customer's."""
    if kind == Kind.ORDER_PLACED:
        return order.store.whatsapp_number or order.store.owner.phone
    return order.customer_phone


def language_for(kind: str, order: Order) -> str:
    """The language a notification is written in: the seller's own for the seller's message, the
    store's (the language its shoppers read) for the customer's."""
    if kind == Kind.ORDER_PLACED:
        return order.store.owner.language
    return order.store.language
